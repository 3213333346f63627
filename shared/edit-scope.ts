import { isFieldUsersOwn, type Audience } from './projection';
import type { Group } from './schemas/group.schema';

/**
 * Whether an audience may edit a group's own fields (protection issue: a field team edits the
 * groups it reported or was asked to follow up, not every group it can see). A coordinator edits
 * any group of its crisis; every other role edits none (a responder moves only its assignments,
 * which the assignment workflow decides). Pure, so the field view can hide what the server refuses.
 */
export function mayEditGroup(audience: Pick<Audience, 'userId' | 'role' | 'crisisId'>, group: Pick<Group, 'crisisId' | 'reportedBy' | 'followUpBy'>): boolean {
  if (audience.crisisId === null || audience.crisisId !== group.crisisId) return false;
  switch (audience.role) {
    case 'coordinator':
      return true;
    case 'field':
      return isFieldUsersOwn(group, audience.userId);
    case 'responder':
    case 'embassy':
    case 'admin':
      return false;
  }
}
