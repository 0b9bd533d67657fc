ALTER TABLE customer_invitations DROP COLUMN admin_duration_days;
ALTER TABLE customer_invitations DROP COLUMN admin_roles;
DROP TABLE admin_relationships;
