import { z } from 'zod';
import { ErrorCode, Issue } from '../../../shared/protocol';
import { Crisis } from '../../../shared/schemas/crisis.schema';
import { GroupView } from '../../../shared/schemas/group.schema';
import { MovementView } from '../../../shared/schemas/movement.schema';
import { ChangeEvent } from '../../../shared/schemas/sync.schema';
import { Site } from '../../../shared/schemas/site.schema';
import { decodeChanges, decodeViewPoints, decodeViewsInSlices, type PointView } from '../../../shared/packed-views';
import { bytesToPacked } from '../../../shared/packed-bytes';
import type { CommandAck, SyncAck } from '../../../shared/events';
import type { HeldView } from './held-view';
import { taskPause } from '../state/background-task';

/** The longest task of a snapshot's decode, under the browser's long-task threshold of 50 ms. */
const DECODE_SLICE_MS = 40;

// The event map's payload types say what a well-behaved server sends; these schemas check it at
// run time, because types check nothing once the bytes arrive.

const FailureSchema = z.object({
  ok: z.literal(false),
  code: ErrorCode,
  message: z.string(),
  issues: z.array(Issue).optional(),
});

/** The reply to `sync`. */
export const SyncAckSchema = z.union([
  z.object({
    ok: z.literal(true),
    projection: z.string().optional(),
    mode: z.literal('snapshot'),
    seq: z.number().int().min(0),
    crisis: Crisis,
    groups: z.array(GroupView),
    sites: z.array(Site),
    movements: z.array(MovementView).optional(),
  }),
  z.object({ ok: z.literal(true), projection: z.string().optional(), mode: z.literal('changes'), seq: z.number().int().min(0), changes: z.array(ChangeEvent) }),
  // The views stay bytes here: they are unpacked and checked by decodeViews (shared/packed-views.ts).
  z.object({
    ok: z.literal(true),
    projection: z.string().optional(),
    mode: z.literal('packed'),
    seq: z.number().int().min(0),
    head: z.number().int().min(0),
    crisis: Crisis,
    sites: z.array(Site),
    movements: z.array(MovementView).optional(),
    views: z.custom<Uint8Array | ArrayBuffer>((v) => v instanceof ArrayBuffer || v instanceof Uint8Array, 'not bytes'),
  }),
  z.object({
    ok: z.literal(true),
    projection: z.string().optional(),
    mode: z.literal('packed-changes'),
    seq: z.number().int().min(0),
    changes: z.custom<Uint8Array | ArrayBuffer>((v) => v instanceof ArrayBuffer || v instanceof Uint8Array, 'not bytes'),
  }),
  FailureSchema,
]) satisfies z.ZodType<SyncAck>;

/** The reply to `command`. */
export const CommandAckSchema = z.union([
  z.object({
    ok: z.literal(true),
    seq: z.number().int().min(1),
    group: GroupView.nullable(),
    site: Site.nullable().optional(),
    movement: MovementView.nullable().optional(),
  }),
  FailureSchema.extend({ current: GroupView.optional(), currentSite: Site.optional(), movement: MovementView.optional() }),
]) satisfies z.ZodType<CommandAck>;

/** A live change. */
export const ChangeEventSchema = ChangeEvent;

/**
 * The packed views of a PackedSnapshotResult: gunzipped by the browser's own DecompressionStream,
 * parsed, checked; summaries kept as summaries (./held-view.ts). A device copy of an older
 * format is refused here like any other bad input (PackedViewsError), and the caller drops it.
 */
export async function unpackViews(
  bytes: Uint8Array | ArrayBuffer,
  onpoints?: (points: PointView[]) => void,
  /** After the points: what the decoding waits for first (the map drawing its first view of them), if anything. */
  pointsShown?: () => Promise<unknown> | null,
): Promise<HeldView[]> {
  const packed = await gunzipPacked(bytes);
  if (onpoints) {
    // The map's points first, read from their columns alone, and a task boundary after them: the
    // map draws them there (a big crisis's first view, waited for below) and hands them to its
    // worker, which then clusters while the views are decoded here.
    onpoints(decodeViewPoints(packed));
    await taskPause();
    await pointsShown?.();
  }
  // In slices: decoded in one task, 100,000 groups held the page 1.5 s (no input answered, no frame
  // drawn). The map is no sooner for it: its worker is still clustering the points meanwhile.
  return decodeViewsInSlices(packed, taskPause, DECODE_SLICE_MS);
}

/** The changes of a PackedChangesResult, the same way. */
export async function unpackChanges(bytes: Uint8Array | ArrayBuffer): Promise<ChangeEvent[]> {
  return decodeChanges(await gunzipPacked(bytes));
}

async function gunzipPacked(bytes: Uint8Array | ArrayBuffer): Promise<unknown> {
  // Written straight into the stream: making a Blob of the bytes first sometimes held the page for
  // 90-125 ms (a task of its own in live-map profiles). Whichever side fails first (bad bytes error
  // both) rejects, and Promise.all keeps the other side's rejection from going unheard.
  const gunzip = new DecompressionStream('gzip');
  const writer = gunzip.writable.getWriter();
  const chunk = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  const [unzipped] = await Promise.all([new Response(gunzip.readable).arrayBuffer(), writer.write(chunk as BufferSource), writer.close()]);
  return bytesToPacked(new Uint8Array(unzipped));
}
