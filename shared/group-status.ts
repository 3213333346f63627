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

/** What `everyNeedMet` reads of a need: its status alone. */
interface NeedState {
  status: 'open' | 'assigned' | 'met' | 'cancelled';
}

/**
 * Whether the group's work is done: at least one need was met and none is still open or assigned
 * (cancelled needs are no longer wanted). A group whose needs were never recorded is not "met".
 */
export function everyNeedMet(needs: readonly NeedState[]): boolean {
  let met = false;
  for (const n of needs) {
    if (n.status === 'open' || n.status === 'assigned') return false;
    if (n.status === 'met') met = true;
  }
  return met;
}

/** Statuses the last need met moves to `assisted`: the group was still waiting for that work. */
const CLOSED_BY_WORK: readonly GroupStatus[] = ['reported', 'verified', 'assistance_in_progress'];
/** Statuses an agency taking the work on moves to `assistance_in_progress`. */
const STARTED_BY_WORK: readonly GroupStatus[] = ['reported', 'verified', 'assisted'];

/**
 * The status a group takes after an assignment edit, so that its status follows its work:
 * the edit that meets its last need makes it `assisted` (counted as assisted, no longer open), and
 * an agency accepting or starting a need makes a waiting (or assisted) group `assistance_in_progress`.
 * Only the edit that crosses the line moves the status: a coordinator who reopens the group by hand
 * (the undo) is not overruled by a later edit of already finished work.
 */
export function statusFollowingWork(
  before: { status: GroupStatus; needs: readonly NeedState[] },
  after: { status: GroupStatus; needs: readonly NeedState[] },
  started: boolean,
): GroupStatus {
  if (!everyNeedMet(before.needs) && everyNeedMet(after.needs) && CLOSED_BY_WORK.includes(after.status)) return 'assisted';
  if (started && !everyNeedMet(after.needs) && STARTED_BY_WORK.includes(after.status)) return 'assistance_in_progress';
  return after.status;
}
