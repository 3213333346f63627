-- Issue 20, groups at sites: the site a group is at (its location's `siteId`, also in `data`) as a
-- column of its own, so that a site's recorded groups are counted from an index (the recount a
-- coordinator's verification of a site makes; the tally itself is kept in the write transaction,
-- shared/sites.ts). NULL for a group at no site, as every group stored before this migration is.
ALTER TABLE groups ADD COLUMN site_id TEXT;
CREATE INDEX groups_site ON groups (site_id) WHERE site_id IS NOT NULL;
