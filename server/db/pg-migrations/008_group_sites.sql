-- As SQLite's migration 011: the site a group is at (issue 20), a column with a partial index for
-- the recount of a site's recorded groups.
ALTER TABLE groups ADD COLUMN site_id text COLLATE "C";
CREATE INDEX groups_site ON groups (site_id) WHERE site_id IS NOT NULL;
