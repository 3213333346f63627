-- As SQLite's migration 012: the shape of group document a change_log row holds, so that a row of
-- the current format is read back as written and only older rows go through the schema.
ALTER TABLE change_log ADD COLUMN data_format integer;
