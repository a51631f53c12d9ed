-- The people who use the review app, their sign-in sessions, and the
-- failed sign-ins that rate-limit guessing.
--
-- A user is never deleted: coding history names its reviewer, so a
-- removed user keeps its row (removed_at) and its name stays taken. A
-- password is stored only as an argon2id hash in PHC string format, its
-- parameters inside it, so they can be raised later without a migration.

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

-- A signed-in browser. Only the sha256 of the session token is stored, so
-- a copy of the database does not hand out live sessions. A session ends
-- when it has been idle too long (last_seen_at), when it reaches
-- expires_at, or when its row is deleted (logout, revocation).
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

-- Failed sign-ins, kept for the rate-limit window (and pruned after a
-- day), so a restart does not reset the count. name is lower-cased as
-- typed, whether or not such a user exists.
CREATE TABLE login_failures (
    id      INTEGER PRIMARY KEY,
    at      TEXT NOT NULL,
    name    TEXT NOT NULL,
    address TEXT NOT NULL
);
CREATE INDEX login_failures_name ON login_failures (name, at);
CREATE INDEX login_failures_address ON login_failures (address, at);
