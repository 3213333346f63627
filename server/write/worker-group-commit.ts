import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { describeError, type Logger } from '../log';
import type { Actor, CommandOutcome, CommittedChange } from '../services/group.service';
import type { Command } from '../../shared/schemas/command.schema';
import { answer, DEFAULT_MAX_BATCH, notApplied, publishThenAnswer, type FlushStats, type GroupCommitOptions, type WritePath } from './group-commit';
import type { WorkerReply, WorkerRequest, WriteWorkerData } from './worker-protocol';

/**
 * The group commit with its SQLite work on a worker thread (server/write/write-worker.ts) that owns
 * its own write connection to the same database file, so the transaction (rules, inserts, the
 * commit's fsync) runs on another core while this event loop receives, publishes and answers.
 *
 * The invariants of GroupCommit (see its header) hold unchanged, since the worker runs exactly its
 * flush:
 * - One batch in flight at a time; the next collects meanwhile. Batches are sent in arrival order
 *   and the worker runs a batch's commands in order, so arrival order is commit order and a
 *   repeated command id finds the first.
 * - Nothing is published or answered before the worker reports the commit. Its changes are then
 *   published together, in commit order, and the commands answered in order.
 * - A failed commit (in the worker) answers the batch `internal` and publishes nothing.
 * - If the worker dies (or cannot start), its batch in flight is answered `internal` and nothing of
 *   it is published: it either did not commit, or committed and the client's retry finds its
 *   idempotency record (the periodic catch-up publishes it). The worker is started again; while a
 *   worker fails to start, commands are answered `internal` and the restart backs off.
 *
 * Everything else (imports, admin, coordination, sync) keeps the main connection: two writers on one
 * WAL database, serialized by SQLite's lock (busy_timeout), as with several server processes.
 */
export interface WorkerGroupCommitOptions extends GroupCommitOptions {
  /** The app's clock (epoch ms): sent with each batch, so tests that move it move the worker's too. */
  now?: () => number;
  /** Batches sent to the worker before the first is answered (default DEFAULT_MAX_IN_FLIGHT). */
  maxInFlight?: number;
}

/**
 * One: the next batch collects while the worker runs this one. Two keeps the worker busy while this
 * thread publishes (the worker runs batches one after the other in the order sent, so order and
 * every invariant still hold), but batches get smaller and this thread's cost is mostly per batch
 * (a message to every socket of a room): on the 2-core bench, ingest measured within noise of one
 * (about 6,100/s against 5,600/s, in-process about 6,000/s), so the simpler one stays.
 */
export const DEFAULT_MAX_IN_FLIGHT = 1;

interface Pending {
  actor: Actor;
  command: Command;
  done: (outcome: CommandOutcome) => void;
  sessionId: string | null;
}

interface InFlight {
  id: number;
  batch: Pending[];
  started: number;
}

/** Longest wait before starting again a worker that keeps failing to start. */
const MAX_RESTART_DELAY_MS = 5_000;

/**
 * The worker's code. Built (dist-server/, scripts/build-server.js), this module is part of a
 * bundle beside write-worker.js. Run as TypeScript (vitest for tests, tsx for the bench), it
 * registers tsx's loader, then imports write-worker.ts: Node 20 does not apply a parent's
 * `--import tsx` to a worker's entry file, so the worker registers the loader itself.
 */
function workerBootstrap(): string {
  if (!import.meta.url.endsWith('.ts')) return `import(${JSON.stringify(new URL('./write-worker.js', import.meta.url).href)});`;
  const tsxApi = new URL('./dist/esm/api/index.mjs', pathToFileURL(createRequire(import.meta.url).resolve('tsx/package.json')));
  const entry = new URL('./write-worker.ts', import.meta.url);
  return `import(${JSON.stringify(tsxApi.href)}).then(({ register }) => { register(); return import(${JSON.stringify(entry.href)}); });`;
}

