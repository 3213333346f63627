import { describeError, type Logger } from '../log';
import { PlainTransactionNeeded, type BatchKeys } from '../repositories/contract';
import type { Repositories } from '../repositories/repositories';
import type { Actor } from '../services/group.service';
import { isMovementChange, isSiteChange, type CommandExecutor, type PublishedChange, type WriteOutcome } from '../services/command.service';
import { endStates, entityOf } from '../services/committed-changes';
import { projectGroup } from '../../shared/projection';
import { projectMovement } from '../../shared/movements';
import { commandSubjectId, isMovementCommand, isSiteCommand, type Command } from '../../shared/schemas/command.schema';
import type { Audience } from '../../shared/projection';
import type { ConnectionState } from '../repositories/session.repository';
import { failure } from '../../shared/protocol';

/**
 * Group commit: commands that arrive together are applied in ONE transaction and made
 * durable by one commit (one fsync with synchronous=FULL) instead of one each.
 *
 * - Each command still runs through `GroupService.execute`, which owns every rule. Called inside
 *   the batch's transaction, its own transaction becomes a savepoint, so a command that throws
 *   rolls back only itself; a refused command writes nothing in the first place.
 * - Commands run in arrival order on the one connection, so a later command of the batch sees
 *   the earlier ones: a repeated command id finds the first one's idempotency record, and a stale
 *   `baseVersion` is judged against the version an earlier command of the batch made.
 * - Nothing is published or acknowledged before the commit returns. The batch's changes are then
 *   published together, so a socket gets one message for all it may see of them. If the commit fails, every
 *   command of the batch is answered `internal` and nothing is published; the clients resend.
 * - A batch is flushed at the end of the current turn of the event loop (setImmediate: after every
 *   message that arrived in this poll has been queued), or at once when `maxBatch` are waiting.
 *   A lone command therefore waits for no timer.
 *
 * - A command sent over a connection names its session: the batch reads every such session, with
 *   its user, in one query inside its transaction, and refuses (`unauthorized`) each command whose
 *   session ended or whose user is disabled or no longer who the connection was opened for, even
 *   if that was changed by another process a moment ago. One read per batch, not two or three per
 *   command, and atomic with the writes it guards.
 *
 * - The batch runs in `repos.writeBatch`: on PostgreSQL its rows are held in memory and written in
 *   one statement before COMMIT, and the command ids and group ids it names are read up front in one
 *   query each, so a batch costs a handful of round trips however many commands it holds
 *   (pg/write-buffer.ts). If that cannot be done faithfully, the engine runs the batch again as a
 *   plain transaction: the batch's work is only database work until it returns, so that is safe.
 *
 * The batch's transaction holds the store's write lock from BEGIN to COMMIT, so code that calls
 * `GroupService.execute` directly (imports, other services) waits for it and never joins it.
 */
export interface GroupCommitOptions {
  /** Most commands in one transaction (default 512). */
  maxBatch?: number;
}

/** How a batch checks the sessions its commands were sent with (AuthService does this). */
export interface SessionCheck {
  liveConnections(sessionIds: readonly string[]): Promise<Map<string, ConnectionState>>;
  connectionMatches(state: ConnectionState | undefined, audience: Audience): boolean;
}

export const DEFAULT_MAX_BATCH = 512;

/** The socket commands' write path (GroupCommit; tests may stand in for it). */
export interface WritePath {
  /** Queues a parsed, authorized command; `done` is called once it is committed and published (or refused). */
  submit(actor: Actor, command: Command, done: (outcome: WriteOutcome) => void, sessionId?: string | null): void;
  execute(actor: Actor, command: Command): Promise<WriteOutcome>;
  /** Commands waiting for the next flush. */
  readonly waiting: number;
  /** Starts a flush of what waits (if none runs); resolves when the queue is empty. */
  flush(): Promise<void>;
  /** Called after each flush (the bench counts batch sizes with it). */
  onFlush: ((stats: FlushStats) => void) | null;
  /**
   * Runs a batch's publishing and answering (the socket server gives each socket's frames of it
   * one write: OutputHold).
   */
  deliver: (work: () => void) => void;
  /** Answers what is waiting (and waits for the batch under way). */
  close(): Promise<void>;
  /** Resolves once no batch of this path holds or waits for the store's write lock (at once when none does). */
  unlocked(): Promise<void>;
}

