-- Two more kinds of reply, both answers for the statutory clock: a refusal
-- (kind_detail names the exemptions or the cost limit the letter cites) and
-- "already published" (s.21 FOIA, s.25 FOISA, reg 6(1)(b) EIR; kind_detail
-- holds where). And a person may dismiss a message that belongs to no
-- request (a stranger's mail, spam): it leaves the unmatched queue, is never
-- matched or queued for review, and keeps its raw file.
--
-- SQLite cannot change a CHECK constraint in place, so the table is rebuilt:
-- copied aside, dropped, created anew and filled again with the same ids.
-- The other tables' foreign keys name "messages" throughout (a rename would
-- rewrite them); deferring them lets the rows referring to a message wait,
-- inside this transaction, for its row to come back, and commit checks that
-- every one did.

PRAGMA defer_foreign_keys = ON;

CREATE TABLE messages_0070 AS SELECT * FROM messages;
DROP TABLE messages;

CREATE TABLE messages (
    id                INTEGER PRIMARY KEY,
    sha256            TEXT NOT NULL UNIQUE,     -- of the raw bytes; the blob's name
    size              INTEGER NOT NULL,
    header_message_id TEXT,                     -- Message-ID header, without brackets
    from_addr         TEXT NOT NULL DEFAULT '', -- lower-cased address
    from_name         TEXT NOT NULL DEFAULT '',
    subject           TEXT NOT NULL DEFAULT '',
    sent_date         TEXT,                     -- Date header, RFC 3339
    received_at       TEXT NOT NULL,            -- when foidesk stored it
    body_text         TEXT NOT NULL DEFAULT '', -- readable text, HTML converted, capped
    parse_problem     TEXT,                     -- over a limit or unparseable: raw kept, reason here
    request_id        INTEGER REFERENCES requests (id),
    matched_by        TEXT,                     -- rule that matched, or 'person'
    match_detail      TEXT NOT NULL DEFAULT '',
    kind              TEXT NOT NULL CHECK (kind IN ('bounce', 'auto-reply', 'acknowledgement', 'clarification-request', 'response', 'refusal', 'published')),
    kind_reason       TEXT NOT NULL DEFAULT '',
    kind_by           TEXT NOT NULL DEFAULT 'rules' CHECK (kind_by IN ('rules', 'person')),
    kind_detail       TEXT NOT NULL DEFAULT '', -- refusal: the exemptions or cost limit cited; published: where
    bounce_status     TEXT,                     -- enhanced status code of a bounce, e.g. 5.1.1
    bounce_recipient  TEXT,
    case_ref          TEXT,                     -- authority's own reference found in this message
    needs_person      INTEGER NOT NULL DEFAULT 0, -- clarification requests wait for a person
    applied           TEXT,                     -- JSON: the state change this message made, to undo on correction
    dismissed_at      TEXT,                     -- a person dismissed it (no request's mail); NULL otherwise
    dismissed_reason  TEXT NOT NULL DEFAULT '',
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    CHECK (dismissed_at IS NULL OR request_id IS NULL)
);

INSERT INTO messages (id, sha256, size, header_message_id, from_addr, from_name, subject, sent_date, received_at, body_text,
    parse_problem, request_id, matched_by, match_detail, kind, kind_reason, kind_by, bounce_status, bounce_recipient, case_ref,
    needs_person, applied, created_at, updated_at)
SELECT id, sha256, size, header_message_id, from_addr, from_name, subject, sent_date, received_at, body_text,
    parse_problem, request_id, matched_by, match_detail, kind, kind_reason, kind_by, bounce_status, bounce_recipient, case_ref,
    needs_person, applied, created_at, updated_at
FROM messages_0070;

DROP TABLE messages_0070;

CREATE INDEX messages_header_id ON messages (header_message_id) WHERE header_message_id IS NOT NULL;
CREATE INDEX messages_request ON messages (request_id);
CREATE INDEX messages_unmatched ON messages (id) WHERE request_id IS NULL AND dismissed_at IS NULL;
