-- Issue 21, data responsibility: how long each crisis keeps the details of its groups, which group
-- versions have had their details purged, and a ledger of every purge (retention run or erasure).

-- One policy per crisis: details are kept `keep_days` after the group was last changed, or after
-- the crisis was closed (`crisis_closed_at`; nothing is due while it is null).
CREATE TABLE retention_policies (
  crisis_id        TEXT PRIMARY KEY REFERENCES crises (id),
  keep_days        INTEGER NOT NULL CHECK (keep_days BETWEEN 1 AND 36500),
  counted_from     TEXT NOT NULL CHECK (counted_from IN ('group_change', 'crisis_closed')),
  crisis_closed_at TEXT,
  set_at           TEXT NOT NULL
) STRICT;

-- The version of a group whose details were purged: a retention run skips a group whose current
-- version is listed here, so running twice purges nothing twice. A later edit makes a new version
-- (with new details), which the next run purges in its turn.
CREATE TABLE purged_groups (
  group_id  TEXT PRIMARY KEY,
  crisis_id TEXT NOT NULL REFERENCES crises (id),
  version   INTEGER NOT NULL,
  purged_at TEXT NOT NULL
) STRICT;

-- Every purge, kept after the data it removed is gone: restoring a backup taken before a purge
-- would bring that data back, and `restore` compares this ledger to warn first. No personal values:
-- ids, counts and times; an erasure's reason is one of a closed set of codes.
CREATE TABLE purges (
  id        TEXT PRIMARY KEY,
  crisis_id TEXT NOT NULL REFERENCES crises (id),
  kind      TEXT NOT NULL CHECK (kind IN ('retention', 'erasure')),
  group_id  TEXT,
  groups    INTEGER NOT NULL,
  cutoff    TEXT,
  reason    TEXT,
  at        TEXT NOT NULL,
  CHECK ((kind = 'erasure') = (group_id IS NOT NULL))
) STRICT;
CREATE INDEX purges_at ON purges (at);
