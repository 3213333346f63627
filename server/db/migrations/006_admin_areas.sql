-- Issue 18: admin boundaries (COD-AB) per crisis. A group's own admin 1 and 2 live in its JSON
-- (`data.admin`), like every other field of the case; these tables hold the boundaries it is
-- computed from.

-- One row per crisis that has boundaries: which load is current (`version` grows by one with each
-- load) and how far the recomputation of its groups has gone (`recompute_after` is the report-order
-- key reached, NULL when done), so a recomputation cut short by a restart resumes where it stopped.
CREATE TABLE admin_boundaries (
  crisis_id       TEXT PRIMARY KEY REFERENCES crises (id),
  version         INTEGER NOT NULL CHECK (version >= 1),
  source          TEXT NOT NULL,
  synthetic       INTEGER NOT NULL CHECK (synthetic IN (0, 1)),
  loaded_at       TEXT NOT NULL,
  loaded_by       TEXT REFERENCES users (id),
  recompute_after INTEGER
) STRICT;

-- Admin 1 and 2 areas. `geometry` (GeoJSON Polygon or MultiPolygon) and `bbox` (JSON [w, s, e, n])
-- are NULL for an admin 1 area known only as the parent named by admin 2 areas.
CREATE TABLE admin_areas (
  crisis_id    TEXT NOT NULL REFERENCES crises (id),
  pcode        TEXT NOT NULL,
  level        INTEGER NOT NULL CHECK (level IN (1, 2)),
  name         TEXT NOT NULL,
  name_ar      TEXT,
  name_fr      TEXT,
  parent_pcode TEXT,
  geometry     TEXT,
  bbox         TEXT,
  PRIMARY KEY (crisis_id, pcode)
) STRICT;
