-- Each request's stored message moves out of the requests row into a table
-- of its own, written once when the campaign is queued and only read after.
-- At about 2.3 KB a letter took most of a 4 KB page, so every state change
-- of a request rewrote a page of its own holding the message; without it a
-- page holds a dozen requests, and the dispatcher's commit (one request's
-- outcome and the next one's claim) usually touches one page, not two.
CREATE TABLE request_messages (
    request_id INTEGER PRIMARY KEY REFERENCES requests (id),
    raw        BLOB NOT NULL          -- the exact RFC 5322 bytes sent (rendered when queued)
);
INSERT INTO request_messages (request_id, raw)
    SELECT id, raw_message FROM requests WHERE raw_message IS NOT NULL;
ALTER TABLE requests DROP COLUMN raw_message;
