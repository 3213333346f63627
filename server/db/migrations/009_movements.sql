-- Issue 20: movements (evacuations and relocations). A movement's whole state (legs, manifest with
-- each group's record as last copied) is one JSON value, like a group's: every channel carries it
-- whole and the change log keeps each state. `open` is 1 while a leg is still to be travelled: a
-- group's change is copied only into the open movements that list it (movement_groups).
CREATE TABLE movements (
  id         TEXT PRIMARY KEY,
  crisis_id  TEXT NOT NULL REFERENCES crises (id),
  version    INTEGER NOT NULL CHECK (version >= 1),
  open       INTEGER NOT NULL CHECK (open IN (0, 1)),
  data       TEXT NOT NULL,
  updated_at TEXT NOT NULL
) STRICT;
CREATE INDEX movements_crisis ON movements (crisis_id, id);

-- Which movements list a group on their manifest. No foreign key to groups: an erased group's row
-- goes, and its movements are rewritten by the service that erases it.
CREATE TABLE movement_groups (
  group_id    TEXT NOT NULL,
  movement_id TEXT NOT NULL REFERENCES movements (id),
  PRIMARY KEY (group_id, movement_id)
) STRICT;
