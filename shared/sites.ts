import { distanceKm } from './duplicates';
import type { Audience } from './projection';
import type { Group, GroupStatus } from './schemas/group.schema';
import type { Site, SiteLinked, SiteReport } from './schemas/site.schema';

/**
 * Rules about sites (issue 20): how full a site is, which sites the coordinator must look at, who
 * receives what of a site, and which of two observations of a site wins. Pure, so every screen and
 * the server agree.
 */

/** Why a site needs a coordinator's attention. */
export type SiteAlert = 'over_capacity' | 'unsafe_occupied' | 'closed_occupied';

/** From this fill level a site shows as nearly full. */
export const NEARLY_FULL = 0.9;

/** What the occupancy rules read of a site: `linked` is absent or null where the receiver has no tally (not a coordinator). */
export type Occupied = Pick<Site, 'capacity' | 'occupancy'> & { linked?: SiteLinked | null };

/**
 * Group statuses in which a group linked to a site counts as being there. A group that moved on
 * (relocated, evacuated, returned), was closed, merged into another (its people are counted by the
 * group kept) or could not be found again (unreachable) no longer counts; its link stays, as history.
 */
export const AT_SITE_STATUSES: readonly GroupStatus[] = ['reported', 'verified', 'assistance_in_progress', 'assisted'];

/** The site a group counts at and its people, or null when it counts at none. */
export function siteLinkOf(group: Pick<Group, 'location' | 'status' | 'headcount'>): { siteId: string; people: number } | null {
  const siteId = group.location.siteId;
  if (siteId === null || !AT_SITE_STATUSES.includes(group.status)) return null;
  return { siteId, people: group.headcount.total };
}

/**
 * How each site's tally moves when groups change from `before` to `after` (null: the group is new,
 * or erased). Only sites whose tally moves are in the answer, so a group edit that leaves its site
 * and people alone writes no site.
 */
export function linkDeltas(changes: readonly { before: Group | null; after: Group | null }[]): Map<string, SiteLinked> {
  const deltas = new Map<string, SiteLinked>();
  const add = (link: { siteId: string; people: number } | null, sign: 1 | -1) => {
    if (!link) return;
    const d = deltas.get(link.siteId) ?? { groups: 0, people: 0 };
    deltas.set(link.siteId, { groups: d.groups + sign, people: d.people + sign * link.people });
  };
  for (const { before, after } of changes) {
    add(before && siteLinkOf(before), -1);
    add(after && siteLinkOf(after), 1);
  }
  for (const [id, d] of deltas) if (d.groups === 0 && d.people === 0) deltas.delete(id);
  return deltas;
}

/**
 * The occupancy a site shows, the rule a responder can trust: the larger of the last reported
 * headcount and the people of the groups recorded at it. A field count takes everyone there,
 * recorded or not, so it is usually the larger; but the recorded groups are at least there, so a
 * count older than their arrival cannot show fewer. Null when neither is known (no count, no group).
 */
export function shownOccupancy(site: Occupied): number | null {
  const linked = site.linked && site.linked.groups > 0 ? site.linked.people : null;
  if (linked === null) return site.occupancy;
  return site.occupancy === null ? linked : Math.max(site.occupancy, linked);
}

/**
 * How full a site is: its shown occupancy over capacity (1 = full, above 1 = over capacity), or
 * null when either is unknown. A site of capacity 0 with people in it is over capacity without
 * measure: Infinity, so every comparison with a level still reads right.
 */
export function fillLevel(site: Occupied): number | null {
  const occupancy = shownOccupancy(site);
  if (site.capacity === null || occupancy === null) return null;
  if (site.capacity === 0) return occupancy === 0 ? 0 : Number.POSITIVE_INFINITY;
  return occupancy / site.capacity;
}

/** The fill level as a band, for colours and symbols. */
export type FillBand = 'unknown' | 'room' | 'nearly_full' | 'full' | 'over';

export function fillBand(site: Occupied): FillBand {
  const level = fillLevel(site);
  if (level === null) return 'unknown';
  if (level > 1) return 'over';
  if (level === 1) return 'full';
  return level >= NEARLY_FULL ? 'nearly_full' : 'room';
}

/** Whether more people are reported at the site than it can hold. */
export function isOverCapacity(site: Occupied): boolean {
  const level = fillLevel(site);
  return level !== null && level > 1;
}

/**
 * What the coordinator must look at on this site: more people than room, or people in a site that
 * is unsafe or closed (a closed site with people still in it is an eviction or an abandonment).
 * Read on the shown occupancy: a recorded group at an unsafe site raises it even before a count.
 * An unknown occupancy raises nothing: it is not known that anyone is there.
 */
