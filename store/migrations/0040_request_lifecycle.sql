-- One request lifecycle (store/lifecycle.go): every fact recorded about a sent
-- request derives its status, due date, the date it was answered and the
-- reason for where it stands, in the transaction that records the fact.
ALTER TABLE requests ADD COLUMN replied_on TEXT;    -- YYYY-MM-DD of the response that stopped the clock
ALTER TABLE requests ADD COLUMN status_reason TEXT; -- the fact that put the request where it is, in words

-- The statuses take the names users see.
UPDATE requests SET status = 'awaiting-response' WHERE status = 'pending' AND outbox_state = 'sent';
UPDATE requests SET status = 'awaiting-clarification' WHERE status = 'clarification-requested';
