-- Who is sending a request right now. A dispatcher claims a row
-- (queued/retry → sending) with its own id before it talks to SMTP; a
-- `sending` row whose claimer is no longer alive was interrupted mid-send and
-- becomes `unknown`, never re-sent automatically.

ALTER TABLE requests ADD COLUMN claimed_by TEXT;
ALTER TABLE requests ADD COLUMN claimed_at TEXT;
-- The rendered subject, kept beside raw_message so status and resolve can
-- show it without re-parsing the message.
ALTER TABLE requests ADD COLUMN subject TEXT;

-- Daily caps count what the provider accepted in the last 24 hours.
CREATE INDEX requests_sent_at ON requests (sent_at) WHERE sent_at IS NOT NULL;
CREATE INDEX requests_campaign ON requests (campaign_id, outbox_state);
