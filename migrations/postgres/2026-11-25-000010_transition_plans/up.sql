-- R36: a transition plan is a dry run: which customers can move to one provider, and why the
-- others cannot. Its items keep the order the plan gave them (`position`).
CREATE TABLE transition_plans (
    id TEXT PRIMARY KEY,
    partner_id TEXT NOT NULL REFERENCES partners (tenant_id),
    provider_id TEXT NOT NULL,
    -- draft, executing, executed
    status TEXT NOT NULL,
    -- JSON array of Entra role names the invitations will ask for; null means the defaults
    admin_roles TEXT,
    message TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX transition_plans_partner ON transition_plans (partner_id, id);
CREATE TABLE transition_plan_items (
    plan_id TEXT NOT NULL REFERENCES transition_plans (id),
    customer_id TEXT NOT NULL,
    company_name TEXT NOT NULL,
    -- invite or blocked
    outcome TEXT NOT NULL,
    -- when blocked: store_for_business_unsupported, already_indirect or invitation_open
    reason TEXT,
    position BIGINT NOT NULL,
    PRIMARY KEY (plan_id, customer_id)
);
