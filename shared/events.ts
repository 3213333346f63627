import type { Failure } from './protocol';
import type { Command } from './schemas/command.schema';
import type { GroupView } from './schemas/group.schema';
import type { Site } from './schemas/site.schema';
import type { ImportJob } from './schemas/import.schema';
import type { MovementView } from './schemas/movement.schema';
import type { CatchUpResult, ChangeEvent, PackedChangesResult, PackedSnapshotResult, SnapshotResult, SyncRequest } from './schemas/sync.schema';

/**
 * A command's answer. `group` is the commanded group as it stands when the answer is sent,
 * projected for the sender (null when the sender may not see it, e.g. a responder who just
 * completed its agency's last open work there, asking again later). A site command's answer has
 * `group: null` and `site`: the site as it stands, projected for the sender; its conflict carries
 * `currentSite`. A movement command's answer (issue 20) has `group: null` and `movement`, likewise,
 * and so does its conflict.
 */
export type CommandAck =
  | { ok: true; seq: number; group: GroupView | null; site?: Site | null; movement?: MovementView | null }
  | (Failure & { current?: GroupView; currentSite?: Site; movement?: MovementView });
export type SyncAck = SnapshotResult | CatchUpResult | PackedSnapshotResult | PackedChangesResult | Failure;

/**
 * The whole socket contract, one typed map each way. Payload types say what a well-behaved peer
 * sends; the server still parses every payload with the shared schema, since types check nothing
 * at run time.
 */
export interface ClientToServerEvents {
  /** A write. Acked only after its transaction commits. */
  command: (command: Command, ack: (result: CommandAck) => void) => void;
  /** Snapshot or catch-up, asked for at every (re)connection. */
  sync: (request: SyncRequest, ack: (result: SyncAck) => void) => void;
}

export interface ServerToClientEvents {
  /** A committed change, projected for this connection's audience. */
  change: (change: ChangeEvent) => void;
  /**
   * Several committed changes at once, in commit order: what one group commit changed that this
   * connection may see, when that is more than one change (one message instead of one each).
   */
  changes: (changes: ChangeEvent[]) => void;
  /**
   * The same as `changes` for a connection that asked for it (`HandshakeAuth.packedLive`) when a
   * commit brings it many changes: `shared/packed-views.ts` `encodeChanges` as gzipped bytes (`changesToBytes`),
   * built once per room. About a sixth of the bytes on the wire, and one shared buffer for every socket.
   * `own`: for a field phone, its own and followed-up groups' changes in this batch, projected for
   * its user alone, which replace the shared ones of the same sequence number (`overlayChanges`).
   */
  changesPacked: (packed: Uint8Array, own?: ChangeEvent[]) => void;
  /** How far a CSV import of this user has got: after every chunk, and once when it ends. */
  importProgress: (job: ImportJob) => void;
  /**
   * To an embassy room: the counts its screen shows (areas, overview) changed; read them again.
   * Carries nothing itself, and is sent only when what that embassy would read differs.
   */
  consularChanged: () => void;
  /**
   * To every connection of a crisis: its admin boundaries were loaded anew (this version); maps
   * fetch and draw them again. Carries the version only, nothing about an area or a group.
   */
  boundariesChanged: (version: number) => void;
}

/** Names of the events, for code that must refer to them as values (tests, logging). */
export const CLIENT_EVENTS = ['command', 'sync'] as const satisfies readonly (keyof ClientToServerEvents)[];
export const SERVER_EVENTS = [
  'change',
  'changes',
  'changesPacked',
  'importProgress',
  'consularChanged',
  'boundariesChanged',
] as const satisfies readonly (keyof ServerToClientEvents)[];

/** What the client puts in the Socket.IO handshake's `auth`. */
export interface HandshakeAuth {
  protocol: number;
  /** This client decodes `changesPacked` (the app does; a client that does not ask gets `changes`). */
  packedLive?: boolean;
}
