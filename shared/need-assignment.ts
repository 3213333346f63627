import { isActiveAssignment } from './assignment-workflow';
import type { AssignmentSummary, PointAssignment } from './packed-views';
import type { Assignment } from './schemas/assignment.schema';
import type { Need } from './schemas/need.schema';

/** An assignment as a full group holds it, or as a coordinator's summary does. */
export type HeldAssignment = Assignment | AssignmentSummary;
/** What `isForNeed` reads of a need: its type, and its id when the group holds one (a summary's needs have none). */
export type HeldNeed = Pick<Need, 'type'> & { id?: string };

/**
 * Whether an assignment is for this need. A full group's assignment names its need by id; a
 * summary's names it by type, which is as exact because a group lists each need type at most once.
 */
export function isForNeed(a: PointAssignment, need: HeldNeed): boolean {
  return 'needType' in a ? a.needType === need.type : 'id' in need && a.needId === need.id;
}

/** Whether some agency has this need now (an assignment for it that is still active). */
export function needIsTaken(assignments: readonly PointAssignment[], need: HeldNeed): boolean {
  return assignments.some((a) => isActiveAssignment(a.status) && isForNeed(a, need));
}