export class WorkerGroupCommit implements WritePath {
  readonly #databaseFile: string;
  readonly #publish: (changes: readonly CommittedChange[]) => void;
  readonly #logger: Logger;
  readonly #maxBatch: number;
  readonly #now: () => number;
  #worker: Worker | null = null;
  /** Whether the current worker said it opened its connection. */
  #ready = false;
  /** Workers in a row that died before being ready (the restart's back-off). */
  #startFailures = 0;
  #restartTimer: NodeJS.Timeout | null = null;
  #queue: Pending[] = [];
  #scheduled: NodeJS.Immediate | null = null;
  /** Batches sent and not yet answered, oldest first (at most `#maxInFlight`). */
  #inFlight: InFlight[] = [];
  readonly #maxInFlight: number;
  #nextId = 1;
  #closed = false;
  #idle: (() => void)[] = [];
  /** Workers started so far, and how many of them opened their connection (a test waits on them). */
  #starts = 0;
  #readyCount = 0;
  onFlush: ((stats: FlushStats) => void) | null = null;
  deliver: (work: () => void) => void = (work) => work();
  /** Called when a worker has opened its connection, with how many have (tests wait for a restart with it). */
  onWorkerReady: ((ready: number) => void) | null = null;

  constructor(databaseFile: string, publish: (changes: readonly CommittedChange[]) => void, logger: Logger, options: WorkerGroupCommitOptions = {}) {
    this.#databaseFile = databaseFile;
    this.#publish = publish;
    this.#logger = logger;
    this.#maxBatch = Math.max(1, options.maxBatch ?? DEFAULT_MAX_BATCH);
    this.#now = options.now ?? Date.now;
    this.#maxInFlight = Math.max(1, options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT);
    this.#start();
  }

