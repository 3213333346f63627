import { projectMovement } from '../../shared/movements';
import { projectGroup, type Audience } from '../../shared/projection';
import type { Movement } from '../../shared/schemas/movement.schema';
import type { Group } from '../../shared/schemas/group.schema';
import type { ChangeEvent } from '../../shared/schemas/sync.schema';
import { projectSite } from '../../shared/sites';
import { isMovementChange, isSiteChange, type PublishedChange } from './command.service';

/**
 * What one audience receives of one committed change, for the live feed and catch-up alike:
 * an upsert when it may see the group after the change; a removal when it could see it before
 * and no longer can (protection rule 2); nothing when it never saw it. An erasure's tombstone
 * (`erased`) is a removal for everyone: its history is deleted, so whether an audience held the
 * group cannot be told, and a removal of a group a device never held changes nothing there.
 */
export function projectChange(audience: Audience, seq: number, before: Group | null, after: Group, erased = false): ChangeEvent | null {
  if (erased) return { kind: 'group.remove', seq, groupId: after.id };
  const view = projectGroup(audience, after);
  if (view) return { kind: 'group.upsert', seq, group: view };
  if (before && projectGroup(audience, before)) return { kind: 'group.remove', seq, groupId: after.id };
  return null;
}

/** The same for a movement's change (issue 20): an upsert, a removal when it left the audience's view, or nothing. */
export function projectMovementChange(audience: Audience, seq: number, before: Movement | null, after: Movement): ChangeEvent | null {
  const view = projectMovement(audience, after);
  if (view) return { kind: 'movement.upsert', seq, movement: view };
  if (before && projectMovement(audience, before)) return { kind: 'movement.remove', seq, movementId: after.id };
  return null;
}

/** What one audience receives of a published change of any entity (the live feed's one call). */
export function projectPublished(audience: Audience, change: PublishedChange): ChangeEvent | null {
  if (isSiteChange(change)) {
    const site = projectSite(audience, change.site);
    return site ? { kind: 'site.upsert', seq: change.seq, site } : null;
  }
  if (isMovementChange(change)) return projectMovementChange(audience, change.seq, change.before, change.after);
  return projectChange(audience, change.seq, change.before, change.after, change.erased);
}
