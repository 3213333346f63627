-- Issue 21, data responsibility: the same tables as SQLite's migration 005 (see there for why).

CREATE TABLE retention_policies (
  crisis_id        text COLLATE "C" PRIMARY KEY REFERENCES crises (id),
  keep_days        integer NOT NULL CHECK (keep_days BETWEEN 1 AND 36500),
  counted_from     text COLLATE "C" NOT NULL CHECK (counted_from IN ('group_change', 'crisis_closed')),
  crisis_closed_at text COLLATE "C",
  set_at           text COLLATE "C" NOT NULL
);

CREATE TABLE purged_groups (
  group_id  text COLLATE "C" PRIMARY KEY,
  crisis_id text COLLATE "C" NOT NULL REFERENCES crises (id),
  version   integer NOT NULL,
  purged_at text COLLATE "C" NOT NULL
);

CREATE TABLE purges (
  id        text COLLATE "C" PRIMARY KEY,
  crisis_id text COLLATE "C" NOT NULL REFERENCES crises (id),
  kind      text COLLATE "C" NOT NULL CHECK (kind IN ('retention', 'erasure')),
  group_id  text COLLATE "C",
  groups    integer NOT NULL,
  cutoff    text COLLATE "C",
  reason    text COLLATE "C",
  at        text COLLATE "C" NOT NULL,
  CHECK ((kind = 'erasure') = (group_id IS NOT NULL))
);
CREATE INDEX purges_at ON purges (at);