  submit(actor: Actor, command: Command, done: (outcome: CommandOutcome) => void, sessionId: string | null = null): void {
    if (this.#closed) {
      answer(this.#logger, done, { ack: notApplied(), committed: [] });
      return;
    }
    this.#queue.push({ actor, command, done, sessionId });
    if (this.#inFlight.length >= this.#maxInFlight) return; // sent when a batch in flight comes back
    if (this.#queue.length >= this.#maxBatch) this.flush();
    else this.#scheduled ??= setImmediate(() => this.flush());
  }

  execute(actor: Actor, command: Command): Promise<CommandOutcome> {
    return new Promise((resolve) => this.submit(actor, command, resolve));
  }

  get waiting(): number {
    return this.#queue.length;
  }

  /** Workers started so far (1 after construction; 2 after one restart). */
  get workerStarts(): number {
    return this.#starts;
  }

  /** Workers that said they opened their connection. */
  get workerReadyCount(): number {
    return this.#readyCount;
  }

  /** Sends the waiting commands (up to maxBatch) to the worker, unless a batch is in flight. */
  flush(): void {
    if (this.#scheduled) {
      clearImmediate(this.#scheduled);
      this.#scheduled = null;
    }
    if (this.#inFlight.length >= this.#maxInFlight || this.#queue.length === 0) return;
    const worker = this.#worker;
    const batch = this.#queue.splice(0, this.#maxBatch);
    if (!worker) {
      // No worker (it failed to start; the restart is waiting): answer rather than hang.
      this.#fail(batch);
      this.#afterBatch();
      return;
    }
    const id = this.#nextId++;
    this.#inFlight.push({ id, batch, started: performance.now() });
    const request: WorkerRequest = {
      type: 'batch',
      id,
      now: this.#now(),
      items: batch.map(({ actor, command, sessionId }) => ({ actor, command, sessionId })),
    };
    try {
      worker.postMessage(request);
    } catch (error) {
      // A command that cannot be copied to the worker (not the parsed schema's output): nothing sent.
      this.#logger.error('write.batch_not_sent', { commands: batch.length, ...describeError(error) });
      this.#inFlight.pop();
      this.#fail(batch);
      this.#afterBatch();
    }
  }

  /** For a test: the worker exits half-way through its next batch's transaction. */
  crashNextBatch(): void {
    this.#worker?.postMessage({ type: 'crash-next-batch' } satisfies WorkerRequest);
  }

  /** Sends what is waiting, waits for every answer, then ends the worker. Later commands get `internal`. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#restartTimer) clearTimeout(this.#restartTimer);
    this.#restartTimer = null;
    if (this.#inFlight.length > 0 || this.#queue.length > 0) {
      const drained = new Promise<void>((resolve) => this.#idle.push(resolve));
      this.flush();
      await drained;
    }
    const worker = this.#worker;
    this.#worker = null;
    await worker?.terminate();
  }

  #start(): void {
    this.#restartTimer = null;
    if (this.#closed) return;
    this.#starts += 1;
    this.#ready = false;
    const data: WriteWorkerData = { databaseFile: this.#databaseFile };
    const worker = new Worker(workerBootstrap(), { eval: true, workerData: data });
    this.#worker = worker;
    worker.on('message', (reply: WorkerReply) => this.#onReply(worker, reply));
    worker.on('error', (error) => this.#logger.error('write.worker_failed', describeError(error)));
    worker.on('messageerror', (error) => this.#logger.error('write.worker_message_failed', describeError(error)));
    worker.on('exit', (code) => this.#onExit(worker, code));
  }

  #onReply(worker: Worker, reply: WorkerReply): void {
    if (worker !== this.#worker) return;
    if (reply.type === 'log') {
      this.#logger[reply.level](reply.event, reply.fields);
      return;
    }
    if (reply.type === 'ready') {
      this.#ready = true;
      this.#readyCount += 1;
      this.#startFailures = 0;
      this.onWorkerReady?.(this.#readyCount);
      return;
    }
    const flight = this.#inFlight[0];
    if (!flight || flight.id !== reply.id) {
      this.#logger.error('write.worker_unexpected_reply', { id: reply.id });
      return;
    }
    this.#inFlight.shift();
    const committedAt = performance.now();
    const committed = reply.outcomes.flatMap((outcome) => outcome.committed);
    this.deliver(() =>
      publishThenAnswer(this.#logger, this.#publish, committed, () =>
        flight.batch.forEach((item, i) => answer(this.#logger, item.done, reply.outcomes[i] ?? { ack: notApplied(), committed: [] })),
      ),
    );
    const ended = performance.now();
    this.onFlush?.({
      commands: flight.batch.length,
      committed: committed.length,
      ms: ended - flight.started,
      applyMs: reply.applyMs,
      commitMs: reply.commitMs,
      publishMs: ended - committedAt,
    });
    this.#afterBatch();
  }

  #onExit(worker: Worker, code: number): void {
    if (worker !== this.#worker) return;
    this.#worker = null;
    const flights = this.#inFlight.splice(0);
    const flight = flights.length > 0 ? { batch: flights.flatMap((f) => f.batch) } : null;
    if (this.#closed) {
      if (flight) this.#fail(flight.batch);
      this.#fail(this.#queue.splice(0));
      this.#afterBatch();
      return;
    }
    this.#logger.error('write.worker_exited', { code, ready: this.#ready, commands: flight?.batch.length ?? 0 });
    // Not published: it did not commit, or it did and the client's retry finds its idempotency record.
    if (flight) this.#fail(flight.batch);
    if (this.#ready) {
      this.#start();
    } else {
      // It could not even start (the database file unreadable, say): nothing waits on a dead end.
      this.#startFailures += 1;
      this.#fail(this.#queue.splice(0));
      const delay = Math.min(MAX_RESTART_DELAY_MS, 100 * 2 ** this.#startFailures);
      this.#restartTimer = setTimeout(() => this.#start(), delay);
      this.#restartTimer.unref();
    }
    this.#afterBatch();
  }

  /** After a batch is answered: send what collected meanwhile, or tell close() all is answered. */
  #afterBatch(): void {
    // Without a worker, flush answers them `internal` rather than leave them waiting.
    if (this.#queue.length > 0) this.flush();
    if (this.#inFlight.length === 0 && this.#queue.length === 0) {
      for (const resolve of this.#idle.splice(0)) resolve();
    }
  }

  #fail(batch: readonly Pending[]): void {
    for (const item of batch) answer(this.#logger, item.done, { ack: notApplied(), committed: [] });
  }
}
