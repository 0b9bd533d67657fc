-- Idempotency keys belong to one user: (tenant, sub, key). The answer commits with the change it
-- answers and is kept sealed (API.md "Idempotency", "Secrets at rest"). Keys live 24 hours, so
-- the old table's rows are not carried over.
DROP TABLE idempotency_keys;
CREATE TABLE idempotency_keys (
    tenant_id TEXT NOT NULL,
    subject TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    claim TEXT NOT NULL,
    claimed_at TIMESTAMP NOT NULL,
    answer TEXT,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, subject, idempotency_key)
);
CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);

-- The outbox keeps the e-mail sealed for delivery; `body` is what `notifications` shows, with
-- every token hidden. Existing rows are sealed at start-up (store::sealing).
ALTER TABLE notifications ADD COLUMN body_sealed TEXT;
