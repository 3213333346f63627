-- Issue 18: admin boundaries (COD-AB) per crisis, as SQLite's migration 006 (see there for why).
CREATE TABLE admin_boundaries (
  crisis_id       text COLLATE "C" PRIMARY KEY REFERENCES crises (id),
  version         integer NOT NULL CHECK (version >= 1),
  source          text COLLATE "C" NOT NULL,
  synthetic       integer NOT NULL CHECK (synthetic IN (0, 1)),
  loaded_at       text COLLATE "C" NOT NULL,
  loaded_by       text COLLATE "C" REFERENCES users (id),
  recompute_after bigint
);

CREATE TABLE admin_areas (
  crisis_id    text COLLATE "C" NOT NULL REFERENCES crises (id),
  pcode        text COLLATE "C" NOT NULL,
  level        integer NOT NULL CHECK (level IN (1, 2)),
  name         text COLLATE "C" NOT NULL,
  name_ar      text COLLATE "C",
  name_fr      text COLLATE "C",
  parent_pcode text COLLATE "C",
  geometry     text COLLATE "C",
  bbox         text COLLATE "C",
  PRIMARY KEY (crisis_id, pcode)
);
