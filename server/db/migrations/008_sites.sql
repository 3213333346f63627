-- Issue 20, sites: shelters, transit centres, border crossings and other places people stay or
-- pass, with capacity and occupancy. `data` is the full shared `Site` as JSON; the other columns
-- are copies for queries. A site's changes go to change_log with entity 'site', numbered with the
-- groups' changes, so live delivery and catch-up keep one order.
CREATE TABLE sites (
  id         TEXT PRIMARY KEY,
  crisis_id  TEXT NOT NULL REFERENCES crises (id),
  version    INTEGER NOT NULL CHECK (version >= 1),
  type       TEXT NOT NULL,
  status     TEXT NOT NULL,
  lat        REAL NOT NULL,
  lon        REAL NOT NULL,
  updated_at TEXT NOT NULL,
  data       TEXT NOT NULL
) STRICT;
-- Sites are read a page at a time in id order (UUIDv7: creation order).
CREATE INDEX sites_crisis_id ON sites (crisis_id, id);
