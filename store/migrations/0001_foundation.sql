-- The authority register and the append-only event log.

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
);
CREATE INDEX authorities_email ON authorities (lower(email));

-- Every state change anywhere in the system, in order. Rows are never
-- updated or deleted: this is the audit trail results are published from.
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
CREATE INDEX events_request ON events (request_id) WHERE request_id IS NOT NULL;
CREATE INDEX events_message ON events (message_id) WHERE message_id IS NOT NULL;

CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN
    SELECT RAISE(ABORT, 'events are append-only');
END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN
    SELECT RAISE(ABORT, 'events are append-only');
END;
