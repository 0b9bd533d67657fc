DROP INDEX notifications_due;
ALTER TABLE notifications DROP COLUMN lease_owner;
ALTER TABLE notifications DROP COLUMN lease_until;
ALTER TABLE notifications DROP COLUMN last_error;
ALTER TABLE notifications DROP COLUMN next_attempt_at;
ALTER TABLE notifications DROP COLUMN attempts;
ALTER TABLE notifications DROP COLUMN delivery_status;
