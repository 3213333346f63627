import type { Logger } from '../log';
import { isMovementChange, isSiteChange, type PublishedChange } from '../services/command.service';
import { endStates, type ChangeSource } from '../services/committed-changes';
import { projectChange, projectPublished } from '../services/change-projection';
import type { ChangeEvent } from '../../shared/schemas/sync.schema';
import { packedRoomOf, personalRoomOf, type AudienceRoom } from './audience-room';
import { fieldUsersOf } from '../../shared/projection';
import { gzipSync } from 'node:zlib';
import { encodeChanges } from '../../shared/packed-views';
import { changesToBytes } from '../../shared/packed-bytes';
import type { WaymarkIo } from './socket-server';

/** At most this many changes are read from the log at once when catching up. */
const READ_BATCH = 1_000;

/**
 * A room's batch of at least this many changes goes to its sockets that asked for it as
 * `changesPacked` (gzipped packed columns, about a sixth of the JSON from 8 changes on), built once
 * and sent as the same bytes to each. Below it the gzip costs more than it saves.
 */
export const PACKED_LIVE_MIN = 4;

/**
 * Sends each committed change to this process's audience rooms of its crisis, projected for each
 * room, strictly in sequence-number order.
 *
 * With several processes on one database each one publishes to its own sockets only: a change
 * committed elsewhere is announced (Redis, see `announce`) or found by the periodic check, then read
 * from the shared change log. Publishing in log order, filling any gap from the log, is what lets a
 * client ignore a change at or below the last one it applied: a client cannot detect a gap itself,
 * since each audience sees only some of the sequence numbers.
 */
export class ChangePublisher {
  readonly #io: WaymarkIo;
  readonly #logger: Logger;
  readonly #source: ChangeSource;
  readonly #announce: (seq: number) => void;
  /** Rooms that have had members, with the audience they project as. */
  readonly #rooms = new Map<string, AudienceRoom>();
  /** Every change up to this one has been published (or predates this process); null until the head is read. */
  #published: number | null = null;
  /** Reads the head at start: what predates this process is not published. */
  readonly #ready: Promise<void>;
  /** The catch-ups, one after another (each awaits reads; two at once would publish twice). */
  #catching: Promise<void> = Promise.resolve();
  /**
   * Batches this process committed behind changes not yet published here (another process's,
   * committed between), in commit order: a catch-up reads only the gap before each and sends the
   * batch from here, instead of reading back from the log what this process just wrote.
   */
  #held: (readonly PublishedChange[])[] = [];
  /**
   * Resolves when a catch-up may read the log (socket-server: once this process's write batch, if
   * one waits for or holds the store's write lock, has committed). On a cluster another node's
   * commit hands the lock to this one and announces itself at the same moment; read then, its
   * changes were parsed, projected and sent on this event loop while this node held the lock, and
   * every node's batches grew longer by the other's fan-out.
   */
  mayRead: () => Promise<void> = () => Promise.resolve();
  /** Runs a publication (the socket server holds each socket's frames of it for one write: OutputHold). */
  deliver: (work: () => void) => void = (work) => work();
  readonly #listeners: ((change: PublishedChange) => void)[] = [];
  readonly #packedMin: number;

