DROP INDEX customer_invitations_customer;
DROP INDEX transition_plan_items_state;
ALTER TABLE transition_plan_items DROP COLUMN error_detail;
ALTER TABLE transition_plan_items DROP COLUMN error_code;
ALTER TABLE transition_plan_items DROP COLUMN invitation_id;
ALTER TABLE transition_plan_items DROP COLUMN state;
DROP TABLE operations;