interface Pending {
  actor: Actor;
  command: Command;
  done: (outcome: WriteOutcome) => void;
  /** The session the command came with; checked in the batch's transaction. */
  sessionId: string | null;
}

/** What a flush did, for logs and the bench (no personal values). */
export interface FlushStats {
  commands: number;
  committed: number;
  /** The whole flush: apply, commit, publish, answer. */
  ms: number;
  /** Applying the commands inside the transaction (rules, SQL statements). */
  applyMs: number;
  /** BEGIN and COMMIT (with synchronous=FULL, the fsync): the event loop waits for the disk. */
  commitMs: number;
  /** Projecting and sending the changes to the rooms, then the acks. */
  publishMs: number;
}

export class GroupCommit implements WritePath {
  readonly #repos: Repositories;
  readonly #groups: CommandExecutor;
  readonly #publish: (changes: readonly PublishedChange[]) => void;
  readonly #logger: Logger;
  readonly #maxBatch: number;
  readonly #sessions: SessionCheck | null;
  #queue: Pending[] = [];
  #scheduled: NodeJS.Immediate | null = null;
  /** The flush under way, if any. */
  #running: Promise<void> | null = null;
  /**
   * While a batch asks for or holds the write lock (from before its BEGIN to its commit): what
   * `unlocked` waits for. From before BEGIN: on a cluster the other node's commit grants the lock
   * here and announces itself at the same moment, and a read started then ran beside this batch.
   */
  #locked: { done: Promise<void>; release: () => void } | null = null;
  /** Called after each flush (the bench counts batch sizes with it). */
  onFlush: ((stats: FlushStats) => void) | null = null;
  deliver: (work: () => void) => void = (work) => work();

  constructor(
    repos: Repositories,
    groups: CommandExecutor,
    /** Sends a batch's changes, in commit order, to the rooms that may see them. */
    publish: (changes: readonly PublishedChange[]) => void,
    logger: Logger,
    options: GroupCommitOptions = {},
    sessions: SessionCheck | null = null,
  ) {
    this.#sessions = sessions;
    this.#repos = repos;
    this.#groups = groups;
    this.#publish = publish;
    this.#logger = logger;
    this.#maxBatch = Math.max(1, options.maxBatch ?? DEFAULT_MAX_BATCH);
  }

