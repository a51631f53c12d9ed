-- The schema of a new database, from store/migrations. Do not edit:
-- go test ./store -run Schema -update rewrites it.
PRAGMA user_version = 210;

CREATE TABLE alert_digests (
    day        TEXT PRIMARY KEY, -- YYYY-MM-DD (Europe/London)
    letter_id  INTEGER,          -- the outbox letter; NULL when nothing was sent
    alerts     INTEGER NOT NULL,
    overdue    INTEGER NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE alert_states (
    request_id INTEGER PRIMARY KEY REFERENCES requests(id),
    state      TEXT NOT NULL,
    since      TEXT NOT NULL,  -- YYYY-MM-DD (Europe/London) the request entered it
    updated_at TEXT NOT NULL
);

CREATE TABLE alert_warnings (
    kind       TEXT NOT NULL,   -- predicted-holidays
    subject    TEXT NOT NULL,   -- the year
    message    TEXT NOT NULL,
    created_at TEXT NOT NULL,
    digest_key TEXT,
    PRIMARY KEY (kind, subject)
);

CREATE TABLE alerts (
    id               INTEGER PRIMARY KEY,
    request_id       INTEGER NOT NULL REFERENCES requests(id),
    campaign_id      INTEGER NOT NULL REFERENCES campaigns(id),
    from_state       TEXT NOT NULL,   -- '' when the request was in no alert state
    to_state         TEXT NOT NULL,   -- an alert state, or 'replied' (answered after being late)
    on_date          TEXT NOT NULL,   -- YYYY-MM-DD the pass judged it on
    due_date         TEXT,
    days_late        INTEGER,         -- working days late on on_date; NULL when no due date applies
    created_at       TEXT NOT NULL,
    digest_key       TEXT,            -- the digest that included it; NULL: not yet
    digest_letter_id INTEGER,
    webhook_state    TEXT NOT NULL,   -- none (no webhook configured), pending, delivered, failed
    webhook_attempts INTEGER NOT NULL DEFAULT 0,
    webhook_next_at  TEXT,            -- fixed-width UTC; when pending
    webhook_error    TEXT             -- the last failure, in words
);

CREATE INDEX alerts_request ON alerts(request_id, id);

CREATE INDEX alerts_undigested ON alerts(id) WHERE digest_key IS NULL;

CREATE INDEX alerts_webhook_pending ON alerts(webhook_next_at) WHERE webhook_state = 'pending';

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

CREATE TABLE authorities (
    id         INTEGER PRIMARY KEY,
    code       TEXT UNIQUE,              -- e.g. mySociety local-authority-code; NULL when the user gave none
    name       TEXT NOT NULL,
    email      TEXT,                     -- NULL: missing an address, nothing is ever sent
    nation     TEXT CHECK (nation IN ('England', 'Wales', 'Scotland', 'Northern Ireland')),
    regime     TEXT NOT NULL CHECK (regime IN ('foia', 'eir', 'foisa', 'eisr')),
    tags       TEXT NOT NULL DEFAULT '[]', -- JSON array of strings
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
, email_bounced_at TEXT, email_bounce_reason TEXT, email_shared INTEGER NOT NULL DEFAULT 0 CHECK (email_shared IN (0, 1)));

CREATE INDEX authorities_code_nocase ON authorities (code COLLATE NOCASE);

CREATE INDEX authorities_email ON authorities (lower(email));

CREATE INDEX authorities_email_domain ON authorities (substr(lower(email), instr(lower(email), '@')));

CREATE INDEX authorities_name ON authorities (name);

CREATE TABLE authority_senders (
    authority_id INTEGER NOT NULL REFERENCES authorities (id),
    address      TEXT NOT NULL,              -- lower-cased
    source       TEXT NOT NULL,              -- 'assigned'
    created_at   TEXT NOT NULL,
    PRIMARY KEY (authority_id, address)
);

CREATE INDEX authority_senders_address ON authority_senders (address);

CREATE INDEX authority_senders_domain ON authority_senders (substr(address, instr(address, '@')));

CREATE TABLE campaigns (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    template   TEXT NOT NULL,
    subject    TEXT,                  -- overrides the template's Subject: line
    state      TEXT NOT NULL DEFAULT 'draft'
               CHECK (state IN ('draft', 'queued', 'paused', 'cancelled', 'done')),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
, target TEXT, chase_after INTEGER CHECK (chase_after IS NULL OR chase_after > 0), chase_every INTEGER CHECK (chase_every IS NULL OR chase_every > 0), chase_max INTEGER CHECK (chase_max IS NULL OR chase_max > 0));

CREATE TABLE case_refs (
    norm        TEXT NOT NULL,
    request_id  INTEGER NOT NULL REFERENCES requests (id),
    raw         TEXT NOT NULL,
    message_id  INTEGER REFERENCES messages (id),
    created_at  TEXT NOT NULL,
    PRIMARY KEY (norm, request_id)
);

CREATE TABLE codebooks (
    campaign_id   INTEGER PRIMARY KEY REFERENCES campaigns (id),
    spec          TEXT NOT NULL CHECK (json_valid(spec)), -- labels, choice, keywords, rules
    double_coding INTEGER NOT NULL DEFAULT 0 CHECK (double_coding IN (0, 1)),
    updated_by    TEXT NOT NULL DEFAULT '',
    updated_at    TEXT NOT NULL
);

CREATE TABLE codings (
    id             INTEGER PRIMARY KEY,
    review_id      INTEGER NOT NULL REFERENCES review_queue (id),
    document_id    INTEGER NOT NULL REFERENCES documents (id),
    campaign_id    INTEGER NOT NULL REFERENCES campaigns (id),
    reviewer       TEXT NOT NULL COLLATE NOCASE,
    role           TEXT NOT NULL CHECK (role IN ('coder', 'resolution')),
    labels         TEXT NOT NULL CHECK (json_valid(labels)), -- JSON array of label names, sorted
    outcome        TEXT NOT NULL DEFAULT ''
                   CHECK (outcome IN ('', 'provided', 'not-held', 'refused', 'partial', 'published')),
    outcome_detail TEXT NOT NULL DEFAULT '', -- refused: the exemption or cost limit; published: the URL
    notes          TEXT NOT NULL DEFAULT '',
    replaces       INTEGER REFERENCES codings (id),
    current        INTEGER NOT NULL DEFAULT 1 CHECK (current IN (0, 1)),
    coded_at       TEXT NOT NULL
);

CREATE INDEX codings_campaign ON codings (campaign_id) WHERE current = 1;

CREATE INDEX codings_campaign_review ON codings (campaign_id, review_id) WHERE current = 1;

CREATE UNIQUE INDEX codings_current ON codings (review_id, role, reviewer) WHERE current = 1;

CREATE INDEX codings_document ON codings (document_id) WHERE current = 1;

CREATE TABLE document_bands (
    band        INTEGER NOT NULL,
    hash        BLOB NOT NULL,
    document_id INTEGER NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    PRIMARY KEY (band, hash, document_id)
) WITHOUT ROWID;

CREATE INDEX document_bands_document ON document_bands (document_id);

CREATE TRIGGER document_bands_insert AFTER INSERT ON documents WHEN length(new.minhash) = 512 BEGIN
    INSERT INTO document_bands (band, hash, document_id)
        SELECT b, unhex(substr(hex(new.minhash), 64*b + 1, 4) || substr(hex(new.minhash), 64*b + 9, 4) || substr(hex(new.minhash), 64*b + 17, 4) || substr(hex(new.minhash), 64*b + 25, 4)
            || substr(hex(new.minhash), 64*b + 33, 4) || substr(hex(new.minhash), 64*b + 41, 4) || substr(hex(new.minhash), 64*b + 49, 4) || substr(hex(new.minhash), 64*b + 57, 4)),
            new.id
        FROM (SELECT value AS b FROM json_each('[0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15]'));
END;

CREATE TRIGGER document_bands_update AFTER UPDATE OF minhash ON documents BEGIN
    DELETE FROM document_bands WHERE document_id = old.id;
    INSERT INTO document_bands (band, hash, document_id)
        SELECT b, unhex(substr(hex(new.minhash), 64*b + 1, 4) || substr(hex(new.minhash), 64*b + 9, 4) || substr(hex(new.minhash), 64*b + 17, 4) || substr(hex(new.minhash), 64*b + 25, 4)
            || substr(hex(new.minhash), 64*b + 33, 4) || substr(hex(new.minhash), 64*b + 41, 4) || substr(hex(new.minhash), 64*b + 49, 4) || substr(hex(new.minhash), 64*b + 57, 4)),
            new.id
        FROM (SELECT value AS b FROM json_each('[0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15]')) WHERE length(new.minhash) = 512;
END;

CREATE TABLE document_sources (
    id            INTEGER PRIMARY KEY,
    document_id   INTEGER NOT NULL REFERENCES documents (id),
    message_id    INTEGER NOT NULL REFERENCES messages (id),
    attachment_id INTEGER UNIQUE REFERENCES attachments (id), -- NULL for a body document
    filename      TEXT NOT NULL DEFAULT '',
    created_at    TEXT NOT NULL,
    UNIQUE (document_id, message_id, attachment_id)
);

CREATE UNIQUE INDEX document_sources_body ON document_sources (message_id) WHERE attachment_id IS NULL;

CREATE INDEX document_sources_document ON document_sources (document_id);

CREATE INDEX document_sources_message ON document_sources (message_id);

CREATE TABLE documents (
    id           INTEGER PRIMARY KEY,
    origin       TEXT NOT NULL CHECK (origin IN ('attachment', 'body')),
    sha256       TEXT NOT NULL,           -- attachment: the blob's name; body: SHA-256 of the raw message
    type         TEXT NOT NULL DEFAULT '', -- detected from content: pdf, docx, …
    status       TEXT NOT NULL CHECK (status IN ('ok', 'needs_ocr', 'encrypted', 'unsupported', 'failed')),
    reason       TEXT NOT NULL DEFAULT '',
    engine       TEXT NOT NULL DEFAULT '',
    pages        INTEGER NOT NULL DEFAULT 0,
    words        INTEGER NOT NULL DEFAULT 0,
    text         TEXT NOT NULL DEFAULT '', -- pages separated by form feeds
    detail       TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(detail)), -- notes, members, per-page origins, timings
    minhash      BLOB,                    -- near-duplicate signature; NULL when too short to compare
    similar_to   INTEGER REFERENCES documents (id), -- "same model policy as …"
    similarity   REAL,
    extracted_at TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    UNIQUE (origin, sha256)
);

