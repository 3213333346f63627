/**
 * The steps of a first load, marked on the browser's own timeline (User Timing): the cold-start
 * bench reads them to say where a 100,000-group load spends its seconds (bench/support/
 * coordinator-page.ts), and a person sees them in any browser's performance panel. A mark costs a
 * few microseconds; each is made at most once per sync, and `groups-drawn` once per map.
 */
export const LOAD_STEPS = [
  /** The socket asked for the groups (`sync`). */
  'sync-sent',
  /** A packed snapshot arrived (still gzipped). */
  'snapshot-received',
  /** Its map points were read from their columns and handed to the map. */
  'points-ready',
  /**
   * A big crisis only: the map came to rest with the first view of those points, clustered on the
   * page (client/lib/map/first-view.ts), before its worker has them (`data-first-view-count`).
   */
  'first-view-drawn',
  /** The whole snapshot was decoded and checked. */
  'snapshot-decoded',
  /** It replaced the groups held. */
  'snapshot-applied',
  /** The map came to rest with the groups drawn (`data-groups-ready`). */
  'groups-drawn',
] as const;
export type LoadStep = (typeof LOAD_STEPS)[number];

/** What every mark's name starts with, so that the app's marks are told from others. */
export const LOAD_MARK_PREFIX = 'waymark:';

export function markLoadStep(step: LoadStep): void {
  if (typeof performance !== 'undefined' && typeof performance.mark === 'function') performance.mark(LOAD_MARK_PREFIX + step);
}
