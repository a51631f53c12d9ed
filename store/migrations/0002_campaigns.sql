-- Campaigns and their requests. A request row is also its outbox entry: the
-- exact message is rendered once, when the campaign is queued, and stored in
-- request_messages, so what was previewed is what is sent and a retry sends
-- identical bytes.

CREATE TABLE campaigns (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    template   TEXT NOT NULL,
    subject    TEXT,                  -- overrides the template's Subject: line
    state      TEXT NOT NULL DEFAULT 'draft'
               CHECK (state IN ('draft', 'queued', 'paused', 'cancelled', 'done')),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
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
    updated_at      TEXT NOT NULL,
    UNIQUE (campaign_id, authority_id)
);
CREATE INDEX requests_outbox ON requests (outbox_state, next_attempt_at);
CREATE INDEX requests_authority ON requests (authority_id);

-- Each request's stored message lives in a table of its own, written once
-- when the campaign is queued and only read after. At about 2.3 KB a letter
-- would take most of a 4 KB page in the requests row, so every state change
-- of a request would rewrite a page of its own; kept apart, a page holds a
-- dozen requests and the dispatcher's commit usually touches one page.
CREATE TABLE request_messages (
    request_id INTEGER PRIMARY KEY REFERENCES requests (id),
    raw        BLOB NOT NULL          -- the exact RFC 5322 bytes sent
);
