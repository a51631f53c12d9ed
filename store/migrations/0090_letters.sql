-- Follow-up letters: chasers, internal-review letters and alert digests.
-- Each is rendered once and sent byte for byte through the same outbox
-- states as a request (claimed before SMTP, recorded after; a crash
-- mid-send leaves it `sending`, which recovery turns into `unknown`).
-- once_key makes queueing idempotent: chaser:<request id>:<n>,
-- review:<request id>, digest:<date>.
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

-- Chasers, opt-in per campaign, in working days: the first chase_after days
-- past the due date, then every chase_every days, at most chase_max.
-- NULL chase_after: chasers off.
ALTER TABLE campaigns ADD COLUMN chase_after INTEGER CHECK (chase_after IS NULL OR chase_after > 0);
ALTER TABLE campaigns ADD COLUMN chase_every INTEGER CHECK (chase_every IS NULL OR chase_every > 0);
ALTER TABLE campaigns ADD COLUMN chase_max INTEGER CHECK (chase_max IS NULL OR chase_max > 0);
