import { z } from 'zod';
import { Uuid } from '../ids';
import { Crisis } from './crisis.schema';
import { GroupView } from './group.schema';
import { Site } from './site.schema';
import { MovementView } from './movement.schema';

/** One committed change as an audience receives it. `seq` is the change log's sequence number. */
export const ChangeEvent = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('group.upsert'), seq: z.number().int().min(1), group: GroupView }),
  /** The group left this audience's view (or was deleted): drop it, nothing more will follow. */
  z.object({ kind: z.literal('group.remove'), seq: z.number().int().min(1), groupId: Uuid }),
  /** A site (issue 20) as it stands now, projected for the audience (shared/sites.ts `projectSite`). */
  z.object({ kind: z.literal('site.upsert'), seq: z.number().int().min(1), site: Site }),
  // Movements (issue 20): the same two kinds, a movement as projected for the audience.
  z.object({ kind: z.literal('movement.upsert'), seq: z.number().int().min(1), movement: MovementView }),
  z.object({ kind: z.literal('movement.remove'), seq: z.number().int().min(1), movementId: Uuid }),
]);
export type ChangeEvent = z.infer<typeof ChangeEvent>;

/**
 * Sent by a client when it connects: the last sequence number it applied, or null for none.
 * `packed`: a snapshot, if one is needed, may come as a `PackedSnapshotResult`.
 */
export const SyncRequest = z.object({
  sinceSeq: z.number().int().min(0).nullable(),
  packed: z.boolean().optional(),
  /** The `projection` of the answer `sinceSeq` came from; another one than the user's now gets a snapshot. */
  projection: z.string().max(300).optional(),
});
export type SyncRequest = z.infer<typeof SyncRequest>;

export interface SnapshotResult {
  ok: true;
  /** `projectionKey` of the audience it was projected for (shared/projection.ts). */
  projection?: string;
  mode: 'snapshot';
  /** The change log's head when the snapshot was taken; live changes at or below it are stale. */
  seq: number;
  crisis: Crisis;
  groups: GroupView[];
  /** The crisis's sites, projected for the audience (issue 20). */
  sites: Site[];
  /** The crisis's movements this audience may see, projected for it (issue 20). */
  movements?: MovementView[];
}
export interface CatchUpResult {
  ok: true;
  /** `projectionKey` of the audience it was projected for (shared/projection.ts). */
  projection?: string;
  mode: 'changes';
  seq: number;
  changes: ChangeEvent[];
}

/**
 * A snapshot for a big crisis: the views packed (shared/packed-views.ts) as bytes (shared/packed-bytes.ts), gzipped. It may
 * be a few seconds old (one build serves every connection of the same audience): `seq` is the log
 * position it reflects and `head` the log's head when it was sent; while `seq < head` the client
 * asks again from `seq` before it goes live.
 */
export interface PackedSnapshotResult {
  ok: true;
  /** `projectionKey` of the audience it was projected for (shared/projection.ts). */
  projection?: string;
  mode: 'packed';
  seq: number;
  head: number;
  crisis: Crisis;
  /** The crisis's sites, projected for the audience: a few hundred at most, sent as they are. */
  sites: Site[];
  /** gzip(viewsToBytes(PackedViews)). */
  views: Uint8Array | ArrayBuffer;
  /** The movements this audience may see at `seq`, as they are: a few per crisis, not worth packing. */
  movements?: MovementView[];
}

/** A long catch-up for a client that asked `packed`: the changes packed (encodeChanges) as bytes (changesToBytes), gzipped. */
export interface PackedChangesResult {
  ok: true;
  /** `projectionKey` of the audience it was projected for (shared/projection.ts). */
  projection?: string;
  mode: 'packed-changes';
  seq: number;
  /** gzip(changesToBytes(PackedChanges)). */
  changes: Uint8Array | ArrayBuffer;
}

/** The id of the record a change is about: a group's, a site's or a movement's (ids are UUIDs, never shared). */
export function changedId(change: ChangeEvent): string {
  switch (change.kind) {
    case 'group.upsert':
      return change.group.group.id;
    case 'group.remove':
      return change.groupId;
    case 'site.upsert':
      return change.site.id;
    case 'movement.upsert':
      return change.movement.movement.id;
    case 'movement.remove':
      return change.movementId;
  }
}
