import { projectGroup, type Audience } from '../../shared/projection';
import type { Group } from '../../shared/schemas/group.schema';
import type { ChangeEvent } from '../../shared/schemas/sync.schema';

/**
 * What one audience receives of one committed change, for the live feed and catch-up alike:
 * an upsert when it may see the group after the change; a removal when it could see it before
 * and no longer can (protection rule 2); nothing when it never saw it.
 */
export function projectChange(audience: Audience, seq: number, before: Group | null, after: Group): ChangeEvent | null {
  const view = projectGroup(audience, after);
  if (view) return { kind: 'group.upsert', seq, group: view };
  if (before && projectGroup(audience, before)) return { kind: 'group.remove', seq, groupId: after.id };
  return null;
}
