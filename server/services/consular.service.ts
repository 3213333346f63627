import type { Repositories } from '../repositories/repositories';
import { eachChange, eachGroup } from '../repositories/contract';
import { foldEach } from './page-fold';
import type { AuditAction } from '../repositories/audit.repository';
import type { AreaIndex } from '../../shared/aggregate';
import { areaIndexFor, type AreaIndexSource } from './aggregate-area-indexes';
import {
  consularHistoryFold,
  evacuationFold,
  POINT_FIGURES,
  type ConsularPoint,
  type ConsularHistory,
  type ConsularSummary,
  type EvacuationList,
} from '../../shared/consular';
import type { Group } from '../../shared/schemas/group.schema';
import type { ConsularSnapshots } from './consular-snapshots';
import { hxlCsv } from '../../shared/exports/hxl-csv';
import { can } from '../../shared/permissions';
import type { Audience } from '../../shared/projection';
import { failure, type Failure } from '../../shared/protocol';
import { VULNERABILITIES } from '../../shared/schemas/group.schema';

/** An embassy user's state and crisis, or why it has none. */
type Scope = { crisisId: string; state: string } | Failure;

/** Remembers each location's area: the history replays every change, and H3 is the costly part. */
export function memoIndex(index: AreaIndex): AreaIndex {
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
  readonly #areas: AreaIndexSource;
  readonly #now: () => number;
  /** The figures of the current refresh period (protection rule 10); the live notifier refreshes them too. */
  readonly snapshots: ConsularSnapshots;

  constructor(repos: Repositories, areas: AreaIndexSource, snapshots: ConsularSnapshots, now: () => number = Date.now) {
    this.#repos = repos;
    this.#areas = areas;
    this.snapshots = snapshots;
    this.#now = now;
  }

  /** Overview and areas of the current refresh period, one consistent snapshot. Audited. */
  async summary(audience: Audience): Promise<ConsularSummary | Failure> {
    const scope = this.#scope(audience, 'consular.read');
    if ('ok' in scope) return scope;
    const { aggregates, overview } = await this.snapshots.current(scope.crisisId, scope.state);
    await this.#audit(audience, 'consular.read');
    return { ok: true, state: scope.state, overview, areas: aggregates.areas };
  }

  /**
   * The chart's points, replayed from the change log with the overview's own rules at refresh
   * moments only (buckets are whole refresh periods, on the clock), up to the current period's
   * snapshot, whose figures are the last point: the chart never shows a moment between two
   * refreshes, and its last point is the overview's figures. Audited. It reads the whole log in
   * pages (holding the latest state of the groups with this state's nationals, not the log), so
   * the screen asks for it at start and now and then, not at every change.
   */
  async history(audience: Audience): Promise<ConsularHistory | Failure> {
    const scope = this.#scope(audience, 'consular.read');
    if ('ok' in scope) return scope;
    const snapshot = await this.snapshots.current(scope.crisisId, scope.state);
    const upTo = new Date(snapshot.takenAt).toISOString();
    const times = await this.#repos.changeLog.timeSpan(scope.crisisId, upTo);
    const span = times ? Date.parse(times.last) - Date.parse(times.first) : 0;
    // About 48 points over the crisis so far, as the coordinator's chart, each a whole number of periods.
    const period = this.snapshots.periodMs;
    const bucket = Math.max(1, Math.ceil(span / 48 / period)) * period;
    const fold = consularHistoryFold(scope.state, await areaIndexFor(this.#areas, scope.crisisId), bucket);
    // Changes after the snapshot are left out: the chart ends at the overview's figures.
    for await (const change of eachChange(this.#repos, scope.crisisId)) if (Date.parse(change.at) <= snapshot.takenAt) fold.add(change);
    const points = fold.result().filter((p) => Date.parse(p.at) < snapshot.takenAt);
    // Nothing recorded before this snapshot: nothing was known a period before it either, so the
    // chart draws a line from nothing to now rather than a single point it cannot draw.
    if (points.length === 0)
      points.push({ at: new Date(snapshot.takenAt - period).toISOString(), stranded: null, inNeed: null, assisted: null, relocated: null, evacuated: null });
    const last: ConsularPoint = {
      at: new Date(snapshot.takenAt).toISOString(),
      stranded: null,
      inNeed: null,
      assisted: null,
      relocated: null,
      evacuated: null,
    };
    for (const f of POINT_FIGURES) last[f] = snapshot.overview.figures[f]?.shown ?? null;
    points.push(last);
    await this.#audit(audience, 'consular.read');
    return { ok: true, points };
  }

  /** The groups of a crisis with nationals of `state`: what the live notifier keeps in memory. */
  async groupsOf(crisisId: string, state: string): Promise<Group[]> {
    const groups: Group[] = [];
    for await (const g of eachGroup(this.#repos, crisisId)) if (g.nationalities.some((n) => n.code === state)) groups.push(g);
    return groups;
  }

  /** Consented, unflagged groups of its nationals who want to return (audited as a consular read). */
  async evacuation(audience: Audience): Promise<EvacuationList | Failure> {
    const scope = this.#scope(audience, 'consular.read');
    if ('ok' in scope) return scope;
    const list = await foldEach(evacuationFold(scope.state), eachGroup(this.#repos, scope.crisisId));
    await this.#audit(audience, 'consular.read');
    return { ok: true, ...list };
  }

  /** The evacuation list as CSV with an HXL row, for planning transport; every export is audited. */
  async evacuationCsv(audience: Audience): Promise<{ ok: true; csv: string } | Failure> {
    const scope = this.#scope(audience, 'export.evacuation');
    if ('ok' in scope) return scope;
    const { rows } = await foldEach(evacuationFold(scope.state), eachGroup(this.#repos, scope.crisisId));
    const records = rows.map((r) => [
      r.groupId,
      r.placeName,
      r.lat,
      r.lon,
      r.status,
      r.nationals,
      r.total,
      r.documentsLost,
      ...VULNERABILITIES.map((v) => r.vulnerabilities[v] ?? 0),
      r.seenAt,
    ]);
    await this.#audit(audience, 'export.evacuation');
    return {
      ok: true,
      csv: hxlCsv(
        HEADERS.map((header, i) => ({ header, tag: HXL[i]! })),
        records,
      ),
    };
  }

  #scope(audience: Audience, action: 'consular.read' | 'export.evacuation'): Scope {
    if (!can(audience.role, action)) return failure('forbidden', 'your role has no consular view');
    if (audience.crisisId === null || audience.servesState === null) return failure('forbidden', 'you serve no state in a crisis');
    return { crisisId: audience.crisisId, state: audience.servesState };
  }

  async #audit(a: Audience, action: AuditAction): Promise<void> {
    await this.#repos.audit.append({
      at: new Date(this.#now()).toISOString(),
      userId: a.userId,
      role: a.role,
      action,
      recordType: null,
      recordId: null,
      outcome: 'ok',
    });
  }
}
