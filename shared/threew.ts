import { isActiveAssignment, isOverdue } from './assignment-workflow';
import { foldAll, type Fold } from './fold';
import type { Agency } from './schemas/agency.schema';
import type { AssignmentStatus } from './schemas/assignment.schema';
import { isForNeed } from './need-assignment';
import type { GroupSummary } from './packed-views';
import type { Group } from './schemas/group.schema';
import { NEED_CLUSTER, type Cluster, type NeedType } from './schemas/need.schema';

/** The 4W status of a line: planned (only proposed), ongoing (accepted or in progress), completed, cancelled. */
export type ThreeWStatus = 'planned' | 'ongoing' | 'completed' | 'cancelled';

/**
 * One line of "who does what where, when": an agency, a need type (the activity), a place. The
 * admin areas are empty until groups carry them (the admin-areas issue).
 */
export interface ThreeWRow {
  agencyId: string;
  agency: string;
  /** Who: the organisation's type (UN, INGO, NNGO, ...). */
  agencyType: string;
  cluster: Cluster;
  need: NeedType;
  /** Where: the crisis's host country (ISO3), admin 1 and 2 names and p-codes, the place name. */
  country: string;
  adm1Name: string;
  adm1Code: string;
  adm2Name: string;
  adm2Code: string;
  /** The place name field teams gave, or '' when none. */
  area: string;
  status: ThreeWStatus;
  /** When: the first of these assignments was made (from the change log), or null when not known. */
  start: string | null;
  /** The last completion when every live one is completed, else the latest expected date, else null. */
  end: string | null;
  /** People the live assignments' needs concern (a need's count, the group's total when not counted). */
  targeted: number;
  groups: number;
  /** Assignments by status. */
  statuses: Record<AssignmentStatus, number>;
  peopleReached: number;
  /** The latest change of any of these assignments. */
  lastUpdate: string;
  /** The earliest expected date among the open ones, or null when none has one. */
  nextDue: string | null;
  /** Open assignments past their expected date. */
  overdue: number;
}

/** When each assignment was made and, if so, completed: read from the change log's group states. */
export interface AssignmentDates {
  created: string;
  completed: string | null;
}

/** Replays group states (oldest first) into when each assignment first appeared and was first completed. Pure. */
export function assignmentDates(changes: Iterable<{ at: string; group: Group }>): Map<string, AssignmentDates> {
  return foldAll(assignmentDatesFold(), changes);
}

/** `assignmentDates` fed change by change (a change log read in pages): it keeps two dates per assignment. */
export function assignmentDatesFold(): Fold<{ at: string; group: Group }, Map<string, AssignmentDates>> {
  const out = new Map<string, AssignmentDates>();
  return {
    add({ at, group }) {
      for (const a of group.assignments) {
        let d = out.get(a.id);
        if (!d) {
          d = { created: at, completed: null };
          out.set(a.id, d);
        }
        if (a.status === 'completed' && d.completed === null) d.completed = at;
        else if (a.status !== 'completed') d.completed = null;
      }
    },
    result: () => out,
  };
}

/** What a 3W/4W line needs besides the groups: the crisis's country and the assignments' dates. */
export interface ThreeWContext {
  hostCountry: string;
  dates: ReadonlyMap<string, AssignmentDates>;
}

const emptyStatuses = (): Record<AssignmentStatus, number> => ({
  proposed: 0,
  accepted: 0,
  in_progress: 0,
  completed: 0,
  declined: 0,
  cancelled: 0,
});

/** The screen's table shows neither the country nor the dates: it has no change log to read. */
const NO_CONTEXT: ThreeWContext = { hostCountry: '', dates: new Map() };

const LIVE = new Set<AssignmentStatus>(['proposed', 'accepted', 'in_progress', 'completed']);

function statusOf(s: Record<AssignmentStatus, number>): ThreeWStatus {
  if (s.accepted + s.in_progress > 0) return 'ongoing';
  if (s.proposed > 0) return 'planned';
  if (s.completed > 0) return 'completed';
  return 'cancelled';
}

const earliest = (a: string | null, b: string | null) => (a === null ? b : b === null ? a : a < b ? a : b);
const latest = (a: string | null, b: string | null) => (a === null ? b : b === null ? a : a > b ? a : b);

/** Aggregates every assignment of the groups into 3W/4W rows, sorted by agency, cluster, need and area. */
export function threeW(
  groups: Iterable<Group | GroupSummary>,
  agencies: readonly Agency[],
  context: ThreeWContext = NO_CONTEXT,
  now: number = Date.now(),
): ThreeWRow[] {
  return foldAll(threeWFold(agencies, context, now), groups);
}

type OpenRow = ThreeWRow & { completedAt: string | null; expected: string | null };

/**
 * `threeW` fed group by group (a crisis read in pages): it keeps one line per agency, need and
 * place, never a group. A group is counted once per line it touches; each group arrives once.
 */