CREATE VIRTUAL TABLE documents_fts USING fts5 (
    text,
    tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TABLE 'documents_fts_config'(k PRIMARY KEY, v) WITHOUT ROWID;

CREATE TABLE 'documents_fts_content'(id INTEGER PRIMARY KEY, c0);

CREATE TABLE 'documents_fts_data'(id INTEGER PRIMARY KEY, block BLOB);

CREATE TABLE 'documents_fts_docsize'(id INTEGER PRIMARY KEY, sz BLOB);

CREATE TABLE 'documents_fts_idx'(segid, term, pgno, PRIMARY KEY(segid, term)) WITHOUT ROWID;

CREATE INDEX documents_similar ON documents (similar_to) WHERE similar_to IS NOT NULL;

CREATE INDEX documents_status ON documents (status);

CREATE TABLE events (
    id           INTEGER PRIMARY KEY,
    at           TEXT NOT NULL,           -- RFC 3339, UTC, nanoseconds
    kind         TEXT NOT NULL,           -- e.g. authority.added
    authority_id INTEGER,
    request_id   INTEGER,
    message_id   INTEGER,
    detail       TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(detail))
);

CREATE INDEX events_authority ON events (authority_id) WHERE authority_id IS NOT NULL;

CREATE INDEX events_message ON events (message_id) WHERE message_id IS NOT NULL;

CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN
    SELECT RAISE(ABORT, 'events are append-only');
END;

CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN
    SELECT RAISE(ABORT, 'events are append-only');
END;

CREATE INDEX events_request ON events (request_id) WHERE request_id IS NOT NULL;

CREATE INDEX events_request_facts ON events (request_id, id)
	WHERE kind IN ('request.clarification_answered', 'request.fact_recorded', 'request.fact_undone');

CREATE TABLE letters (
    id              INTEGER PRIMARY KEY,
    kind            TEXT NOT NULL CHECK (kind IN ('chaser', 'internal-review', 'digest')),
    request_id      INTEGER REFERENCES requests (id), -- NULL for a digest
    once_key        TEXT NOT NULL UNIQUE,
    to_email        TEXT NOT NULL,
    message_id      TEXT NOT NULL UNIQUE,             -- without angle brackets
    subject         TEXT NOT NULL,
    raw             BLOB NOT NULL,                    -- the exact bytes sent
    outbox_state    TEXT NOT NULL DEFAULT 'queued'
                    CHECK (outbox_state IN ('queued', 'sending', 'sent', 'retry', 'failed', 'unknown', 'cancelled')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT,
    smtp_code       INTEGER,
    smtp_enhanced   TEXT,
    smtp_text       TEXT,
    claimed_by      TEXT,
    claimed_at      TEXT,
    sent_at         TEXT,
    cancel_reason   TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    CHECK ((kind = 'digest') = (request_id IS NULL))
);

CREATE INDEX letters_outbox ON letters (outbox_state, next_attempt_at);

CREATE INDEX letters_request ON letters (request_id, kind);

CREATE TABLE login_failures (
    id      INTEGER PRIMARY KEY,
    at      TEXT NOT NULL,
    name    TEXT NOT NULL,
    address TEXT NOT NULL
);

CREATE INDEX login_failures_address ON login_failures (address, at);

CREATE INDEX login_failures_name ON login_failures (name, at);

CREATE TABLE mailboxes (
    name        TEXT PRIMARY KEY,
    uidvalidity INTEGER NOT NULL,
    last_uid    INTEGER NOT NULL DEFAULT 0,
    updated_at  TEXT NOT NULL
);

CREATE TABLE message_locations (
    mailbox     TEXT NOT NULL,
    uidvalidity INTEGER NOT NULL,
    uid         INTEGER NOT NULL,
    message_id  INTEGER NOT NULL REFERENCES messages (id),
    seen_at     TEXT NOT NULL,
    PRIMARY KEY (mailbox, uidvalidity, uid)
);

CREATE INDEX message_locations_message ON message_locations (message_id);

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

CREATE VIRTUAL TABLE messages_fts USING fts5 (
    sender,
    subject,
    body,
    tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TABLE 'messages_fts_config'(k PRIMARY KEY, v) WITHOUT ROWID;

CREATE TABLE 'messages_fts_content'(id INTEGER PRIMARY KEY, c0, c1, c2);

CREATE TABLE 'messages_fts_data'(id INTEGER PRIMARY KEY, block BLOB);

CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
    DELETE FROM messages_fts WHERE rowid = old.id;
END;

CREATE TABLE 'messages_fts_docsize'(id INTEGER PRIMARY KEY, sz BLOB);

CREATE TABLE 'messages_fts_idx'(segid, term, pgno, PRIMARY KEY(segid, term)) WITHOUT ROWID;

CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
    INSERT INTO messages_fts (rowid, sender, subject, body)
        VALUES (new.id, trim(new.from_name || ' ' || new.from_addr), new.subject, new.body_text);
END;

CREATE TRIGGER messages_fts_update AFTER UPDATE OF from_name, from_addr, subject, body_text ON messages BEGIN
    DELETE FROM messages_fts WHERE rowid = old.id;
    INSERT INTO messages_fts (rowid, sender, subject, body)
        VALUES (new.id, trim(new.from_name || ' ' || new.from_addr), new.subject, new.body_text);
END;

CREATE INDEX messages_header_id ON messages (header_message_id) WHERE header_message_id IS NOT NULL;

CREATE INDEX messages_request ON messages (request_id);

CREATE INDEX messages_unmatched ON messages (id) WHERE request_id IS NULL AND dismissed_at IS NULL;

CREATE TABLE request_messages (
    request_id INTEGER PRIMARY KEY REFERENCES requests (id),
    raw        BLOB NOT NULL          -- the exact RFC 5322 bytes sent
);

CREATE TABLE requests (
    id              INTEGER PRIMARY KEY,
    campaign_id     INTEGER NOT NULL REFERENCES campaigns (id),
    authority_id    INTEGER NOT NULL REFERENCES authorities (id),
    ref             TEXT NOT NULL UNIQUE,   -- reference token, see store/ref.go
    regime          TEXT NOT NULL CHECK (regime IN ('foia', 'eir', 'foisa', 'eisr')),
    to_email        TEXT NOT NULL,          -- the address as it was when the request was created
    message_id      TEXT NOT NULL UNIQUE,   -- our Message-ID, without angle brackets
    -- outbox: draft → queued → sending → sent | retry | failed | unknown | cancelled
    outbox_state    TEXT NOT NULL DEFAULT 'draft'
                    CHECK (outbox_state IN ('draft', 'queued', 'sending', 'sent', 'retry', 'failed', 'unknown', 'cancelled')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT,
    smtp_code       INTEGER,
    smtp_enhanced   TEXT,
    smtp_text       TEXT,
    sent_at         TEXT,                   -- when the server accepted it: the date of receipt
    due_date        TEXT,                   -- YYYY-MM-DD, from the deadline engine
    -- lifecycle once sent; later issues move it (not-delivered, replied, …)
    status          TEXT NOT NULL DEFAULT 'pending',
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL, claimed_by TEXT, claimed_at TEXT, subject TEXT, replied_on TEXT, status_reason TEXT,
    UNIQUE (campaign_id, authority_id)
);

CREATE INDEX requests_authority ON requests (authority_id);

CREATE INDEX requests_campaign ON requests (campaign_id, id);

CREATE INDEX requests_outbox ON requests (outbox_state, next_attempt_at);

CREATE INDEX requests_to_domain ON requests (substr(lower(to_email), instr(lower(to_email), '@')));

CREATE TABLE review_claims (
    review_id  INTEGER NOT NULL REFERENCES review_queue (id),
    reviewer   TEXT NOT NULL COLLATE NOCASE,
    expires_at TEXT NOT NULL,
    PRIMARY KEY (review_id, reviewer)
);

CREATE INDEX review_claims_reviewer ON review_claims (reviewer);

CREATE TABLE review_queue (
    id           INTEGER PRIMARY KEY,
    document_id  INTEGER NOT NULL REFERENCES documents (id),
    message_id   INTEGER NOT NULL REFERENCES messages (id),
    state        TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done')),
    outcome      TEXT,                    -- the reviewer's classification
    created_at   TEXT NOT NULL,
    decided_at   TEXT, note TEXT NOT NULL DEFAULT '',
    UNIQUE (document_id, message_id)
);

CREATE INDEX review_queue_message ON review_queue (message_id);

CREATE INDEX review_queue_pending ON review_queue (id) WHERE state = 'pending';

CREATE TABLE review_skips (
    review_id  INTEGER NOT NULL REFERENCES review_queue (id),
    reviewer   TEXT NOT NULL COLLATE NOCASE,
    skipped_at TEXT NOT NULL,
    PRIMARY KEY (review_id, reviewer)
);

CREATE TABLE sessions (
    id           INTEGER PRIMARY KEY,
    token_sha256 TEXT NOT NULL UNIQUE,      -- hex
    user_id      INTEGER NOT NULL REFERENCES users (id),
    address      TEXT NOT NULL DEFAULT '',  -- client address at sign-in, for the user's session list
    user_agent   TEXT NOT NULL DEFAULT '',
    created_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    expires_at   TEXT NOT NULL              -- absolute end, whatever the activity
);

CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE COLLATE NOCASE,
    admin         INTEGER NOT NULL DEFAULT 0 CHECK (admin IN (0, 1)),
    password_hash TEXT NOT NULL,            -- $argon2id$v=19$m=…,t=…,p=…$salt$hash
    disabled_at   TEXT,                     -- an admin disabled the account; NULL otherwise
    removed_at    TEXT,                     -- removed; the row stays for the history's sake
    last_login_at TEXT,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
