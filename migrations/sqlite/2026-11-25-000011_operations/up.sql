-- R37, R38: executing a transition plan is one operation, run in the background by whichever
-- replica claims its items. A plan is executed at most once (the unique plan_id).
CREATE TABLE operations (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES partners (tenant_id),
    -- transition_plan.execute
    kind TEXT NOT NULL,
    plan_id TEXT NOT NULL UNIQUE REFERENCES transition_plans (id),
    -- running, succeeded, partially_succeeded, failed
    status TEXT NOT NULL,
    -- who started it: the events of the work carry them (R29)
    actor_sub TEXT NOT NULL,
    actor_tenant TEXT NOT NULL,
    actor_roles TEXT NOT NULL,
    request_id TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP
);
CREATE INDEX operations_running ON operations (status, created_at);
CREATE INDEX operations_tenant ON operations (tenant_id, id);
-- One result per `invite` item once the plan executes: pending, then invited or failed. The
-- item's update commits with the invitation it made, so a customer is never invited twice.
ALTER TABLE transition_plan_items ADD COLUMN state TEXT;
ALTER TABLE transition_plan_items ADD COLUMN invitation_id TEXT;
ALTER TABLE transition_plan_items ADD COLUMN error_code TEXT;
ALTER TABLE transition_plan_items ADD COLUMN error_detail TEXT;
CREATE INDEX transition_plan_items_state ON transition_plan_items (plan_id, state, position);
-- Finding the partner's open invitation for one customer (R17) with bound parameters: the
-- partial unique index cannot serve a query whose status is a parameter, so without this one each
-- lookup read every invitation of the partner, which a bulk move of 10,000 customers made slow.
CREATE INDEX customer_invitations_customer ON customer_invitations (partner_id, customer_id, status);
