import type { CommandType } from './schemas/command.schema';
import type { Role } from './schemas/user.schema';

/** Everything a user can ask the server to do. */
export type Action =
  | CommandType
  | 'group.read'
  | 'aggregate.read'
  | 'audit.read'
  | 'admin.manage'
  | 'group.timeline'
  | 'export.3w'
  | 'export.groups'
  | 'export.shareable'
  | 'export.sitrep'
  | 'group.import'
  | 'consular.read'
  | 'export.evacuation'
  | 'group.erase'
  | 'site.read';

/**
 * The permission table: which role may attempt which action at all. Scope (whose groups, which
 * agency, which nationality) is decided by the server's access rules on top of this; which groups
 * a field user may edit is `mayEditGroup` in edit-scope.ts.
 */
export const PERMISSIONS: Readonly<Record<Role, readonly Action[]>> = {
  field: ['group.report', 'group.update', 'group.read', 'site.report', 'site.read'],
  coordinator: [
    'group.report',
    'group.update',
    'group.setStatus',
    'group.merge',
    'group.requestFollowUp',
    'assignment.create',
    'assignment.update',
    'group.read',
    'audit.read',
    'group.timeline',
    'export.3w',
    'export.groups',
    'export.shareable',
    'export.sitrep',
    'group.import',
    'movement.create',
    'movement.update',
    'movement.addGroup',
    'movement.removeGroup',
    'movement.setLegStatus',
    'movement.checkIn',
    // Erasure on a person's request (issue 21): the coordinators who answer for the crisis's data.
    'group.erase',
    // Sites (issue 20): the coordinators keep the registry; field teams report what they see.
    'site.create',
    'site.update',
    'site.report',
    'site.read',
  ],
  // Responders and embassies export only the groups they see in full (`exportableGroups`); the
  // shareable aggregate and the situation report describe the whole crisis, so coordinators only.
  // A carrier's responders check groups in and report its legs (scoped to their agency's movements).
  responder: ['assignment.update', 'group.read', 'export.groups', 'site.read', 'movement.checkIn', 'movement.setLegStatus'],
  // A consulate moves only its own consular assignments (scoped in the assignment plan).
  // A consulate answers for its own nationals' travel documents on a manifest (scoped in the movement service).
  embassy: [
    'group.read',
    'aggregate.read',
    'export.groups',
    'consular.read',
    'export.evacuation',
    'assignment.update',
    'site.read',
    'movement.confirmDocuments',
  ],
  admin: ['admin.manage', 'audit.read'],
};

/** Every action, for tests that walk the whole table. */
export const ACTIONS: readonly Action[] = [
  'group.report',
  'group.update',
  'group.setStatus',
  'group.merge',
  'group.requestFollowUp',
  'assignment.create',
  'assignment.update',
  'group.read',
  'group.timeline',
  'export.3w',
  'export.groups',
  'export.shareable',
  'export.sitrep',
  'group.import',
  'movement.create',
  'movement.update',
  'movement.addGroup',
  'movement.removeGroup',
  'movement.setLegStatus',
  'movement.checkIn',
  'movement.confirmDocuments',
  'aggregate.read',
  'consular.read',
  'export.evacuation',
  'group.erase',
  'site.create',
  'site.update',
  'site.report',
  'site.read',
  'audit.read',
  'admin.manage',
];

/** Whether a role may attempt an action. */
export function can(role: Role, action: Action): boolean {
  return PERMISSIONS[role].includes(action);
}
