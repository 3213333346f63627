import { z } from 'zod';
import { Uuid } from '../ids';
import { GroupInput, GroupPatch, GroupStatus } from './group.schema';

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

/** Every write a client can make: a tagged union, handled by an exhaustive switch on the server. */
export const Command = z.discriminatedUnion('type', [ReportGroupCommand, UpdateGroupCommand, SetGroupStatusCommand]);
export type Command = z.infer<typeof Command>;
export type CommandType = Command['type'];
export const COMMAND_TYPES = Command.options.map((o) => o.shape.type.value) as CommandType[];
