import { isActiveAssignment, roleMayMoveAssignment } from '../../shared/assignment-workflow';
import { statusFollowingWork } from '../../shared/group-status';
import { failure, type Failure } from '../../shared/protocol';
import type { Assignment } from '../../shared/schemas/assignment.schema';
import type { Command } from '../../shared/schemas/command.schema';
import type { Group } from '../../shared/schemas/group.schema';
import type { Need, NeedStatus } from '../../shared/schemas/need.schema';
import type { Audience } from '../../shared/projection';
import { consularAssignmentRefusal, isConsularNeed, type ConsularRefusal } from '../../shared/consular';
import type { Agency } from '../../shared/schemas/agency.schema';

const CONSULAR_REFUSALS: Readonly<Record<ConsularRefusal, string>> = {
  consular_need_type: 'a consulate takes only documents, consular assistance and evacuation needs',
  consular_not_shared: 'a consulate takes needs only of groups that consented to share with it and carry no protection flag',
  consular_other_state: 'a consulate takes needs only of groups with nationals of the state it serves',
};

type CreateAssignment = Extract<Command, { type: 'assignment.create' }>;
type UpdateAssignment = Extract<Command, { type: 'assignment.update' }>;

/** What an assignment edit decided: the next group (version not yet bumped), or why not. */
export type AssignmentEdit = { group: Group } | (Failure & { conflict?: true });

/** The need's workflow status follows its assignments: met once one completes, assigned while one is open. */
function needStatusFrom(need: Need, assignments: readonly Assignment[]): NeedStatus {
  if (need.status === 'cancelled') return 'cancelled';
  const own = assignments.filter((a) => a.needId === need.id);
  if (own.some((a) => a.status === 'completed')) return 'met';
  if (own.some((a) => isActiveAssignment(a.status))) return 'assigned';
  return 'open';
}

/**
 * The group with its assignments replaced, its needs' status following them, and its own status
 * following its needs (`statusFollowingWork`): `started` when this edit is an agency taking work on.
 * The move is automatic rather than proposed, so the counters (open, assisted) agree the moment the
 * last need is met; a coordinator undoes it by moving the group back to assistance in progress.
 */
function withAssignments(group: Group, assignments: Assignment[], started = false): Group {
  const next = { ...group, assignments, needs: group.needs.map((n) => ({ ...n, status: needStatusFrom(n, assignments) })) };
  return { ...next, status: statusFollowingWork(group, next, started) };
}

/**
 * A new assignment of one need to an agency. A need with an open assignment is refused as a
 * conflict (another coordinator got there first); a declined or cancelled one may be handed again.
 */
export function planCreateAssignment(
  group: Group,
  command: CreateAssignment,
  agency: Pick<Agency, 'type' | 'servesState'> | null,
  userId: string,
  at: string,
): AssignmentEdit {
  const input = command.assignment;
  const need = group.needs.find((n) => n.id === input.needId);
  if (!need || need.status === 'cancelled') return failure('invalid', 'this group has no such open need');
  if (!agency) return failure('invalid', 'no such agency');
  // A consulate: only consular needs of groups it may see in full (protection rule 1). The reason
  // travels as the code, so the form can name it.
  const refusal = consularAssignmentRefusal(group, need.type, agency);
  if (refusal) {
    return failure('invalid', CONSULAR_REFUSALS[refusal], [{ path: ['assignment', 'agencyId'], code: refusal, message: CONSULAR_REFUSALS[refusal] }]);
  }
  if (group.assignments.some((a) => a.id === input.id)) return { ...failure('conflict', 'this assignment already exists'), conflict: true };
  if (group.assignments.some((a) => a.needId === need.id && isActiveAssignment(a.status))) {
    return { ...failure('conflict', 'this need is already assigned'), conflict: true };
  }
  const assignment: Assignment = {
    id: input.id,
    groupId: group.id,
    needId: need.id,
    agencyId: input.agencyId,
    status: 'proposed',
    peopleReached: 0,
    note: input.note,
    expectedBy: input.expectedBy,
    createdBy: userId,
    updatedAt: at,
    version: 1,
  };
  return { group: withAssignments(group, [...group.assignments, assignment]) };
}

/**
 * A step in an assignment's workflow or a progress record. A responder may touch only its own
 * agency's assignments (anything else answers not found); a decline needs a reason in the note.
 */
export function planUpdateAssignment(group: Group, command: UpdateAssignment, audience: Audience, at: string): AssignmentEdit {
  const current = group.assignments.find((a) => a.id === command.assignmentId);
  const agencyScoped = audience.role === 'responder' || audience.role === 'embassy';
  if (!current || (agencyScoped && current.agencyId !== audience.agencyId)) {
    return failure('not_found', 'no such assignment in your view');
  }
  if (current.version !== command.baseVersion) {
    return { ...failure('conflict', `the assignment changed since version ${command.baseVersion}; it is now at ${current.version}`), conflict: true };
  }
  const status = command.status ?? current.status;
  if (status !== current.status && !roleMayMoveAssignment(audience.role, current.status, status)) {
    return failure('invalid', `an assignment cannot move from ${current.status} to ${status} by your role`);
  }
  if (status === current.status && !isActiveAssignment(status) && status !== 'completed') {
    return failure('invalid', `a ${status} assignment is final`);
  }
  // The reason is given with the decline itself, not inherited from the coordinator's note.
  if (status === 'declined' && status !== current.status && (command.note ?? '').trim() === '') {
    return failure('invalid', 'a decline needs a reason');
  }
  const need = group.needs.find((n) => n.id === current.needId);
  if (command.consular !== undefined && (!need || !isConsularNeed(need.type))) {
    return failure('invalid', 'consular progress is recorded only on documents, consular assistance and evacuation needs');
  }
  const note = command.note ?? current.note;
  const consular = command.consular ?? current.consular;
  const next: Assignment = {
    ...current,
    status,
    note,
    peopleReached: command.peopleReached ?? current.peopleReached,
    updatedAt: at,
    version: current.version + 1,
    ...(consular ? { consular } : {}),
  };
  const started = status !== current.status && (status === 'accepted' || status === 'in_progress');
  return {
    group: withAssignments(
      group,
      group.assignments.map((a) => (a.id === next.id ? next : a)),
      started,
    ),
  };
}
