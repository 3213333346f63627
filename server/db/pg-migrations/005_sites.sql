-- As SQLite's migration 008: the sites of a crisis (issue 20), their changes logged in change_log
-- with entity 'site'.
CREATE TABLE sites (
  id         text COLLATE "C" PRIMARY KEY,
  crisis_id  text COLLATE "C" NOT NULL REFERENCES crises (id),
  version    integer NOT NULL CHECK (version >= 1),
  type       text COLLATE "C" NOT NULL,
  status     text COLLATE "C" NOT NULL,
  lat        double precision NOT NULL,
  lon        double precision NOT NULL,
  updated_at text COLLATE "C" NOT NULL,
  data       text COLLATE "C" NOT NULL
);
CREATE INDEX sites_crisis_id ON sites (crisis_id, id);
