-- Waymark schema, version 1. Times are ISO 8601 UTC text unless named *_ms (epoch milliseconds,
-- used where the server compares times, e.g. session expiry).

CREATE TABLE crises (
  id           TEXT PRIMARY KEY,
  name         TEXT NOT NULL,
  type         TEXT NOT NULL,
  host_country TEXT NOT NULL,
  phase        TEXT NOT NULL,
  area         TEXT NOT NULL, -- JSON [west, south, east, north]
  is_demo      INTEGER NOT NULL CHECK (is_demo IN (0, 1)),
  created_at   TEXT NOT NULL
) STRICT;

CREATE TABLE agencies (
  id           TEXT PRIMARY KEY,
  name         TEXT NOT NULL,
  -- Unique so the admin command can name an agency by its acronym.
  acronym      TEXT NOT NULL UNIQUE COLLATE NOCASE,
  type         TEXT NOT NULL,
  serves_state TEXT,
  created_at   TEXT NOT NULL,
  CHECK ((type = 'consulate') = (serves_state IS NOT NULL))
) STRICT;

CREATE TABLE users (
  id            TEXT PRIMARY KEY,
  username      TEXT NOT NULL UNIQUE,
  password_hash TEXT NOT NULL,
  role          TEXT NOT NULL CHECK (role IN ('field', 'coordinator', 'responder', 'embassy', 'admin')),
  display_name  TEXT NOT NULL,
  agency_id     TEXT REFERENCES agencies (id),
  crisis_id     TEXT REFERENCES crises (id),
  disabled      INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
  created_at    TEXT NOT NULL
) STRICT;

-- The id is the SHA-256 of the session token: a stolen database file does not hold usable tokens.
CREATE TABLE sessions (
  id              TEXT PRIMARY KEY,
  user_id         TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at_ms   INTEGER NOT NULL,
  last_seen_at_ms INTEGER NOT NULL
) STRICT;
CREATE INDEX sessions_user ON sessions (user_id);

-- `data` is the full shared `Group` as JSON; the other columns are copies for queries.
CREATE TABLE groups (
  id         TEXT PRIMARY KEY,
  crisis_id  TEXT NOT NULL REFERENCES crises (id),
  version    INTEGER NOT NULL CHECK (version >= 1),
  status     TEXT NOT NULL,
  lat        REAL NOT NULL,
  lon        REAL NOT NULL,
  updated_at TEXT NOT NULL,
  data       TEXT NOT NULL
) STRICT;
CREATE INDEX groups_crisis ON groups (crisis_id);

-- Every committed change, with the full state after it. AUTOINCREMENT so a sequence number is
-- never reused, even after the newest rows are deleted: clients keep seqs across reconnects.
CREATE TABLE change_log (
  seq       INTEGER PRIMARY KEY AUTOINCREMENT,
  crisis_id TEXT NOT NULL REFERENCES crises (id),
  entity    TEXT NOT NULL,
  entity_id TEXT NOT NULL,
  kind      TEXT NOT NULL,
  data      TEXT NOT NULL,
  actor     TEXT REFERENCES users (id),
  at        TEXT NOT NULL
) STRICT;
CREATE INDEX change_log_crisis_seq ON change_log (crisis_id, seq);
CREATE INDEX change_log_entity_seq ON change_log (entity_id, seq);

-- The first result of each command id, so a retried command returns it and changes nothing.
CREATE TABLE idempotency (
  command_id TEXT PRIMARY KEY,
  user_id    TEXT NOT NULL REFERENCES users (id),
  result     TEXT NOT NULL,
  at         TEXT NOT NULL
) STRICT;

-- Append-only record of who did what to which record. Never holds personal values.
CREATE TABLE audit (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  at          TEXT NOT NULL,
  user_id     TEXT,
  role        TEXT,
  action      TEXT NOT NULL,
  record_type TEXT,
  record_id   TEXT,
  outcome     TEXT NOT NULL
) STRICT;
CREATE INDEX audit_at ON audit (at);

CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN
  SELECT RAISE(ABORT, 'audit is append-only');
END;

CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN
  SELECT RAISE(ABORT, 'audit is append-only');
END;
