import { z } from 'zod';
import { Uuid } from '../ids';
import { Crisis } from './crisis.schema';
import { GroupView } from './group.schema';

/** One committed change as an audience receives it. `seq` is the change log's sequence number. */
export const ChangeEvent = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('group.upsert'), seq: z.number().int().min(1), group: GroupView }),
  /** The group left this audience's view (or was deleted): drop it, nothing more will follow. */
  z.object({ kind: z.literal('group.remove'), seq: z.number().int().min(1), groupId: Uuid }),
]);
export type ChangeEvent = z.infer<typeof ChangeEvent>;

/** Sent by a client when it connects: the last sequence number it applied, or null for none. */
export const SyncRequest = z.object({ sinceSeq: z.number().int().min(0).nullable() });
export type SyncRequest = z.infer<typeof SyncRequest>;

export interface SnapshotResult {
  ok: true;
  mode: 'snapshot';
  /** The change log's head when the snapshot was taken; live changes at or below it are stale. */
  seq: number;
  crisis: Crisis;
  groups: GroupView[];
}
export interface CatchUpResult {
  ok: true;
  mode: 'changes';
  seq: number;
  changes: ChangeEvent[];
}
