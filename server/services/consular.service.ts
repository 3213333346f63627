import type { Repositories } from '../repositories/repositories';
import type { AuditAction } from '../repositories/audit.repository';
import type { AreaIndex } from '../../shared/aggregate';
import { consularHistory, consularSnapshot, evacuationList, type ConsularHistory, type ConsularSummary, type EvacuationList } from '../../shared/consular';
import type { Group } from '../../shared/schemas/group.schema';
import { hxlCsv } from '../../shared/exports/hxl-csv';
import { can } from '../../shared/permissions';
import type { Audience } from '../../shared/projection';
import { failure, type Failure } from '../../shared/protocol';
import { VULNERABILITIES } from '../../shared/schemas/group.schema';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/** An embassy user's state and crisis, or why it has none. */
type Scope = { crisisId: string; state: string } | Failure;

/** Remembers each location's area: the history replays every change, and H3 is the costly part. */
function memoIndex(index: AreaIndex): AreaIndex {
  const cells = new Map<string, string>();
  return {
    areaOf(lat, lon) {
      const key = `${lat},${lon}`;
      let cell = cells.get(key);
      if (cell === undefined) {
        cell = index.areaOf(lat, lon);
        cells.set(key, cell);
      }
      return cell;
    },
    outlineOf: (area) => index.outlineOf(area),
    centreOf: (area) => index.centreOf(area),
  };
}

const HEADERS = ['group', 'place', 'lat', 'lon', 'status', 'nationals', 'people_in_group', 'documents_lost_or_confiscated', ...VULNERABILITIES, 'last_seen'];
// `#meta+id`, not `#group+id`: HXL's #group is a non-humanitarian actor (an armed group).
const HXL = [
  '#meta+id',
  '#loc+name',
  '#geo+lat',
  '#geo+lon',
  '#status',
  '#affected+migrants+nationals',
  '#affected+migrants+total',
  '#affected+nodocs',
  ...VULNERABILITIES.map((v) => `#affected+${v.toLowerCase()}`),
  '#date+seen',
];

/**
 * The consular view's reads: the overview with its areas and history, the evacuation list and its
 * CSV export. Each is the embassy's own state's, through the same projection rule as every other
 * channel (protection rule 1), and each read is audited (rule 5).
 */
export class ConsularService {
  readonly #repos: Repositories;
  readonly #areas: AreaIndex;
  readonly #now: () => number;

  constructor(repos: Repositories, areas: AreaIndex, now: () => number = Date.now) {
    this.#repos = repos;
    this.#areas = memoIndex(areas);
    this.#now = now;
  }

  /** Overview and areas, computed from one read of the crisis. Audited. */
  summary(audience: Audience): ConsularSummary | Failure {
    const scope = this.#scope(audience, 'consular.read');
    if ('ok' in scope) return scope;
    const { aggregates, overview } = consularSnapshot(this.#repos.groups.listByCrisis(scope.crisisId), scope.state, this.#areas);
    this.#audit(audience, 'consular.read');
    return { ok: true, state: scope.state, overview, areas: aggregates.areas };
  }

  /**
   * The chart's points, replayed from the change log with the overview's own rules at each
   * point. Audited. It reads the whole log, so the screen asks for it at start and now and then,
   * not at every change.
   */
  history(audience: Audience): ConsularHistory | Failure {
    const scope = this.#scope(audience, 'consular.read');
    if ('ok' in scope) return scope;
    const changes = [...this.#repos.changeLog.iterateCrisis(scope.crisisId)];
    const span = changes.length > 1 ? Date.parse(changes.at(-1)!.at) - Date.parse(changes[0]!.at) : 0;
    // About 48 points over the crisis so far, as the coordinator's chart.
    const bucket = Math.min(DAY_MS, Math.max(MINUTE_MS, Math.ceil(span / 48 / MINUTE_MS) * MINUTE_MS));
    const points = consularHistory(changes, scope.state, this.#areas, bucket);
    this.#audit(audience, 'consular.read');
    return { ok: true, points };
  }

  /** The groups of a crisis with nationals of `state`: what the live notifier keeps in memory. */
  groupsOf(crisisId: string, state: string): Group[] {
    return this.#repos.groups.listByCrisis(crisisId).filter((g) => g.nationalities.some((n) => n.code === state));
  }

  /**
   * What an embassy's screen shows (areas, overview) as a string, without auditing: the live
   * notifier compares it to decide whether an embassy room's counts changed (not a read by anyone).
   * Only groups with the state's nationals matter; others count for nothing.
   */
  digest(groups: readonly Group[], state: string): string {
    const { aggregates, overview } = consularSnapshot(groups, state, this.#areas);
    return JSON.stringify([aggregates.areas.map((a) => [a.area, a.people, a.byStatus, a.byNeed, a.figures, a.statusWithheld]), overview]);
  }

  /** Consented, unflagged groups of its nationals who want to return (audited as a consular read). */
  evacuation(audience: Audience): EvacuationList | Failure {
    const scope = this.#scope(audience, 'consular.read');
    if ('ok' in scope) return scope;
    const list = evacuationList(this.#repos.groups.listByCrisis(scope.crisisId), scope.state);
    this.#audit(audience, 'consular.read');
    return { ok: true, ...list };
  }

  /** The evacuation list as CSV with an HXL row, for planning transport; every export is audited. */
  evacuationCsv(audience: Audience): { ok: true; csv: string } | Failure {
    const scope = this.#scope(audience, 'export.evacuation');
    if ('ok' in scope) return scope;
    const { rows } = evacuationList(this.#repos.groups.listByCrisis(scope.crisisId), scope.state);
    const records = rows.map((r) => [r.groupId, r.placeName, r.lat, r.lon, r.status, r.nationals, r.total, r.documentsLost, ...VULNERABILITIES.map((v) => r.vulnerabilities[v] ?? 0), r.seenAt]);
    this.#audit(audience, 'export.evacuation');
    return { ok: true, csv: hxlCsv(HEADERS.map((header, i) => ({ header, tag: HXL[i]! })), records) };
  }

  #scope(audience: Audience, action: 'consular.read' | 'export.evacuation'): Scope {
    if (!can(audience.role, action)) return failure('forbidden', 'your role has no consular view');
    if (audience.crisisId === null || audience.servesState === null) return failure('forbidden', 'you serve no state in a crisis');
    return { crisisId: audience.crisisId, state: audience.servesState };
  }

  #audit(a: Audience, action: AuditAction): void {
    this.#repos.audit.append({ at: new Date(this.#now()).toISOString(), userId: a.userId, role: a.role, action, recordType: null, recordId: null, outcome: 'ok' });
  }
}
