import { isActiveAssignment } from '../../shared/assignment-workflow';
import type { Agency } from '../../shared/schemas/agency.schema';
import type { Assignment, AssignmentStatus } from '../../shared/schemas/assignment.schema';
import type { Group } from '../../shared/schemas/group.schema';
import type { Need, NeedType } from '../../shared/schemas/need.schema';
import type { Prng } from './prng';

/**
 * Which demo agency takes each need type. IOM takes movement and documents, so the demo responder
 * (an IOM account) opens a work list with something on it.
 */
const AGENCY_FOR_NEED: Readonly<Record<NeedType, string>> = {
  food: 'WFP',
  water: 'UNICEF',
  sanitation: 'UNICEF',
  shelter: 'NRC',
  medical: 'MSF',
  psychosocial: 'IRC',
  protection: 'UNHCR',
  child_protection: 'UNICEF',
  family_tracing: 'ICRC',
  documents: 'IOM',
  consular_assistance: 'IOM',
  evacuation: 'IOM',
  transport: 'IOM',
  communication: 'LRC',
  interpretation: 'DRC',
  cash: 'DRC',
};

/** How far along the open work of a group in progress is (the first need is always under way). */
const ACTIVE_STEPS: Readonly<Partial<Record<AssignmentStatus, number>>> = { proposed: 2, accepted: 3, in_progress: 4 };

/** Statuses whose groups were helped: every met need there was met by a completed assignment. */
const HELPED = new Set<Group['status']>(['assisted', 'relocated', 'evacuated', 'returned', 'closed']);

/**
 * Gives the demo's groups the assignments their statuses and needs claim, so every status and
 * figure on every screen can be explained from the records: a need marked assigned has an open
 * assignment; a group in progress has an agency working on it (accepted or in progress); a met need
 * has a completed assignment that reached the whole group (so the people counted as assisted are
 * the people the 3W says were reached); and a group an agency is working on is not left "reported".
 * Assignments the consular seed made are kept as they are.
 */
export function withDemoWork(groups: readonly Group[], agencies: readonly Agency[], coordinatorId: string, rng: Prng): Group[] {
  const agencyId = (type: NeedType): string => {
    const id = agencies.find((a) => a.acronym === AGENCY_FOR_NEED[type])?.id;
    if (!id) throw new Error(`the demo has no agency ${AGENCY_FOR_NEED[type]}`);
    return id;
  };
  return groups.map((group) => {
    const assignments = [...group.assignments];
    const hasWork = (need: Need) => assignments.some((a) => a.needId === need.id);
    const inProgress = group.status === 'assistance_in_progress';
    let needs = group.needs;
    // A group in progress with every need still open gets its first need under way.
    if (inProgress && !needs.some((n) => n.status === 'assigned')) {
      needs = needs.map((n, i) => (i === 0 && n.status === 'open' ? { ...n, status: 'assigned' as const } : n));
    }
    let first = true;
    for (const need of needs) {
      if (hasWork(need)) continue;
      if (need.status === 'assigned') {
        const status: AssignmentStatus = inProgress && first ? 'in_progress' : rng.weighted(ACTIVE_STEPS);
        first = false;
        assignments.push(demoAssignment(group, need, agencyId(need.type), status, 0, coordinatorId, rng));
      } else if (need.status === 'met' && HELPED.has(group.status)) {
        assignments.push(demoAssignment(group, need, agencyId(need.type), 'completed', group.headcount.total, coordinatorId, rng));
      }
    }
    const working = assignments.some((a) => a.status === 'accepted' || a.status === 'in_progress');
    // The status says what the work says: in progress exactly while an agency is on it.
    const waiting = group.status === 'reported' || group.status === 'verified';
    const status = working && waiting ? 'assistance_in_progress' : !working && inProgress ? 'verified' : group.status;
    return { ...group, needs, assignments, status };
  });
}

function demoAssignment(
  group: Group,
  need: Need,
  agencyId: string,
  status: AssignmentStatus,
  peopleReached: number,
  coordinatorId: string,
  rng: Prng,
): Assignment {
  return {
    id: rng.uuid(),
    groupId: group.id,
    needId: need.id,
    agencyId,
    status,
    peopleReached: isActiveAssignment(status) ? 0 : peopleReached,
    note: '',
    expectedBy: null,
    createdBy: coordinatorId,
    updatedAt: group.updatedAt,
    version: 1,
  };
}
