import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { Role } from '../../shared/schemas/user.schema';

/** Accounts the bench needs on the Waymark server, each with its own session later. */
export interface UsersWanted {
  field?: number;
  coordinator?: number;
  /** One consulate agency per state, with `embassyPerState` embassy users each. */
  embassyStates?: string[];
  embassyPerState?: number;
}
export interface ProvisionedUser {
  username: string;
  password: string;
  role: Role;
  servesState: string | null;
}
export interface ChildStats {
  batches: number;
  commands: number;
  largestBatch: number;
  /** Time spent in flushes (apply + commit + publish), ms, and in each part. */
  flushMs: number;
  applyMs: number;
  commitMs: number;
  publishMs: number;
  /**
   * CPU time the server process used (user + system, all its threads: the event loop, SQLite's
   * fsync in the kernel, socket writes), ms. Counted for the bare servers too.
   */
  cpuMs: number;
}

/** Mean milliseconds per commit of each part of a flush. */
export function perCommit(stats: ChildStats): { apply: number; commit: number; publish: number; commands: number } {
  const n = Math.max(1, stats.batches);
  return { apply: stats.applyMs / n, commit: stats.commitMs / n, publish: stats.publishMs / n, commands: stats.commands / n };
}
export type ChildRequest =
  { type: 'start'; kind: 'waymark' | 'echo' | 'broadcast'; users?: UsersWanted; maxBatch?: number } | { type: 'stats' } | { type: 'stop' };
export interface ChildReady {
  type: 'ready';
  url: string;
  users: ProvisionedUser[];
  crisisId: string | null;
}

/** A bench server running in a child process (bench/support/child.ts). */
export interface BenchServer extends Omit<ChildReady, 'type'> {
  /** Group-commit batches since the last call (Waymark only; zeros for the bare servers). */
  stats(): Promise<ChildStats>;
  stop(): Promise<void>;
}

function request<T>(child: ChildProcess, message: ChildRequest, answer: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: { type: string; message?: string }) => {
      if (m.type === 'error') reject(new Error(m.message));
      else if (m.type === answer) resolve(m as T);
      else return;
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    const onExit = (code: number | null) => reject(new Error(`the bench server exited (${code})`));
    child.on('message', onMessage);
    child.once('exit', onExit);
    child.send(message);
  });
}

/** Starts a bench server of `kind` in its own process; resolves once it listens. */
export async function startBenchServer(kind: 'waymark' | 'echo' | 'broadcast', options: { users?: UsersWanted; maxBatch?: number } = {}): Promise<BenchServer> {
  const profile = process.env.BENCH_PROFILE;
  const child = fork(path.resolve('bench/support/child.ts'), [], {
    execArgv: ['--import', 'tsx', ...(profile ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(profile)}`] : [])],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ready = await request<ChildReady>(child, { type: 'start', kind, ...options }, 'ready');
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    url: ready.url,
    users: ready.users,
    crisisId: ready.crisisId,
    stats: async () => (await request<{ stats: ChildStats }>(child, { type: 'stats' }, 'stats')).stats,
    async stop() {
      child.send({ type: 'stop' });
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 15_000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}
