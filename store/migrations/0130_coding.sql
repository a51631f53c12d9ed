-- Coding the review queue: each campaign's codebook, the reviewers'
-- claims on queue entries, and their codings (package store/coding).
--
-- A campaign without a codebook row uses its template's default (the
-- recording-policy codebook). The codebook is one JSON document, replaced
-- whole, so a file that fails to validate never leaves half of itself.
CREATE TABLE codebooks (
    campaign_id   INTEGER PRIMARY KEY REFERENCES campaigns (id),
    spec          TEXT NOT NULL CHECK (json_valid(spec)), -- labels, choice, keywords, rules
    double_coding INTEGER NOT NULL DEFAULT 0 CHECK (double_coding IN (0, 1)),
    updated_by    TEXT NOT NULL DEFAULT '',
    updated_at    TEXT NOT NULL
);

-- A reviewer's lease on a queue entry, taken in the transaction that
-- picks it and gone when they code or skip it; once expired anyone may
-- take the entry again.
CREATE TABLE review_claims (
    review_id  INTEGER NOT NULL REFERENCES review_queue (id),
    reviewer   TEXT NOT NULL COLLATE NOCASE,
    expires_at TEXT NOT NULL,
    PRIMARY KEY (review_id, reviewer)
);

CREATE INDEX review_claims_reviewer ON review_claims (reviewer);

-- Entries a reviewer skipped: they come last in that reviewer's queue.
CREATE TABLE review_skips (
    review_id  INTEGER NOT NULL REFERENCES review_queue (id),
    reviewer   TEXT NOT NULL COLLATE NOCASE,
    skipped_at TEXT NOT NULL,
    PRIMARY KEY (review_id, reviewer)
);

-- A reviewer's coding of a queue entry (a document as it reached one
-- request), or an admin's resolution of a double-coding disagreement.
-- Coding again adds a row that names the one it replaces; only the
-- newest of a reviewer's rows for an entry is current.
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

CREATE UNIQUE INDEX codings_current ON codings (review_id, role, reviewer) WHERE current = 1;
CREATE INDEX codings_campaign ON codings (campaign_id) WHERE current = 1;
CREATE INDEX codings_document ON codings (document_id) WHERE current = 1;
