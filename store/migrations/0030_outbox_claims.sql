-- Who is sending a request right now. A dispatcher claims a row
-- (queued/retry → sending) with its own id before it talks to SMTP; a
-- `sending` row whose claimer is no longer alive was interrupted mid-send and
-- becomes `unknown`, never re-sent automatically.

ALTER TABLE requests ADD COLUMN claimed_by TEXT;
ALTER TABLE requests ADD COLUMN claimed_at TEXT;
-- The rendered subject, kept beside raw_message so status and resolve can
-- show it without re-parsing the message.
ALTER TABLE requests ADD COLUMN subject TEXT;

-- No index on sent_at or campaign: each would cost a page write per message
-- sent, and the daily cap and campaign reports scan a few hundred rows as fast.
