DROP TRIGGER audit_events_no_update ON audit_events;
DROP FUNCTION audit_events_append_only();
DROP TABLE audit_events;
DROP TABLE notifications;
DROP TABLE incentive_enrollments;
DROP TABLE incentive_invitations;
DROP TABLE agreement_acceptances;
DROP TABLE enrollments;
DROP TABLE partners;
