import { z } from 'zod';
import { Uuid } from '../ids';
import { Timestamp } from '../ids';
import { AssignmentStatus, ConsularProgress } from './assignment.schema';
import { GroupInput, GroupPatch, GroupStatus } from './group.schema';
import { MOVEMENT_COMMANDS, type MovementCommand } from './movement-command.schema';
import { SiteInput, SitePatch, SiteReport } from './site.schema';

const base = {
  /** Made by the client (UUIDv7); a repeated id returns the first result and changes nothing. */
  commandId: Uuid,
};
const edit = {
  ...base,
  groupId: Uuid,
  /** The version the edit was based on; a stale one gets `conflict` with the current state. */
  baseVersion: z.number().int().min(1),
};

export const ReportGroupCommand = z.object({ type: z.literal('group.report'), ...base, group: GroupInput });
export const UpdateGroupCommand = z.object({ type: z.literal('group.update'), ...edit, patch: GroupPatch });
export const SetGroupStatusCommand = z.object({ type: z.literal('group.setStatus'), ...edit, status: GroupStatus });

/** Hands one need of a group to an agency (coordinator). baseVersion is the group's. */
export const CreateAssignmentCommand = z.object({
  type: z.literal('assignment.create'),
  ...edit,
  assignment: z.object({
    id: Uuid,
    needId: Uuid,
    agencyId: Uuid,
    note: z.string().trim().max(2000).default(''),
    expectedBy: Timestamp.nullable().default(null),
  }),
});
/**
 * Moves an assignment along its workflow or records progress. baseVersion is the assignment's own
 * version, so an agency accepting does not conflict with a field team's unrelated edit of the group.
 */
export const UpdateAssignmentCommand = z
  .object({
    type: z.literal('assignment.update'),
    ...edit,
    assignmentId: Uuid,
    status: AssignmentStatus.optional(),
    peopleReached: z.number().int().min(0).max(100_000).optional(),
    note: z.string().trim().max(2000).optional(),
    /** A consulate's progress figures (consular need types only). */
    consular: ConsularProgress.optional(),
  })
  .refine(
    (c) => c.status !== undefined || c.peopleReached !== undefined || c.note !== undefined || c.consular !== undefined,
    'an update must change something',
  );
/** Marks `groupId` a duplicate of `intoGroupId` (coordinator). Both versions are checked. */
export const MergeGroupCommand = z.object({
  type: z.literal('group.merge'),
  ...edit,
  intoGroupId: Uuid,
  intoBaseVersion: z.number().int().min(1),
});

/** Asks a field user of the crisis to follow the group up, so they may edit it (coordinator). */
export const RequestFollowUpCommand = z.object({
  type: z.literal('group.requestFollowUp'),
  ...edit,
  userId: Uuid,
});

/** Registers a site of the crisis (coordinator). */
export const CreateSiteCommand = z.object({ type: z.literal('site.create'), ...base, site: SiteInput });
/** Edits any field of a site (coordinator); a stale baseVersion gets `conflict` with the current site. */
export const UpdateSiteCommand = z.object({
  type: z.literal('site.update'),
  ...base,
  siteId: Uuid,
  baseVersion: z.number().int().min(1),
  patch: SitePatch,
});
/**
 * A field team's observation of a site's status and occupancy, possibly made offline hours ago. No
 * baseVersion: observations are ordered by `observedAt` (shared/sites.ts `decideReport`), not by
 * the version the phone held.
 */
export const ReportSiteCommand = z.object({ type: z.literal('site.report'), ...base, siteId: Uuid, report: SiteReport });

/** Every write a client can make: a tagged union, handled by an exhaustive switch on the server. */
export const Command = z.discriminatedUnion('type', [
  ReportGroupCommand,
  UpdateGroupCommand,
  SetGroupStatusCommand,
  CreateAssignmentCommand,
  UpdateAssignmentCommand,
  MergeGroupCommand,
  RequestFollowUpCommand,
  ...MOVEMENT_COMMANDS,
  CreateSiteCommand,
  UpdateSiteCommand,
  ReportSiteCommand,
]);
export type Command = z.infer<typeof Command>;
export type CommandType = Command['type'];
export const COMMAND_TYPES = Command.options.map((o) => o.shape.type.value) as CommandType[];

/** The commands about sites (issue 20), applied by SiteService; every other command is about a group or a movement. */
export type SiteCommand = Extract<Command, { type: `site.${string}` }>;
export const isSiteCommand = (c: Command): c is SiteCommand => c.type.startsWith('site.');

/** The commands about movements (issue 20), applied by MovementService. */
export const isMovementCommand = (c: Command): c is MovementCommand => c.type.startsWith('movement.');

/**
 * The id of the record a command is about: the reported or edited group's, the site's or the
 * movement's (a check-in or a manifest change names its group too, but is about the movement).
 * Movement and site commands carry no `groupId` of their own subject, so they never reach the last line.
 */
export function commandSubjectId(command: Command): string {
  switch (command.type) {
    case 'group.report':
      return command.group.id;
    case 'site.create':
      return command.site.id;
    case 'site.update':
    case 'site.report':
      return command.siteId;
    case 'movement.create':
      return command.movement.id;
    case 'movement.update':
    case 'movement.addGroup':
    case 'movement.removeGroup':
    case 'movement.setLegStatus':
    case 'movement.checkIn':
    case 'movement.confirmDocuments':
      return command.movementId;
    default:
      return command.groupId;
  }
}
