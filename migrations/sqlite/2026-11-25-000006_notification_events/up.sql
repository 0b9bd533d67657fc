-- R34: each e-mail names the event that sent it (notifications are a view of the events).
ALTER TABLE notifications ADD COLUMN event_id TEXT;