  /**
   * @param announce tells the other processes that a change up to `seq` committed here (nothing
   *   to do with one process).
   * @param packedMin fewest changes of a room's batch sent packed to the sockets that asked.
   */
  constructor(io: WaymarkIo, logger: Logger, source: ChangeSource, announce: (seq: number) => void = () => {}, packedMin = PACKED_LIVE_MIN) {
    this.#packedMin = Math.max(1, packedMin);
    this.#io = io;
    this.#logger = logger;
    this.#source = source;
    this.#announce = announce;
    this.#ready = source.headSeq().then((head) => {
      this.#published ??= head;
    });
  }

  /** Resolves once the publisher knows where the log stood when it started. */
  ready(): Promise<void> {
    return this.#ready;
  }

  /** The last sequence number published: every change up to it has been sent to this process's rooms. */
  get publishedSeq(): number {
    return this.#published ?? 0;
  }

  /** Remembers a room's audience when a socket joins it. */
  register(room: AudienceRoom): void {
    this.#rooms.set(room.name, room);
  }

  /** Calls `listener` after each change published to this process's rooms (the consular notifier). */
  onPublished(listener: (change: PublishedChange) => void): void {
    this.#listeners.push(listener);
  }

  /** A change this process committed. Called only after the transaction commits. */
  publish(change: PublishedChange): void {
    this.publishAll([change]);
  }

  /**
   * Changes this process committed together (one group commit), in commit order. Called only after
   * the transaction commits. Each room gets them in one message (`changes`; `change` when it may
   * see only one; `changesPacked` to the sockets that asked, for a big batch), so a batch costs
   * each socket one message, not one per change.
   */
  publishAll(changes: readonly PublishedChange[]): void {
    const last = changes.at(-1);
    if (!last) return;
    const published = this.#published;
    if (published !== null && this.#held.length === 0 && changes.every((change, i) => change.seq === published + 1 + i)) {
      this.#emit(changes);
      this.#published = last.seq;
    } else if (published === null || last.seq > published) {
      // Something committed before or between them is not published yet (another process's change
      // on its way): the log has it, and the catch-up sends it, then these.
      this.#held.push(changes);
      void this.catchUp(last.seq);
    }
    this.#announce(last.seq);
  }

  /**
   * Publishes every committed change up to `uptoSeq` (default: the log's head) not yet published
   * here: another process announced a commit, or the periodic check found one.
   */
  catchUp(uptoSeq?: number): Promise<void> {
    const run = this.#catching.then(() => this.#catchUpNow(uptoSeq));
    // A failed read is logged by the caller; the next catch-up starts afresh.
    this.#catching = run.catch(() => undefined);
    return run;
  }

  async #catchUpNow(uptoSeq: number | undefined): Promise<void> {
    await this.#ready;
    const target = uptoSeq ?? (await this.#source.headSeq());
    for (;;) {
      const from = this.#published ?? 0;
      if (from >= target) return;
      const held = this.#nextHeld(from);
      if (held && held[0]!.seq <= from + 1) {
        this.#deliverFrom(held);
        continue;
      }
      await this.mayRead();
      // Only the gap before the next held batch: this process's own changes are not read back.
      const gapEnd = held ? Math.min(target, held[0]!.seq - 1) : target;
      const changes = await this.#source.between(this.#published ?? 0, gapEnd, READ_BATCH);
      // An announcement follows its commit, so the log holds it; stop rather than spin if not.
      if (changes.length === 0) return;
      // A held batch that follows what was read at once goes in the same message.
      const lastRead = changes.at(-1)!.seq;
      const next = this.#nextHeld(lastRead);
      this.#deliverFrom(next && next[0]!.seq <= lastRead + 1 ? [...changes, ...next.filter((change) => change.seq > lastRead)] : changes);
    }
  }

  /** The first held batch with a change after `seq`; those wholly at or below it are dropped (sent). */
  #nextHeld(seq: number): readonly PublishedChange[] | undefined {
    while (this.#held.length > 0 && this.#held[0]!.at(-1)!.seq <= seq) this.#held.shift();
    return this.#held[0];
  }

  /** Sends the changes of `changes` not published yet (one of this process's batches may have gone out meanwhile). */
  #deliverFrom(changes: readonly PublishedChange[]): void {
    const fresh = changes.filter((change) => change.seq > (this.#published ?? 0));
    const last = fresh.at(-1);
    if (!last) return;
    this.deliver(() => this.#emit(fresh));
    this.#published = last.seq;
    this.#nextHeld(last.seq);
  }

  /**
   * A room's events of one batch: packed to the sockets that asked for it, JSON to the others; none
   * to the sockets in `except` (personal rooms, which get their own version of the batch). Returns
   * the packed bytes when it built them, for the personal rooms to share.
   */
  #send(room: string, events: ChangeEvent[], live: Map<string, Set<string>>, except: string[] = []): Buffer | null {
    if (events.length === 0) return null;
    const to = (name: string, also: string[] = []) => {
      const excluded = [...also, ...except];
      return excluded.length === 0 ? this.#io.local.to(name) : this.#io.local.to(name).except(excluded);
    };
    const packedRoom = packedRoomOf(room);
    const packedMembers = live.get(packedRoom)?.size ?? 0;
    if (events.length < this.#packedMin || packedMembers === 0) {
      if (events.length === 1) to(room).emit('change', events[0]!);
      else to(room).emit('changes', events);
      return null;
    }
    // level 1: five times faster than the default for nearly the same size on these columns.
    const packed = gzipSync(changesToBytes(encodeChanges(events)), { level: 1 });
    to(packedRoom).emit('changesPacked', packed);
    // Everyone else in the room, as JSON (skipped, with its encoding, when everyone asked packed).
    if ((live.get(room)?.size ?? 0) > packedMembers) to(room, [packedRoom]).emit('changes', events);
    return packed;
  }

  /**
   * A member's version of a personal room's batch (see AudienceRoom.personal), in one message and
   * in order, since a second message for it alone would arrive after changes with higher sequence
   * numbers and the client would take it for stale. Its sockets that asked for packed batches get
   * the room's packed bytes with the member's own changes laid over them (`overlayChanges`), so a
   * batch is encoded once however many phones it concerns; the others get it as JSON.
   */
  #sendPersonal(
    name: string,
    shared: (ChangeEvent | null)[],
    own: Map<number, ChangeEvent | null>,
    packed: Buffer | null,
    live: Map<string, Set<string>>,
  ): void {
    const mine = shared.map((event, index) => (own.has(index) ? (own.get(index) ?? null) : event)).filter((e): e is ChangeEvent => e !== null);
    if (mine.length === 0) return;
    const overlay = [...own.values()].filter((e): e is ChangeEvent => e !== null);
    // Own changes only add to what the room gets (a member sees at least what the room sees); were
    // one to take something away, the overlay could not say so: that member gets JSON.
    const overlays = [...own].every(([index, event]) => event !== null || shared[index] === null);
    const packedRoom = packedRoomOf(name);
    if (packed && overlays && (live.get(packedRoom)?.size ?? 0) > 0) {
      this.#io.local.to(packedRoom).emit('changesPacked', packed, overlay);
      if ((live.get(name)?.size ?? 0) > (live.get(packedRoom)?.size ?? 0)) this.#io.local.to(name).except(packedRoom).emit('changes', mine);
      return;
    }
    if (mine.length === 1) this.#io.local.to(name).emit('change', mine[0]!);
    else this.#io.local.to(name).emit('changes', mine);
  }

  /**
   * The changes of a batch that concern a member of a personal room (see AudienceRoom.personal),
   * projected for that member alone: by member, the index in `changes` and the event (null: none).
   * Only members with a socket here; a change concerns its reporter and its follow-up teams, so
   * this costs a projection or two per change, not one per field phone.
   */
  #personal(room: AudienceRoom, changes: readonly PublishedChange[], live: Map<string, Set<string>>): Map<string, Map<number, ChangeEvent | null>> {
    const byUser = new Map<string, Map<number, ChangeEvent | null>>();
    changes.forEach((change, index) => {
      // A site is the same for every member of the room: nothing personal to lay over it. A field
      // phone receives no movement, its own user's or another's.
      if (room.audience.crisisId !== change.crisisId || isSiteChange(change) || isMovementChange(change)) return;
      const users = new Set([...(change.before ? fieldUsersOf(change.before) : []), ...fieldUsersOf(change.after)]);
      for (const userId of users) {
        if (!live.has(personalRoomOf(room.name, userId))) continue;
        let own = byUser.get(userId);
        if (!own) byUser.set(userId, (own = new Map()));
        own.set(index, projectChange({ ...room.audience, userId }, change.seq, change.before, change.after, change.erased));
      }
    });
    return byUser;
  }

  #emit(batch: readonly PublishedChange[]): void {
    if (batch.length === 0) return;
    const changes = endStates(batch);
    // This process's rooms only (`local`): the other processes publish the same changes to theirs.
    const live = this.#io.of('/').adapter.rooms;
    const rooms = new Map<number, number>();
    for (const room of this.#rooms.values()) {
      if (!live.has(room.name)) {
        this.#rooms.delete(room.name);
        continue;
      }
      // Each change projected for the room, by its index in the batch (null: nothing for the room).
      const shared = changes.map((change) => (room.audience.crisisId === change.crisisId ? projectPublished(room.audience, change) : null));
      const events: ChangeEvent[] = [];
      for (const event of shared) {
        if (!event) continue;
        events.push(event);
        rooms.set(event.seq, (rooms.get(event.seq) ?? 0) + 1);
      }
      const personal = room.personal ? this.#personal(room, changes, live) : new Map<string, Map<number, ChangeEvent | null>>();
      const names = [...personal.keys()].map((userId) => personalRoomOf(room.name, userId));
      const packed = this.#send(room.name, events, live, names);
      for (const [userId, own] of personal) this.#sendPersonal(personalRoomOf(room.name, userId), shared, own, packed, live);
    }
    // One line per published batch; the per-change detail only at debug level (at thousands of
    // changes a second, a line each was a cost of its own).
    this.#logger.info('changes.published', { fromSeq: batch[0]!.seq, toSeq: batch.at(-1)!.seq, changes: batch.length });
    for (const change of changes) {
      this.#logger.debug('change.published', { seq: change.seq, rooms: rooms.get(change.seq) ?? 0 });
      for (const listener of this.#listeners) listener(change);
    }
  }
}
