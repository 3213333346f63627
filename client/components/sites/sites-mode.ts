/** What the coordinator's sites panel shows besides its lists: a site's details, a form for a new site, or one to edit a site. */
export type SitesMode = { kind: 'list' } | { kind: 'details'; id: string } | { kind: 'new' } | { kind: 'edit'; id: string };
