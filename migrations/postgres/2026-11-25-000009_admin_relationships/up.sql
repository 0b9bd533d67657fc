-- R31-R33: the admin relationships a customer grants a partner (after Microsoft's GDAP).
-- `status` is what is stored (approval_pending, active, terminated); the clock decides
-- expiring and expired from `first_end`, `duration_days` and `auto_extend`.
CREATE TABLE admin_relationships (
    id TEXT PRIMARY KEY,
    partner_id TEXT NOT NULL REFERENCES partners (tenant_id),
    customer_id TEXT NOT NULL REFERENCES customers (tenant_id),
    -- JSON array of Entra role names
    roles TEXT NOT NULL,
    duration_days BIGINT NOT NULL,
    auto_extend BOOLEAN NOT NULL,
    status TEXT NOT NULL,
    -- R32: the customer's approval link, kept as a hash; single use, 30 days
    approval_token_hash TEXT,
    approval_expires_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    activated_at TIMESTAMP,
    -- the end of the first term; each auto-extension adds 180 days
    first_end TIMESTAMP,
    terminated_at TIMESTAMP,
    -- partner or customer
    terminated_by TEXT
);
CREATE INDEX admin_relationships_pair ON admin_relationships (partner_id, customer_id, id);
CREATE INDEX admin_relationships_customer ON admin_relationships (customer_id, id);
CREATE UNIQUE INDEX admin_relationships_approval ON admin_relationships (approval_token_hash)
    WHERE approval_token_hash IS NOT NULL;
-- Customers with delegated admin before this version get an active relationship at start-up
-- (`store::admin_relationships::grant_existing`): their ids are UUIDs, which SQL cannot make
-- on both backends.

-- R32: what accepting an invitation grants; null means the defaults (older invitations).
ALTER TABLE customer_invitations ADD COLUMN admin_roles TEXT;
ALTER TABLE customer_invitations ADD COLUMN admin_duration_days BIGINT;
