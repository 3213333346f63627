import type { AssignmentStatus } from './schemas/assignment.schema';
import type { Role } from './schemas/user.schema';

/**
 * Which status an assignment may move to from each status. `declined`, `completed` and `cancelled`
 * are final: a declined need is reassigned by a new assignment, so each agency's answer stays in
 * the record as it was given.
 */
export const ASSIGNMENT_TRANSITIONS: Readonly<Record<AssignmentStatus, readonly AssignmentStatus[]>> = {
  proposed: ['accepted', 'declined', 'cancelled'],
  accepted: ['in_progress', 'completed', 'cancelled'],
  in_progress: ['completed', 'cancelled'],
  completed: [],
  declined: [],
  cancelled: [],
};

/** The steps a responding agency takes; a coordinator may take them too (on the agency's word by phone), and alone may cancel. */
const RESPONDER_STEPS: readonly AssignmentStatus[] = ['accepted', 'declined', 'in_progress', 'completed'];

/** An assignment the agency still has to act on: it gives the agency the group's exact location. */
export const ACTIVE_ASSIGNMENT_STATUSES: readonly AssignmentStatus[] = ['proposed', 'accepted', 'in_progress'];

/** Whether an assignment in `status` is still open work. */
export function isActiveAssignment(status: AssignmentStatus): boolean {
  return ACTIVE_ASSIGNMENT_STATUSES.includes(status);
}

/** Whether an assignment may move from one status to another at all. */
export function canMoveAssignment(from: AssignmentStatus, to: AssignmentStatus): boolean {
  return ASSIGNMENT_TRANSITIONS[from].includes(to);
}

/** Whether a role may make this move (the table, then who may take the step). */
export function roleMayMoveAssignment(role: Role, from: AssignmentStatus, to: AssignmentStatus): boolean {
  if (!canMoveAssignment(from, to)) return false;
  if (role === 'coordinator') return true;
  // A consulate takes consular needs like any responding agency.
  if (role === 'responder' || role === 'embassy') return RESPONDER_STEPS.includes(to);
  return false;
}

/** Whether the assignment is past its expected time and still open. */
export function isOverdue(a: { status: AssignmentStatus; expectedBy: string | null }, now: number): boolean {
  return a.expectedBy !== null && isActiveAssignment(a.status) && Date.parse(a.expectedBy) < now;
}
