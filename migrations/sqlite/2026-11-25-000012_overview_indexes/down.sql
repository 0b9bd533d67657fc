DROP INDEX admin_relationships_ends;
DROP INDEX customer_invitations_status;
