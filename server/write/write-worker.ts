/**
 * The write worker (a `node:worker_threads` thread started by WorkerGroupCommit): it owns its own
 * connection to the database file and runs each batch it is sent exactly as the in-process
 * GroupCommit's flush does (one transaction: session check, every command through
 * `GroupService.execute` in arrival order, commit), then posts the outcomes back. The main thread
 * publishes and answers; nothing here talks to a socket.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { DEFAULT_SESSION_POLICY } from '../config';
import { openDatabase } from '../db/database';
import type { Logger, LogFields } from '../log';
import { createRepositories } from '../repositories/repositories';
import { AuthService } from '../services/auth.service';
import { GroupService, type CommandOutcome } from '../services/group.service';
import { GroupCommit, type FlushStats } from './group-commit';
import type { WorkerReply, WorkerRequest, WriteWorkerData } from './worker-protocol';

const port = parentPort;
if (!port) throw new Error('write-worker.ts runs as a worker thread only');
const post = (reply: WorkerReply) => port.postMessage(reply);

// Log lines go to the main thread's logger (the same fields rules apply: ids, codes, counts).
const log =
  (level: 'debug' | 'info' | 'warn' | 'error') =>
  (event: string, fields?: LogFields): void =>
    post({ type: 'log', level, event, fields: fields ?? {} });
const logger: Logger = { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };

const { databaseFile } = workerData as WriteWorkerData;
const db = openDatabase(databaseFile);
const repos = createRepositories(db);
/** The main thread's clock when it sent the batch: a command's times are the app's (tests move it). */
let now = Date.now();
const groups = new GroupService(repos, () => now);
/** For a test: end this thread half-way through the next batch's transaction (nothing commits). */
let crashInBatch = false;
const service = {
  execute: (...args: Parameters<GroupService['execute']>): CommandOutcome => {
    const outcome = groups.execute(...args);
    if (crashInBatch) process.exit(70);
    return outcome;
  },
};
// Only liveConnections/connectionMatches are used: neither reads the policy or the clock.
const sessions = new AuthService(repos, DEFAULT_SESSION_POLICY, () => now);
const commit = new GroupCommit(repos, service, () => {}, logger, { maxBatch: Number.MAX_SAFE_INTEGER }, sessions);
let last: FlushStats | null = null;
commit.onFlush = (stats) => {
  last = stats;
};

port.on('message', (request: WorkerRequest) => {
  if (request.type === 'crash-next-batch') {
    crashInBatch = true;
    return;
  }
  now = request.now;
  last = null;
  const outcomes: CommandOutcome[] = new Array<CommandOutcome>(request.items.length);
  request.items.forEach((item, i) => commit.submit(item.actor, item.command, (outcome) => (outcomes[i] = outcome), item.sessionId));
  commit.flush();
  const stats = last as FlushStats | null;
  post({ type: 'done', id: request.id, outcomes, applyMs: stats?.applyMs ?? 0, commitMs: stats?.commitMs ?? 0 });
});

post({ type: 'ready' });