export function siteAlerts(site: Occupied & Pick<Site, 'status'>): SiteAlert[] {
  const alerts: SiteAlert[] = [];
  if (isOverCapacity(site)) alerts.push('over_capacity');
  const occupancy = shownOccupancy(site);
  const occupied = occupancy !== null && occupancy > 0;
  if (occupied && site.status === 'unsafe') alerts.push('unsafe_occupied');
  if (occupied && site.status === 'closed') alerts.push('closed_occupied');
  return alerts;
}

/** The sites with alerts, worst first (unsafe, then closed, then most over capacity), with their alerts. */
export function sitesNeedingAttention(sites: readonly Site[]): { site: Site; alerts: SiteAlert[] }[] {
  const rank = (alerts: SiteAlert[]) => (alerts.includes('unsafe_occupied') ? 0 : alerts.includes('closed_occupied') ? 1 : 2);
  return sites
    .map((site) => ({ site, alerts: siteAlerts(site) }))
    .filter((x) => x.alerts.length > 0)
    .sort((a, b) => rank(a.alerts) - rank(b.alerts) || (fillLevel(b.site) ?? 0) - (fillLevel(a.site) ?? 0) || a.site.name.localeCompare(b.site.name));
}

/**
 * What an audience receives of a site, or null for none. Sites are places, not people: every role
 * of the crisis sees them with their capacity and total occupancy (a field team must know where
 * people can go; a consulate where its nationals may be sent). Who verified a site is staff
 * identity, kept to coordinators. A site holds no nationality or group, so nothing in it tells an
 * embassy which of its nationals are where (protection rules 1 and 9). The tally of recorded groups
 * is kept to coordinators too: it moves by one group's headcount when that group arrives or leaves,
 * which would tell a phone or a consulate the size and the moves of groups it may not see (rules 10, 11).
 */
export function projectSite(audience: Audience, site: Site): Site | null {
  if (audience.crisisId === null || audience.crisisId !== site.crisisId || audience.role === 'admin') return null;
  if (audience.role === 'coordinator') return site;
  return { ...site, lastVerifiedBy: null, linked: null };
}

/** How far from a group's point a site is offered to link it to: a site's grounds and its surroundings. */
export const SITE_NEAR_KM = 5;

/**
 * The sites a group at `point` may be at, nearest first: those within `SITE_NEAR_KM`, at most
 * `limit`, and the one it is linked to already (`keep`) wherever it is, so an edit never drops a
 * link the person did not touch. Every status is offered: people stay at a closed or unsafe site.
 */
export function sitesNear(sites: Iterable<Site>, point: { lat: number; lon: number }, keep: string | null = null, limit = 6): { site: Site; km: number }[] {
  const all = [...sites].map((site) => ({ site, km: distanceKm(point, site.location) }));
  const near = all
    .filter((x) => x.km <= SITE_NEAR_KM)
    .sort((a, b) => a.km - b.km || a.site.name.localeCompare(b.site.name))
    .slice(0, limit);
  const kept = keep === null || near.some((x) => x.site.id === keep) ? null : all.find((x) => x.site.id === keep);
  return kept ? [...near, kept] : near;
}

/** How far ahead of the server's clock a report's observation time may be (a phone's clock drifts). */
export const MAX_CLOCK_AHEAD_MS = 5 * 60_000;

/** Whether a field report applies, and if not, why. */
export type ReportDecision = { apply: true } | { apply: false; reason: 'stale' | 'future' };

/**
 * Whether a field report of a site's status and occupancy should replace what the site holds.
 * Observations are ordered by when they were made, not when they arrived: a phone that was offline
 * for a day sends yesterday's count, which must not overwrite this morning's. So a report applies
 * only when it was observed strictly after the site's last observation (`occupancyReportedAt`, set
 * by reports and by a coordinator's edit of occupancy or status); at the same instant the one
 * already stored (the lower version) stays. A report from further in the future than clocks drift
 * is refused, since it would win over every true report after it.
 */
export function decideReport(site: Pick<Site, 'occupancyReportedAt'>, report: Pick<SiteReport, 'observedAt'>, nowMs: number): ReportDecision {
  const observed = Date.parse(report.observedAt);
  if (observed > nowMs + MAX_CLOCK_AHEAD_MS) return { apply: false, reason: 'future' };
  if (site.occupancyReportedAt !== null && observed <= Date.parse(site.occupancyReportedAt)) return { apply: false, reason: 'stale' };
  return { apply: true };
}
