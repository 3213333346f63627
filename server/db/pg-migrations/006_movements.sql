-- Issue 20: movements, as SQLite's migration 009 (see there for why).
CREATE TABLE movements (
  id         text COLLATE "C" PRIMARY KEY,
  crisis_id  text COLLATE "C" NOT NULL REFERENCES crises (id),
  version    integer NOT NULL CHECK (version >= 1),
  open       integer NOT NULL CHECK (open IN (0, 1)),
  data       text COLLATE "C" NOT NULL,
  updated_at text COLLATE "C" NOT NULL
);
CREATE INDEX movements_crisis ON movements (crisis_id, id);

CREATE TABLE movement_groups (
  group_id    text COLLATE "C" NOT NULL,
  movement_id text COLLATE "C" NOT NULL REFERENCES movements (id),
  PRIMARY KEY (group_id, movement_id)
);
