-- Partners, the indirect reseller enrollment, the agreement, incentives, outbox and audit log.
-- Ids are TEXT (UUID strings) and times TIMESTAMP (UTC): the portable types (STYLE.md).

CREATE TABLE partners (
    tenant_id TEXT PRIMARY KEY,
    company_name TEXT NOT NULL,
    region TEXT NOT NULL,
    mpn_id TEXT,
    primary_contact_email TEXT,
    mpn_account_email TEXT,
    direct_bill BOOLEAN NOT NULL,
    offboarding_identified BOOLEAN NOT NULL,
    indirect_reseller BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE enrollments (
    id TEXT PRIMARY KEY,
    partner_id TEXT NOT NULL REFERENCES partners (tenant_id),
    status TEXT NOT NULL,
    submitted_by TEXT NOT NULL,
    submitted_at TIMESTAMP NOT NULL,
    primary_contact_email TEXT NOT NULL,
    approval_due_by TIMESTAMP NOT NULL,
    decided_at TIMESTAMP,
    decided_by TEXT,
    rejection_reason TEXT
);
CREATE INDEX enrollments_partner ON enrollments (partner_id, submitted_at);
-- At most one pending or approved enrollment per partner, whichever replica writes it.
CREATE UNIQUE INDEX enrollments_one_open ON enrollments (partner_id)
    WHERE status IN ('pending_approval', 'approved');

CREATE TABLE agreement_acceptances (
    id TEXT PRIMARY KEY,
    partner_id TEXT NOT NULL UNIQUE REFERENCES partners (tenant_id),
    agreement_version TEXT NOT NULL,
    accepted_by TEXT NOT NULL,
    accepted_at TIMESTAMP NOT NULL
);

CREATE TABLE incentive_invitations (
    id TEXT PRIMARY KEY,
    partner_id TEXT NOT NULL REFERENCES partners (tenant_id),
    program TEXT NOT NULL,
    sent_to TEXT NOT NULL,
    issued_at TIMESTAMP NOT NULL,
    expected_by TIMESTAMP NOT NULL,
    UNIQUE (partner_id, program)
);

CREATE TABLE incentive_enrollments (
    id TEXT PRIMARY KEY,
    partner_id TEXT NOT NULL REFERENCES partners (tenant_id),
    program TEXT NOT NULL,
    enrolled_by TEXT NOT NULL,
    enrolled_at TIMESTAMP NOT NULL,
    UNIQUE (partner_id, program)
);

-- R30: the outbox; a relay delivers rows and sets delivered_at.
CREATE TABLE notifications (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    to_address TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    delivered_at TIMESTAMP
);
CREATE INDEX notifications_tenant ON notifications (tenant_id, id);

-- R29: append-only.
CREATE TABLE audit_events (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    at TIMESTAMP NOT NULL,
    actor_sub TEXT NOT NULL,
    actor_tenant TEXT NOT NULL,
    actor_roles TEXT NOT NULL,
    action TEXT NOT NULL,
    subject TEXT NOT NULL,
    request_id TEXT NOT NULL
);
CREATE INDEX audit_events_tenant ON audit_events (tenant_id, id);

CREATE FUNCTION audit_events_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER audit_events_no_update BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
