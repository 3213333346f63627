import { z } from 'zod';
import { Uuid } from '../ids';
import { CheckInState, LegStatus, MovementInput, MovementPatch, Place, TravelDocumentStatus } from './movement.schema';

const base = { commandId: Uuid };
/** An edit of a movement's plan names the version it was based on; a stale one gets `conflict`. */
const edit = { ...base, movementId: Uuid, baseVersion: z.number().int().min(1) };

/** Creates a movement with its legs and an empty manifest (coordinator). */
export const CreateMovementCommand = z.object({ type: z.literal('movement.create'), ...base, movement: MovementInput });
/** Changes a movement's plan (coordinator); legs only before any has left. */
export const UpdateMovementCommand = z.object({ type: z.literal('movement.update'), ...edit, patch: MovementPatch });
/**
 * Puts a group on the manifest (coordinator). People are moved only with their consent (MICIC
 * Guideline 13): the coordinator states that it was recorded, and the entry keeps who and when.
 */
export const AddMovementGroupCommand = z.object({
  type: z.literal('movement.addGroup'),
  ...edit,
  groupId: Uuid,
  consentToMove: z.literal(true, 'a group is put on a manifest only once its consent to be moved is recorded'),
  pickup: Place.nullable().default(null),
  specialNeeds: z.string().trim().max(500).default(''),
});
export const RemoveMovementGroupCommand = z.object({ type: z.literal('movement.removeGroup'), ...edit, groupId: Uuid });
/**
 * Moves a leg along its state table (coordinator, or the carrier's responders). No base version,
 * as for a check-in: a driver's phone reports a departure from its copy, and the table judges it.
 */
export const SetLegStatusCommand = z.object({
  type: z.literal('movement.setLegStatus'),
  ...base,
  movementId: Uuid,
  legId: Uuid,
  status: LegStatus,
  /**
   * A coordinator confirming a leg into a site without room for everyone on board states that
   * they go all the same (the site's figure may be old, or staying is worse); without it the
   * confirmation is refused `site_full`. Only a coordinator's counts.
   */
  acceptOverCapacity: z.boolean().optional(),
});
/**
 * A group's boarding state (the carrier's responders, or a coordinator). No base version: a phone
 * checks groups in offline from its copy while others check in other groups, and the state table
 * (not a version) judges a late replay.
 */
export const CheckInCommand = z.object({ type: z.literal('movement.checkIn'), ...base, movementId: Uuid, groupId: Uuid, state: CheckInState });
/** A consulate's answer on a group's travel documents: its own consenting, unflagged nationals only. */
export const ConfirmDocumentsCommand = z.object({
  type: z.literal('movement.confirmDocuments'),
  ...base,
  movementId: Uuid,
  groupId: Uuid,
  status: TravelDocumentStatus,
});

/** The movement commands, members of the `Command` union. */
export const MOVEMENT_COMMANDS = [
  CreateMovementCommand,
  UpdateMovementCommand,
  AddMovementGroupCommand,
  RemoveMovementGroupCommand,
  SetLegStatusCommand,
  CheckInCommand,
  ConfirmDocumentsCommand,
] as const;
export type MovementCommand = z.infer<(typeof MOVEMENT_COMMANDS)[number]>;
