-- Extracted documents, the full-text index over them, and the review queue.
--
-- A document is one distinct file (an attachment's bytes, by SHA-256) or one
-- reply body that came without attachments. The same file sent by several
-- authorities is one document with several sources: extracted once, indexed
-- once, linked to every message and request it arrived with.

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
CREATE INDEX documents_status ON documents (status);
CREATE INDEX documents_similar ON documents (similar_to) WHERE similar_to IS NOT NULL;

-- Where each document came from: every attachment with its bytes, and the
-- message of a body document. An identical file from a second authority is a
-- second row here, not a second document.
CREATE TABLE document_sources (
    id            INTEGER PRIMARY KEY,
    document_id   INTEGER NOT NULL REFERENCES documents (id),
    message_id    INTEGER NOT NULL REFERENCES messages (id),
    attachment_id INTEGER UNIQUE REFERENCES attachments (id), -- NULL for a body document
    filename      TEXT NOT NULL DEFAULT '',
    created_at    TEXT NOT NULL,
    UNIQUE (document_id, message_id, attachment_id)
);
CREATE INDEX document_sources_document ON document_sources (document_id);
CREATE INDEX document_sources_message ON document_sources (message_id);
CREATE UNIQUE INDEX document_sources_body ON document_sources (message_id) WHERE attachment_id IS NULL;

-- Full-text index over document text. rowid is the document id. The
-- unicode61 tokenizer folds case and strips diacritics, so "ŵyr" is found
-- by "wyr" as well.
CREATE VIRTUAL TABLE documents_fts USING fts5 (
    text,
    tokenize = 'unicode61 remove_diacritics 2'
);

-- Every substantive document waits here for a person, once per message it
-- arrived with (an identical file from two authorities is two decisions).
-- The request is the message's, so assigning an unmatched message later
-- needs no change here.
CREATE TABLE review_queue (
    id           INTEGER PRIMARY KEY,
    document_id  INTEGER NOT NULL REFERENCES documents (id),
    message_id   INTEGER NOT NULL REFERENCES messages (id),
    state        TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done')),
    outcome      TEXT,                    -- the reviewer's classification
    created_at   TEXT NOT NULL,
    decided_at   TEXT,
    UNIQUE (document_id, message_id)
);
CREATE INDEX review_queue_pending ON review_queue (id) WHERE state = 'pending';
