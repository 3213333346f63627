import { v7 } from 'uuid';
import type { Assignment, AssignmentStatus } from '../../../shared/schemas/assignment.schema';
import type { Command } from '../../../shared/schemas/command.schema';

/** What a step on an assignment changes: its status, the people reached, a note. */
export type AssignmentChange = { status?: AssignmentStatus; peopleReached?: number; note?: string };

/**
 * The command that moves one assignment of a group, based on the version the person saw (the
 * assignment's own by default), so a change made since comes back as a conflict. The details'
 * assignment panel and the work list's rows both send it.
 */
export function assignmentUpdate(groupId: string, a: Assignment, change: AssignmentChange, baseVersion = a.version): Command {
  return { type: 'assignment.update', commandId: v7(), groupId, baseVersion, assignmentId: a.id, ...change };
}
