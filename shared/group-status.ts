import type { GroupStatus } from './schemas/group.schema';

/**
 * Which status a group may move to from each status. Coordinators move groups along it; `duplicate`
 * is reached only by a merge and is final. Reopening (closed -> verified) is allowed because people
 * are found again.
 */
export const GROUP_STATUS_TRANSITIONS: Readonly<Record<GroupStatus, readonly GroupStatus[]>> = {
  reported: ['verified', 'assistance_in_progress', 'unreachable', 'closed', 'duplicate'],
  verified: ['assistance_in_progress', 'assisted', 'relocated', 'evacuated', 'returned', 'unreachable', 'closed', 'duplicate'],
  assistance_in_progress: ['assisted', 'relocated', 'evacuated', 'returned', 'unreachable', 'closed'],
  assisted: ['assistance_in_progress', 'relocated', 'evacuated', 'returned', 'closed'],
  relocated: ['assistance_in_progress', 'assisted', 'evacuated', 'returned', 'closed'],
  evacuated: ['closed'],
  returned: ['closed'],
  unreachable: ['verified', 'closed'],
  closed: ['verified'],
  duplicate: [],
};

/** Whether a group may move from one status to another. */
export function canTransition(from: GroupStatus, to: GroupStatus): boolean {
  return GROUP_STATUS_TRANSITIONS[from].includes(to);
}

/** Statuses that still need attention: the map and the triage queue show them first. */
export const OPEN_STATUSES: readonly GroupStatus[] = ['reported', 'verified', 'assistance_in_progress', 'unreachable'];
