-- Issue 8: API tokens for agencies' own systems, and CSV imports (Kobo/ODK).

-- A token belongs to one agency in one crisis: what it reads is what that agency's users see there.
-- Only the SHA-256 of the token is kept (it is 256 random bits, so a fast hash is enough): a
-- stolen database file does not hold usable tokens. Revoked tokens stay listed and audited.
CREATE TABLE api_tokens (
  id           TEXT PRIMARY KEY,
  name         TEXT NOT NULL,
  agency_id    TEXT NOT NULL REFERENCES agencies (id),
  crisis_id    TEXT NOT NULL REFERENCES crises (id),
  token_hash   TEXT NOT NULL UNIQUE,
  created_by   TEXT REFERENCES users (id),
  created_at   TEXT NOT NULL,
  last_used_at TEXT,
  revoked_at   TEXT,
  revoked_by   TEXT REFERENCES users (id)
) STRICT;

-- One row per import run: who, which file, how it went. The audit row points here by id.
CREATE TABLE imports (
  id              TEXT PRIMARY KEY,
  crisis_id       TEXT NOT NULL REFERENCES crises (id),
  user_id         TEXT NOT NULL REFERENCES users (id),
  file_name       TEXT NOT NULL,
  state           TEXT NOT NULL CHECK (state IN ('running', 'done', 'failed')),
  started_at      TEXT NOT NULL,
  finished_at     TEXT,
  rows_total      INTEGER NOT NULL DEFAULT 0,
  imported        INTEGER NOT NULL DEFAULT 0,
  already_present INTEGER NOT NULL DEFAULT 0,
  refused         INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX imports_user ON imports (user_id, started_at);