  /**
   * Queues a parsed, authorized command; `done` is called once it is committed and published (or
   * refused). With a `sessionId`, the command is refused `unauthorized` unless that session is still
   * live for `actor` when the batch runs.
   */
  submit(actor: Actor, command: Command, done: (outcome: WriteOutcome) => void, sessionId: string | null = null): void {
    this.#queue.push({ actor, command, done, sessionId });
    if (this.#running) return; // the running flush takes the queue when it ends
    if (this.#queue.length >= this.#maxBatch) void this.flush();
    else this.#scheduled ??= setImmediate(() => void this.flush());
  }

  /** The same as `submit`, as a promise. */
  execute(actor: Actor, command: Command): Promise<WriteOutcome> {
    return new Promise((resolve) => this.submit(actor, command, resolve));
  }

  /** Commands waiting for the next flush. */
  get waiting(): number {
    return this.#queue.length;
  }

  unlocked(): Promise<void> {
    return this.#locked?.done ?? Promise.resolve();
  }

  #lock(): void {
    // One batch at a time (#drain); were a second to start, it would share the mark rather than
    // leave the first's waiters on a promise nobody resolves.
    if (this.#locked) return;
    let release = () => {};
    const done = new Promise<void>((resolve) => (release = resolve));
    this.#locked = { done, release };
  }

  #unlock(): void {
    this.#locked?.release();
    this.#locked = null;
  }

  /** Flushes what is waiting and waits for it; the connection is its opener's to close. */
  async close(): Promise<void> {
    await this.flush();
  }

  /**
   * Applies, commits, publishes and answers what is waiting, one batch at a time: a batch starts
   * only when the one before it has committed and been published, so this process publishes its
   * changes in commit order. What arrives meanwhile waits and goes in the next batch.
   */
  flush(): Promise<void> {
    if (this.#scheduled) {
      clearImmediate(this.#scheduled);
      this.#scheduled = null;
    }
    if (this.#running) return this.#running;
    if (this.#queue.length === 0) return Promise.resolve();
    this.#running = this.#drain().finally(() => {
      this.#running = null;
    });
    return this.#running;
  }

  async #drain(): Promise<void> {
    while (this.#queue.length > 0) await this.#flushBatch();
  }

  /**
   * One batch. Its commands are taken from the queue only once the write lock is held: on a
   * cluster another node may hold the lock for a whole batch of its own, and whatever arrived here
   * meanwhile joins this batch instead of waiting for the next turn. Taken once: a batch that
   * runs again (see the contract) runs the same commands.
   */
  async #flushBatch(): Promise<void> {
    const started = performance.now();
    let taken: Pending[] | null = null;
    const take = (): Pending[] => (taken ??= this.#queue.splice(0, this.#maxBatch));
    let applyMs = 0;
    let outcomes: WriteOutcome[];
    // The sessions' read, asked with the engine's up-front reads when it makes them (PostgreSQL):
    // one more statement sent back to back with them instead of a round trip of its own. Asked
    // again on each run of the batch: a run's reads belong to its transaction.
    let sessionsRead: Promise<boolean[]> | null = null;
    this.#lock();
    try {
      // writeBatch may run this twice (see the contract): it only reads and writes the database.
      outcomes = await this.#repos.writeBatch(
        async () => {
          const batch = take();
          const applying = performance.now();
          const allowed = await (sessionsRead ?? this.#sessionsAllow(batch));
          sessionsRead = null;
          // One after another: a later command of the batch sees what the earlier ones wrote.
          const applied: WriteOutcome[] = [];
          for (const [i, item] of batch.entries()) applied.push(allowed[i] ? await this.#applyOne(item) : { ack: sessionEnded(), committed: [] });
          applyMs = performance.now() - applying;
          return applied;
        },
        () => {
          const read = this.#sessionsAllow(take());
          // Awaited by the batch; should the up-front reads fail first, the batch never asks.
          read.catch(() => undefined);
          sessionsRead = read;
          return batchKeys(take());
        },
      );
    } catch (error) {
      // The commit (or the batch's BEGIN) failed: nothing of the batch is stored, so nothing is
      // published, and every sender learns it was not applied.
      // A batch whose BEGIN failed took nothing yet: what it would have taken is answered.
      this.#logger.error('write.batch_failed', { commands: take().length, ...describeError(error) });
      outcomes = take().map(() => ({ ack: notApplied(), committed: [] }));
    } finally {
      this.#unlock();
    }
    const batch = take();
    // Committed: publish in commit order, then answer. A writer holding its ack knows every room
    // has been sent its change.
    const committedAt = performance.now();
    const committed = outcomes.flatMap((outcome) => outcome.committed);
    const answers = acksAtBatchEnd(batch, outcomes, committed);
    this.deliver(() =>
      publishThenAnswer(this.#logger, this.#publish, committed, () => batch.forEach((item, i) => answer(this.#logger, item.done, answers[i]!))),
    );
    const ended = performance.now();
    this.onFlush?.({
      commands: batch.length,
      committed: committed.length,
      ms: ended - started,
      applyMs,
      commitMs: committedAt - started - applyMs,
      publishMs: ended - committedAt,
    });
  }

  /** Whether each command's session is still live for its actor: one read for the whole batch. */
  async #sessionsAllow(batch: readonly Pending[]): Promise<boolean[]> {
    const check = this.#sessions;
    const ids = new Set<string>();
    for (const item of batch) if (item.sessionId !== null) ids.add(item.sessionId);
    if (!check || ids.size === 0) return batch.map(() => true);
    const live = await check.liveConnections([...ids]);
    return batch.map((item) => item.sessionId === null || check.connectionMatches(live.get(item.sessionId), item.actor.audience));
  }

  async #applyOne(item: Pending): Promise<WriteOutcome> {
    try {
      return await this.#groups.execute(item.actor, item.command);
    } catch (error) {
      // execute's own transaction was a savepoint of the batch's: only this command rolled back.
      // If the database itself ended the whole transaction (disk full, I/O error, connection
      // lost), go no further: the batch's commit fails and every command of it is answered `internal`.
      if (!this.#repos.inTransaction() || error instanceof PlainTransactionNeeded) throw error;
      this.#logger.error('write.command_failed', { type: item.command.type, ...describeError(error) });
      return { ack: notApplied(), committed: [] };
    }
  }
}

/**
 * After a batch's commit: publishes its changes (in commit order), then answers its commands. A
 * writer holding its ack knows every room has been sent its change. A failed publish still answers.
 */
export function publishThenAnswer(
  logger: Logger,
  publish: (changes: readonly PublishedChange[]) => void,
  committed: readonly PublishedChange[],
  answerAll: () => void,
): void {
  try {
    publish(committed);
  } catch (error) {
    // The changes are stored; a client that missed them catches up by sequence number.
    logger.error('write.publish_failed', { changes: committed.length, ...describeError(error) });
  }
  answerAll();
}

/** Answers one command of a batch. */
export function answer(logger: Logger, done: (outcome: WriteOutcome) => void, outcome: WriteOutcome): void {
  try {
    done(outcome);
  } catch (error) {
    // One sender's broken callback must not leave the rest of the batch unanswered.
    logger.error('write.answer_failed', describeError(error));
  }
}

/** The command ids and group ids a batch's commands will look up. */
function batchKeys(batch: readonly Pending[]): BatchKeys {
  const groupIds: string[] = [];
  for (const { command } of batch) {
    // A site command looks up no group (its site row is read as it runs).
    if (isSiteCommand(command)) continue;
    if (isMovementCommand(command)) {
      // A movement command reads the group it puts on a manifest; the rest touch no group row.
      if (command.type === 'movement.addGroup') groupIds.push(command.groupId);
      continue;
    }
    groupIds.push(commandSubjectId(command));
    if (command.type === 'group.merge') groupIds.push(command.intoGroupId);
  }
  return { commandIds: batch.map((item) => item.command.commandId), groupIds };
}

const sessionEnded = () => failure('unauthorized', 'your session has ended; sign in again');
export const notApplied = () => failure('internal', 'the server could not handle this request; it was not applied');

/**
 * The acks of a batch as the batch left their subjects (protection rule 8). Every ack goes out
 * after the whole batch commits, so when a later command of the batch changed the same group or
 * movement again (a place corrected, a protection flag set, consent withdrawn), an ack carrying the
 * state its own command made, or the state a refused command met, would deliver a state that no
 * longer stands: it carries the final state instead (`endStates`, as the rooms get it), projected
 * for its sender, or none of it once the group is erased.
 */
export function acksAtBatchEnd(batch: readonly { actor: Actor }[], outcomes: readonly WriteOutcome[], committed: readonly PublishedChange[]): WriteOutcome[] {
  const final = new Map(endStates(committed).map((change) => [entityOf(change), change]));
  // The last seq committed by each command or one before it: a change above it came later.
  let through = 0;
  return outcomes.map((outcome, i) => {
    for (const change of outcome.committed) through = Math.max(through, change.seq);
    const audience = batch[i]?.actor.audience;
    if (!audience) return outcome;
    /** The entity's final state when a later command changed it: its view for the sender, or null; undefined when nothing came later. */
    const laterView = <V>(key: string, project: (change: PublishedChange) => V | null): V | null | undefined => {
      const change = final.get(key);
      return change && change.seq > through ? project(change) : undefined;
    };
    const ack = outcome.ack;
    const groupId = ack.ok ? ack.group?.group.id : ack.current?.group.id;
    const group =
      groupId === undefined
        ? undefined
        : laterView(`group:${groupId}`, (c) => (isSiteChange(c) || isMovementChange(c) || c.erased ? null : projectGroup(audience, c.after)));
    const movementId = ack.movement?.movement.id;
    const movement =
      movementId === undefined ? undefined : laterView(`movement:${movementId}`, (c) => (isMovementChange(c) ? projectMovement(audience, c.after) : null));
    if (group === undefined && movement === undefined) return outcome;
    if (ack.ok) {
      return { ...outcome, ack: { ...ack, ...(group === undefined ? {} : { group }), ...(movement === undefined ? {} : { movement }) } };
    }
    // A refusal's `current` and `movement` are optional: what the sender may no longer see is left out.
    const { current, movement: met, ...rest } = ack;
    const keptCurrent = group === undefined ? current : (group ?? undefined);
    const keptMovement = movement === undefined ? met : (movement ?? undefined);
    return { ...outcome, ack: { ...rest, ...(keptCurrent ? { current: keptCurrent } : {}), ...(keptMovement ? { movement: keptMovement } : {}) } };
  });
}
