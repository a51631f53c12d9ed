-- Deadline alerts (store/alert; the watcher and its delivery are package
-- alerts). A watcher pass compares each open request's shown status with
-- the alert state it was last in, and writes the new state and one alerts
-- row per transition in one transaction: a restart never repeats an alert,
-- a crash never loses one. Delivery reads the rows still pending and marks
-- them after: the webhook at least once, the digest once (through the
-- outbox, in the transaction that marks its rows).

-- The alert state each request is in now: due-soon, overdue, very-overdue,
-- extension-overdue or review-overdue. No row: none.
CREATE TABLE alert_states (
    request_id INTEGER PRIMARY KEY REFERENCES requests(id),
    state      TEXT NOT NULL,
    since      TEXT NOT NULL,  -- YYYY-MM-DD (Europe/London) the request entered it
    updated_at TEXT NOT NULL
);

-- One row per transition, never repeated.
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

-- Warnings that are given once: a year whose holidays are only predicted.
CREATE TABLE alert_warnings (
    kind       TEXT NOT NULL,   -- predicted-holidays
    subject    TEXT NOT NULL,   -- the year
    message    TEXT NOT NULL,
    created_at TEXT NOT NULL,
    digest_key TEXT,
    PRIMARY KEY (kind, subject)
);

-- The days a digest was considered: once a day, sent or (nothing to say) not.
CREATE TABLE alert_digests (
    day        TEXT PRIMARY KEY, -- YYYY-MM-DD (Europe/London)
    letter_id  INTEGER,          -- the outbox letter; NULL when nothing was sent
    alerts     INTEGER NOT NULL,
    overdue    INTEGER NOT NULL,
    created_at TEXT NOT NULL
);