export function threeWFold(
  agencies: readonly Agency[],
  context: ThreeWContext = NO_CONTEXT,
  now: number = Date.now(),
): Fold<Group | GroupSummary, ThreeWRow[]> {
  const byId = new Map(agencies.map((a) => [a.id, a]));
  const rows = new Map<string, OpenRow>();
  const add = (group: Group | GroupSummary) => {
    if (group.status === 'duplicate') return;
    const area = group.location.placeName.trim();
    // "Where" is the admin area (p-codes, as 3W/4W matrices are merged by) and then the place.
    const { admin1, admin2 } = group.admin;
    const touched = new Set<string>();
    for (const a of group.assignments) {
      // A summary's assignment names its need by type (isForNeed); the client's 3W is made from summaries too.
      const need = group.needs.find((n) => isForNeed(a, n));
      if (!need) continue;
      const key = `${a.agencyId}\u0000${need.type}\u0000${admin1?.pcode ?? ''}\u0000${admin2?.pcode ?? ''}\u0000${area}`;
      let row = rows.get(key);
      if (!row) {
        const agency = byId.get(a.agencyId);
        row = {
          agencyId: a.agencyId,
          agency: agency?.acronym ?? a.agencyId,
          agencyType: agency?.type ?? '',
          cluster: NEED_CLUSTER[need.type],
          need: need.type,
          country: context.hostCountry,
          adm1Name: admin1?.name ?? '',
          adm1Code: admin1?.pcode ?? '',
          adm2Name: admin2?.name ?? '',
          adm2Code: admin2?.pcode ?? '',
          area,
          status: 'planned',
          start: null,
          end: null,
          targeted: 0,
          groups: 0,
          statuses: emptyStatuses(),
          peopleReached: 0,
          lastUpdate: a.updatedAt,
          nextDue: null,
          overdue: 0,
          completedAt: null,
          expected: null,
        };
        rows.set(key, row);
      }
      const dates = 'id' in a ? context.dates.get(a.id) : undefined;
      if (!touched.has(key)) {
        touched.add(key);
        row.groups += 1;
      }
      row.statuses[a.status] += 1;
      row.peopleReached += a.peopleReached;
      if (LIVE.has(a.status)) row.targeted += need.people > 0 ? need.people : group.headcount.total;
      row.start = earliest(row.start, dates?.created ?? null);
      if (a.status === 'completed') row.completedAt = latest(row.completedAt, dates?.completed ?? a.updatedAt);
      if (LIVE.has(a.status)) row.expected = latest(row.expected, a.expectedBy);
      if (a.updatedAt > row.lastUpdate) row.lastUpdate = a.updatedAt;
      if (isActiveAssignment(a.status) && a.expectedBy !== null && (row.nextDue === null || a.expectedBy < row.nextDue)) row.nextDue = a.expectedBy;
      if (isOverdue(a, now)) row.overdue += 1;
    }
  };
  const result = () =>
    [...rows.values()]
      .map(({ completedAt, expected, ...row }) => {
        const status = statusOf(row.statuses);
        return { ...row, statuses: { ...row.statuses }, status, end: status === 'completed' ? completedAt : expected };
      })
      .sort(
        (x, y) =>
          x.agency.localeCompare(y.agency) ||
          x.cluster.localeCompare(y.cluster) ||
          x.need.localeCompare(y.need) ||
          x.adm1Code.localeCompare(y.adm1Code) ||
          x.adm2Code.localeCompare(y.adm2Code) ||
          x.area.localeCompare(y.area),
      );
  return { add, result };
}

/**
 * Column headers and their HXL hashtags, in order: the 3W/4W layout OCHA offices exchange (who:
 * organisation and type; what: cluster and activity; where: country, admin 1 and 2 with p-codes,
 * location; when: status, start, end; people targeted and reached), then Waymark's own follow-up
 * columns. Counts of records (groups, assignments) are `#indicator+num`, never people hashtags.
 */
export const THREE_W_COLUMNS = [
  ['Organisation', '#org+impl+name'],
  ['Organisation type', '#org+impl+type'],
  ['Cluster', '#sector+cluster'],
  ['Activity', '#activity+name'],
  ['Country', '#country+code'],
  ['Admin 1', '#adm1+name'],
  ['Admin 1 p-code', '#adm1+code'],
  ['Admin 2', '#adm2+name'],
  ['Admin 2 p-code', '#adm2+code'],
  ['Location', '#loc+name'],
  ['Status', '#status'],
  ['Start date', '#date+start'],
  ['End date', '#date+end'],
  ['People targeted', '#targeted+ind'],
  ['People reached', '#reached+ind'],
  ['Groups', '#indicator+num+groups'],
  ['Proposed', '#indicator+num+assignments+proposed'],
  ['Accepted', '#indicator+num+assignments+accepted'],
  ['In progress', '#indicator+num+assignments+in_progress'],
  ['Completed', '#indicator+num+assignments+completed'],
  ['Declined', '#indicator+num+assignments+declined'],
  ['Overdue', '#indicator+num+assignments+overdue'],
  ['Last update', '#date+updated'],
  ['Next due', '#date+due'],
] as const;
