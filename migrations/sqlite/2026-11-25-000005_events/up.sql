-- R34: one typed event per state change and tenant concerned, in the change's transaction.
-- `sequence` counts each tenant's events from 1 with no gaps, in commit order: the next number
-- comes from event_sequences, whose row stays locked until the writing transaction ends.
CREATE TABLE events (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    sequence BIGINT NOT NULL,
    event_type TEXT NOT NULL,
    occurred_at TIMESTAMP NOT NULL,
    actor_sub TEXT NOT NULL,
    actor_tenant TEXT NOT NULL,
    actor_roles TEXT NOT NULL,
    request_id TEXT NOT NULL,
    subject_kind TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    data TEXT NOT NULL,
    UNIQUE (tenant_id, sequence)
);

CREATE TABLE event_sequences (
    tenant_id TEXT PRIMARY KEY,
    last_sequence BIGINT NOT NULL
);

-- The audit log becomes a view of the events: its rows move over, numbered in their order,
-- with today's type names and an empty `data` (what the API showed then was not kept).
INSERT INTO events (id, tenant_id, sequence, event_type, occurred_at, actor_sub, actor_tenant,
                    actor_roles, request_id, subject_kind, subject_id, data)
SELECT id,
       tenant_id,
       ROW_NUMBER() OVER (PARTITION BY tenant_id ORDER BY id),
       CASE action
           WHEN 'partnership.invited' THEN 'partnership_invitation.created'
           WHEN 'partnership.accepted' THEN 'partnership_invitation.accepted'
           WHEN 'partnership.declined' THEN 'partnership_invitation.declined'
           WHEN 'customer_invitation.drafted' THEN 'customer_invitation.created'
           WHEN 'customer_invitation.edited' THEN 'customer_invitation.email_edited'
           ELSE action
       END,
       at,
       actor_sub,
       actor_tenant,
       actor_roles,
       request_id,
       CASE substr(subject, 1, instr(subject, '/') - 1)
           WHEN 'partnership-invitation' THEN 'partnership_invitation'
           WHEN 'customer-invitation' THEN 'customer_invitation'
           ELSE substr(subject, 1, instr(subject, '/') - 1)
       END,
       -- Subjects are ids: the old log named the agreement by version and the incentive
       -- enrollment by program.
       CASE substr(subject, 1, instr(subject, '/') - 1)
           WHEN 'agreement' THEN COALESCE(
               (SELECT a.id FROM agreement_acceptances a
                WHERE a.partner_id = audit_events.tenant_id
                  AND a.agreement_version = substr(subject, instr(subject, '/') + 1)),
               substr(subject, instr(subject, '/') + 1))
           WHEN 'incentive' THEN COALESCE(
               (SELECT e.id FROM incentive_enrollments e
                WHERE e.partner_id = audit_events.tenant_id
                  AND e.program = substr(subject, instr(subject, '/') + 1)),
               substr(subject, instr(subject, '/') + 1))
           ELSE substr(subject, instr(subject, '/') + 1)
       END,
       '{}'
FROM audit_events;

INSERT INTO event_sequences (tenant_id, last_sequence)
SELECT tenant_id, MAX(sequence) FROM events GROUP BY tenant_id;

DROP TABLE audit_events;

CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN
    SELECT RAISE(ABORT, 'events is append-only');
END;

CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN
    SELECT RAISE(ABORT, 'events is append-only');
END;
