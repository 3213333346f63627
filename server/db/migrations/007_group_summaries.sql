-- Each group row also keeps its summary (shared/packed-views.ts `summarizeGroup`, what a
-- coordinator's snapshot of a big crisis carries), written with the row. A 100,000-group snapshot
-- then reads these small JSON values instead of parsing and validating every full group.
-- summary_format says which summary shape a row holds: a row from before this migration (NULL)
-- or from an older shape is summarized from `data` on the way out, as before.
ALTER TABLE groups ADD COLUMN summary TEXT;
ALTER TABLE groups ADD COLUMN summary_format INTEGER;
