-- Issue 8, exports: an export's audit row says how many rows left and with which filters (never
-- values about people), and each issued situation report keeps its figures so that the next one
-- can say how they moved.
ALTER TABLE audit ADD COLUMN detail TEXT;

CREATE TABLE sitreps (
  crisis_id TEXT NOT NULL REFERENCES crises (id),
  number    INTEGER NOT NULL,
  issued_at TEXT NOT NULL,
  issued_by TEXT NOT NULL REFERENCES users (id),
  figures   TEXT NOT NULL,
  PRIMARY KEY (crisis_id, number)
) STRICT;
