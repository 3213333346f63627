import { performance } from 'node:perf_hooks';
import { openLightClient, type LightAck, type LightClient } from './light-viewer';
import { signIn } from '../../test/support/clients';
import { summarise, type Latencies } from '../scenario';
import type { ProvisionedUser } from './processes';

/** A number from the environment, or the default. */
export function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  const value = raw === undefined || raw === '' ? NaN : Number(raw);
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Runs `task` over `items`, at most `width` at a time (sign-ins and connections in the hundreds). */
export async function inWaves<T, R>(items: readonly T[], width: number, task: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await task(items[i]!, i);
      }
    }),
  );
  return results;
}

/** Signs every user in (its own session) and connects one light client for each. */
export async function connectUsers(url: string, users: readonly ProvisionedUser[]): Promise<LightClient[]> {
  return inWaves(users, 20, async (user) => openLightClient(url, await signIn(url, user.username, user.password)));
}

/** Light clients of a bare server, no session. */
export function connectBare(url: string, count: number): Promise<LightClient[]> {
  return inWaves(Array.from({ length: count }), 50, () => openLightClient(url, null));
}

export interface LoopResult extends Latencies {
  perSecond: number;
  failed: number;
}

/** Every socket sends again as soon as its ack returns, for `seconds`. */
export async function closedLoop(sockets: readonly LightClient[], seconds: number, payload: () => unknown): Promise<LoopResult> {
  const run = await closedLoopRun(sockets, seconds, payload);
  return { perSecond: run.latencies.length / run.elapsed, failed: run.failed, ...summarise(run.latencies) };
}

async function closedLoopRun(
  sockets: readonly LightClient[],
  seconds: number,
  payload: () => unknown,
): Promise<{ latencies: number[]; failed: number; elapsed: number }> {
  const latencies: number[] = [];
  let failed = 0;
  const started = performance.now();
  const end = started + seconds * 1000;
  await Promise.all(
    sockets.map(async (socket) => {
      while (performance.now() < end) {
        const t0 = performance.now();
        const ack = await socket.send(payload());
        if (ack.ok) latencies.push(performance.now() - t0);
        else failed++;
      }
    }),
  );
  return { latencies, failed, elapsed: (performance.now() - started) / 1000 };
}

/**
 * Closed loops on several sets of sockets (one per configuration), taken in turn for `rounds`
 * rounds of `seconds` each (A, B, A, B...): both sides of a ratio then see the same drift of a
 * shared machine, which one configuration's run followed by the other's did not. One result per
 * set, over all its rounds.
 */
export async function closedLoopsInTurn(
  sets: readonly (readonly LightClient[])[],
  rounds: number,
  seconds: number,
  payload: () => unknown,
): Promise<LoopResult[]> {
  if (!Number.isInteger(rounds) || rounds < 1) throw new RangeError(`rounds must be a positive integer, not ${rounds}`);
  const totals = sets.map(() => ({ latencies: [] as number[], failed: 0, elapsed: 0 }));
  for (let round = 0; round < rounds; round++)
    for (const [i, sockets] of sets.entries()) {
      const run = await closedLoopRun(sockets, seconds, payload);
      const total = totals[i]!;
      for (const ms of run.latencies) total.latencies.push(ms);
      total.failed += run.failed;
      total.elapsed += run.elapsed;
    }
  return totals.map((t) => ({ perSecond: t.latencies.length / t.elapsed, failed: t.failed, ...summarise(t.latencies) }));
}

/**
 * Sends `rate` commands a second in all, spread over the sockets in turn, for `seconds`, without
 * waiting for acks (an open loop: latency is not hidden by the senders slowing down).
 */
export async function openLoop(
  sockets: readonly LightClient[],
  rate: number,
  seconds: number,
  payload: () => unknown,
  onAck?: (ack: LightAck, sentAt: number) => void,
): Promise<LoopResult & { sent: number }> {
  const latencies: number[] = [];
  const pending: Promise<void>[] = [];
  let failed = 0;
  const total = Math.round(rate * seconds);
  const start = performance.now();
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    const socket = sockets[i % sockets.length]!;
    const t0 = performance.now();
    pending.push(
      socket.send(payload()).then(
        (ack) => {
          if (ack.ok) latencies.push(performance.now() - t0);
          else failed++;
          onAck?.(ack, t0);
        },
        () => void failed++,
      ),
    );
  }
  const sentIn = (performance.now() - start) / 1000;
  await Promise.all(pending);
  return { perSecond: latencies.length / Math.max(sentIn, seconds), failed, sent: total, ...summarise(latencies) };
}

/** Waits until `done()` or `limitMs`. */
export async function drained(done: () => boolean, limitMs = 15_000): Promise<void> {
  const limit = performance.now() + limitMs;
  while (!done() && performance.now() < limit) await sleep(5);
}

export const closeAll = (sockets: readonly { close(): void }[]) => {
  for (const s of sockets) s.close();
};
