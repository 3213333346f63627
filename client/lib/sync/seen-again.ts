import type { Command } from '../../../shared/schemas/command.schema';
import type { Group, GroupPatch } from '../../../shared/schemas/group.schema';
import type { NeedType } from '../../../shared/schemas/need.schema';

type UpdateCommand = Extract<Command, { type: 'group.update' }>;

/** What a field team notes when it sees a group again: the headcount now and the needs it has. */
export interface SeenAgain {
  total: number;
  needs: readonly NeedType[];
  seenAt: Date;
}

/** Severity given to a need first noted at a revisit; the coordinators refine it. */
const NEW_NEED_SEVERITY = 3;

/**
 * The patch for "seen again": last seen now, the new total (the sex and age breakdown kept, the
 * server refuses it if it no longer fits), and the needs ticked, keeping the id, severity and
 * people of those already known (people no more than the new total) so their workflow status stays.
 */
export function seenAgainPatch(group: Pick<Group, 'headcount' | 'needs'>, seen: SeenAgain, newId: () => string): GroupPatch {
  const needs = seen.needs.map((type) => {
    const known = group.needs.find((n) => n.type === type);
    return known
      ? { id: known.id, type, severity: known.severity, people: Math.min(known.people, seen.total) }
      : { id: newId(), type, severity: NEW_NEED_SEVERITY, people: seen.total };
  });
  return { seenAt: seen.seenAt.toISOString(), headcount: { ...group.headcount, total: seen.total }, needs };
}

/**
 * A refused edit made again on top of the group as it is now: the same changes, a new command id
 * (the old one's answer is final) and the current version as its base.
 */
export function reapplyOn(command: UpdateCommand, current: Pick<Group, 'version'>, commandId: string): UpdateCommand {
  return { ...command, commandId, baseVersion: current.version };
}
