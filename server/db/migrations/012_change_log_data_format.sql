-- Which shape of group document a change_log row holds (server/repositories/group.repository.ts,
-- GROUP_DATA_FORMAT), written with each group change. A row of the current format is read back as
-- written; a row from before this migration (NULL), of an older format, or of another entity is
-- read through the schema as before. A node reading another node's changes spent most of its read
-- in that schema pass.
ALTER TABLE change_log ADD COLUMN data_format INTEGER;
