-- A note a reviewer reads beside a review queue entry: why the entry's
-- message has documents that are not in the queue (the per-message cap,
-- document.MaxQueuedPerMessage).

ALTER TABLE review_queue ADD COLUMN note TEXT NOT NULL DEFAULT '';
