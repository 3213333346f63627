import type { Audience } from './projection';
import type { Site, SiteReport } from './schemas/site.schema';

/**
 * Rules about sites (issue 20): how full a site is, which sites the coordinator must look at, who
 * receives what of a site, and which of two observations of a site wins. Pure, so every screen and
 * the server agree.
 */

/** Why a site needs a coordinator's attention. */
export type SiteAlert = 'over_capacity' | 'unsafe_occupied' | 'closed_occupied';

/** From this fill level a site shows as nearly full. */
export const NEARLY_FULL = 0.9;

/**
 * How full a site is: occupancy over capacity (1 = full, above 1 = over capacity), or null when
 * either is unknown. A site of capacity 0 with people in it is over capacity without measure:
 * Infinity, so every comparison with a level still reads right.
 */
export function fillLevel(site: Pick<Site, 'capacity' | 'occupancy'>): number | null {
  if (site.capacity === null || site.occupancy === null) return null;
  if (site.capacity === 0) return site.occupancy === 0 ? 0 : Number.POSITIVE_INFINITY;
  return site.occupancy / site.capacity;
}

/** The fill level as a band, for colours and symbols. */
export type FillBand = 'unknown' | 'room' | 'nearly_full' | 'full' | 'over';

export function fillBand(site: Pick<Site, 'capacity' | 'occupancy'>): FillBand {
  const level = fillLevel(site);
  if (level === null) return 'unknown';
  if (level > 1) return 'over';
  if (level === 1) return 'full';
  return level >= NEARLY_FULL ? 'nearly_full' : 'room';
}

/** Whether more people are reported at the site than it can hold. */
export function isOverCapacity(site: Pick<Site, 'capacity' | 'occupancy'>): boolean {
  const level = fillLevel(site);
  return level !== null && level > 1;
}

/**
 * What the coordinator must look at on this site: more people than room, or people in a site that
 * is unsafe or closed (a closed site with people still in it is an eviction or an abandonment).
 * An unknown occupancy raises nothing: it is not known that anyone is there.
 */
export function siteAlerts(site: Pick<Site, 'capacity' | 'occupancy' | 'status'>): SiteAlert[] {
  const alerts: SiteAlert[] = [];
  if (isOverCapacity(site)) alerts.push('over_capacity');
  const occupied = site.occupancy !== null && site.occupancy > 0;
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
 * embassy which of its nationals are where (protection rules 1 and 9).
 */
export function projectSite(audience: Audience, site: Site): Site | null {
  if (audience.crisisId === null || audience.crisisId !== site.crisisId || audience.role === 'admin') return null;
  if (audience.role === 'coordinator') return site;
  return { ...site, lastVerifiedBy: null };
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
