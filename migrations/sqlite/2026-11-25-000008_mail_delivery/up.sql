-- R30, R35: each outbox e-mail's delivery. A sender claims due e-mails by taking a lease
-- (`lease_until`, `lease_owner`); one that crashed loses it when the lease runs out.
-- `next_attempt_at` null means due now; `delivered_at` is when it was sent.
ALTER TABLE notifications ADD COLUMN delivery_status TEXT NOT NULL DEFAULT 'pending';
ALTER TABLE notifications ADD COLUMN attempts BIGINT NOT NULL DEFAULT 0;
ALTER TABLE notifications ADD COLUMN next_attempt_at TIMESTAMP;
ALTER TABLE notifications ADD COLUMN last_error TEXT;
ALTER TABLE notifications ADD COLUMN lease_until TIMESTAMP;
ALTER TABLE notifications ADD COLUMN lease_owner TEXT;
-- The claim reads pending e-mails oldest first; sent and failed ones leave the index.
CREATE INDEX notifications_due ON notifications (created_at) WHERE delivery_status = 'pending';
