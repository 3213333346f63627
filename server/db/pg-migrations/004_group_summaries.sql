-- As SQLite's migration 007: each group row keeps its summary, written with the row, so a big
-- crisis's coordinator snapshot reads summaries instead of parsing every full group.
ALTER TABLE groups ADD COLUMN summary text COLLATE "C";
ALTER TABLE groups ADD COLUMN summary_format integer;
