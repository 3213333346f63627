import { isActiveAssignment, isOverdue } from './assignment-workflow';
import type { Agency } from './schemas/agency.schema';
import type { AssignmentStatus } from './schemas/assignment.schema';
import type { Group } from './schemas/group.schema';
import { NEED_CLUSTER, type Cluster, type NeedType } from './schemas/need.schema';

/** One line of "who does what where": an agency, a need type, an area. */
export interface ThreeWRow {
  agencyId: string;
  agency: string;
  cluster: Cluster;
  need: NeedType;
  /** The place name field teams gave, or '' when none. */
  area: string;
  groups: number;
  /** Assignments by status. */
  statuses: Record<AssignmentStatus, number>;
  peopleReached: number;
  /** When (the fourth W): the latest change of any of these assignments. */
  lastUpdate: string;
  /** The earliest expected date among the open ones, or null when none has one. */
  nextDue: string | null;
  /** Open assignments past their expected date. */
  overdue: number;
}

const emptyStatuses = (): Record<AssignmentStatus, number> => ({
  proposed: 0,
  accepted: 0,
  in_progress: 0,
  completed: 0,
  declined: 0,
  cancelled: 0,
});

/** Aggregates every assignment of the groups into 3W/4W rows, sorted by agency, cluster, need and area. */
export function threeW(groups: Iterable<Group>, agencies: readonly Agency[], now: number = Date.now()): ThreeWRow[] {
  const names = new Map(agencies.map((a) => [a.id, a.acronym]));
  const rows = new Map<string, ThreeWRow & { groupIds: Set<string> }>();
  for (const group of groups) {
    if (group.status === 'duplicate') continue;
    const area = group.location.placeName.trim();
    for (const a of group.assignments) {
      const need = group.needs.find((n) => n.id === a.needId);
      if (!need) continue;
      const key = `${a.agencyId}\u0000${need.type}\u0000${area}`;
      let row = rows.get(key);
      if (!row) {
        row = {
          agencyId: a.agencyId,
          agency: names.get(a.agencyId) ?? a.agencyId,
          cluster: NEED_CLUSTER[need.type],
          need: need.type,
          area,
          groups: 0,
          statuses: emptyStatuses(),
          peopleReached: 0,
          lastUpdate: a.updatedAt,
          nextDue: null,
          overdue: 0,
          groupIds: new Set(),
        };
        rows.set(key, row);
      }
      row.groupIds.add(group.id);
      row.groups = row.groupIds.size;
      row.statuses[a.status] += 1;
      row.peopleReached += a.peopleReached;
      if (a.updatedAt > row.lastUpdate) row.lastUpdate = a.updatedAt;
      if (isActiveAssignment(a.status) && a.expectedBy !== null && (row.nextDue === null || a.expectedBy < row.nextDue)) row.nextDue = a.expectedBy;
      if (isOverdue(a, now)) row.overdue += 1;
    }
  }
  return [...rows.values()]
    .map(({ groupIds: _ids, ...row }) => row)
    .sort((x, y) => x.agency.localeCompare(y.agency) || x.cluster.localeCompare(y.cluster) || x.need.localeCompare(y.need) || x.area.localeCompare(y.area));
}

/** Column headers and their HXL hashtags (https://hxlstandard.org), in order. */
export const THREE_W_COLUMNS = [
  ['Organisation', '#org+impl+name'],
  ['Cluster', '#sector+cluster'],
  ['Need', '#need+type'],
  ['Area', '#loc+name'],
  ['Groups', '#affected+groups'],
  ['Proposed', '#status+proposed+num'],
  ['Accepted', '#status+accepted+num'],
  ['In progress', '#status+progress+num'],
  ['Completed', '#status+completed+num'],
  ['Declined', '#status+declined+num'],
  ['People reached', '#reached+ind'],
  ['Overdue', '#status+overdue+num'],
  ['Last update', '#date+updated'],
  ['Next due', '#date+due'],
] as const;
