-- Reply ingestion: per-mailbox IMAP sync state, stored messages and their
-- attachments, where each was seen, what foidesk learned about senders and
-- case references, and the bounce flag on an authority's address.

-- One row per watched mailbox. last_uid only ever advances inside the
-- transaction that records the message with that UID, after its raw bytes
-- are durable on disk.
CREATE TABLE mailboxes (
    name        TEXT PRIMARY KEY,
    uidvalidity INTEGER NOT NULL,
    last_uid    INTEGER NOT NULL DEFAULT 0,
    updated_at  TEXT NOT NULL
);

-- One row per distinct message (raw SHA-256, then Message-ID, dedupe).
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
    kind              TEXT NOT NULL CHECK (kind IN ('bounce', 'auto-reply', 'acknowledgement', 'clarification-request', 'response')),
    kind_reason       TEXT NOT NULL DEFAULT '',
    kind_by           TEXT NOT NULL DEFAULT 'rules' CHECK (kind_by IN ('rules', 'person')),
    bounce_status     TEXT,                     -- enhanced status code of a bounce, e.g. 5.1.1
    bounce_recipient  TEXT,
    case_ref          TEXT,                     -- authority's own reference found in this message
    needs_person      INTEGER NOT NULL DEFAULT 0, -- clarification requests wait for a person
    applied           TEXT,                     -- JSON: the state change this message made, to undo on correction
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL
);
CREATE INDEX messages_header_id ON messages (header_message_id) WHERE header_message_id IS NOT NULL;
CREATE INDEX messages_request ON messages (request_id);
CREATE INDEX messages_unmatched ON messages (id) WHERE request_id IS NULL;

-- Where each message was seen: several mailboxes, or one mailbox before and
-- after a UIDVALIDITY change, may hold the same message.
CREATE TABLE message_locations (
    mailbox     TEXT NOT NULL,
    uidvalidity INTEGER NOT NULL,
    uid         INTEGER NOT NULL,
    message_id  INTEGER NOT NULL REFERENCES messages (id),
    seen_at     TEXT NOT NULL,
    PRIMARY KEY (mailbox, uidvalidity, uid)
);
CREATE INDEX message_locations_message ON message_locations (message_id);

-- Attachments, content-addressed in the blob store like the raw message.
CREATE TABLE attachments (
    id           INTEGER PRIMARY KEY,
    message_id   INTEGER NOT NULL REFERENCES messages (id),
    seq          INTEGER NOT NULL,            -- order within the message, from 1
    part         TEXT NOT NULL,               -- MIME path, e.g. 2.1; "tnef" suffix for winmail.dat contents
    filename     TEXT NOT NULL DEFAULT '',
    content_type TEXT NOT NULL DEFAULT 'application/octet-stream',
    size         INTEGER NOT NULL,
    sha256       TEXT NOT NULL,
    UNIQUE (message_id, seq)
);
CREATE INDEX attachments_sha ON attachments (sha256);

-- Sender addresses known for an authority beyond its register email:
-- taught by a person's assignment.
CREATE TABLE authority_senders (
    authority_id INTEGER NOT NULL REFERENCES authorities (id),
    address      TEXT NOT NULL,              -- lower-cased
    source       TEXT NOT NULL,              -- 'assigned'
    created_at   TEXT NOT NULL,
    PRIMARY KEY (authority_id, address)
);
CREATE INDEX authority_senders_address ON authority_senders (address);

-- An authority's own case reference for a request, learned from its
-- acknowledgement ("Our ref: FOI/12345"). norm is upper-cased, without
-- spaces, so "foi 12345" and "FOI/12345" differ but case does not.
CREATE TABLE case_refs (
    norm        TEXT NOT NULL,
    request_id  INTEGER NOT NULL REFERENCES requests (id),
    raw         TEXT NOT NULL,
    message_id  INTEGER REFERENCES messages (id),
    created_at  TEXT NOT NULL,
    PRIMARY KEY (norm, request_id)
);

-- A permanent bounce flags the authority's address until someone fixes it.
ALTER TABLE authorities ADD COLUMN email_bounced_at TEXT;
ALTER TABLE authorities ADD COLUMN email_bounce_reason TEXT;
