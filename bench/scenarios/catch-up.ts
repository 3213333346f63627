/**
 * Scenario 5, catch-up: a coordinator's client, current at some point, is away while
 * BENCH_CATCHUP_CHANGES (10,000) changes land on the big database, then reconnects. Measures the
 * time from the new connection to the client holding the current state (the reply received,
 * checked against the contract and applied, as the app's own code does it) and the bytes of the
 * reply; beside it, the same client taking a fresh snapshot instead.
 */
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import zlib from 'node:zlib';
import { ChangeFeed } from '../../client/lib/sync/change-feed';
import { SyncAckSchema } from '../../client/lib/sync/wire';
import { decodeChanges } from '../../shared/packed-views';
import { bytesToPacked } from '../../shared/packed-bytes';
import { DATABASE_FILE_NAME } from '../../server/config';
import { openDatabase } from '../../server/db/database';

import { connectAs, signIn } from '../../test/support/clients';
import { startTestServer } from '../../test/support/server';
import type { BenchRow, Scenario } from '../scenario';
import { bigDatabase } from '../support/big-database';
import { pickGroups, writeMoves } from '../support/changes';
import { BIG_GROUPS } from './cold-start';

const CHANGES = Number(process.env.BENCH_CATCHUP_CHANGES ?? 10_000);
const NAME = '5 catch-up';

function headSeq(dataDir: string): number {
  const db = openDatabase(path.join(dataDir, DATABASE_FILE_NAME), { readonly: true });
  try {
    return db.prepare<[], { seq: number | null }>('SELECT MAX(seq) AS seq FROM change_log').get()?.seq ?? 0;
  } finally {
    db.close();
  }
}

function fieldUserId(dataDir: string): string {
  const db = openDatabase(path.join(dataDir, DATABASE_FILE_NAME), { readonly: true });
  try {
    const id = db.prepare<[string], { id: string }>('SELECT id FROM users WHERE username = ?').get('field')?.id;
    if (!id) throw new Error('no field user');
    return id;
  } finally {
    db.close();
  }
}

/**
 * Connects, asks `sync` from `sinceSeq`, unpacks, checks and applies the reply: the client's whole
 * path to current. `packed` as the app asks (a long catch-up comes packed and gzipped), or the
 * plain JSON reply.
 */
async function reconnect(url: string, cookie: string, sinceSeq: number | null, packed: boolean) {
  const t0 = performance.now();
  const socket = await connectAs(url, cookie);
  try {
    const raw: unknown = await socket.timeout(120_000).emitWithAck('sync', { sinceSeq, packed });
    const received = performance.now();
    const parsed = SyncAckSchema.parse(raw);
    if (!parsed.ok) throw new Error(`sync refused: ${parsed.code}`);
    const feed = new ChangeFeed();
    if (sinceSeq !== null) feed.applySnapshot(sinceSeq, []);
    feed.beginSync();
    let bytes: number;
    if (parsed.mode === 'packed-changes') {
      const buffer = new Uint8Array(parsed.changes instanceof ArrayBuffer ? parsed.changes : parsed.changes);
      feed.applyCatchUp(parsed.seq, decodeChanges(bytesToPacked(zlib.gunzipSync(buffer))));
      bytes = buffer.byteLength;
    } else if (parsed.mode === 'changes') {
      feed.applyCatchUp(parsed.seq, parsed.changes);
      bytes = Buffer.byteLength(JSON.stringify(raw));
    } else throw new Error(`expected a catch-up, got ${parsed.mode}`);
    return { ms: performance.now() - t0, receivedMs: received - t0, mode: parsed.mode, bytes, changes: feed.lastAppliedSeq };
  } finally {
    socket.close();
  }
}

export const catchUpScenario: Scenario = {
  name: 'catch-up',
  async run(): Promise<BenchRow[]> {
    const big = await bigDatabase(BIG_GROUPS);
    // The client was current here; then CHANGES edits land (written through the repositories, as
    // the server's write path would, so the scenario does not wait minutes for one fsync each).
    const behindAt = headSeq(big.dataDir);
    await writeMoves(big.dataDir, pickGroups(big.dataDir, CHANGES), fieldUserId(big.dataDir));
    const missed = headSeq(big.dataDir) - behindAt;
    const server = await startTestServer({ dataDir: big.dataDir, demo: true, socketRate: { perSecond: 1e9, burst: 1e9 } });
    try {
      const cookie = await signIn(server.url, server.accounts.coordinator.username, server.accounts.coordinator.password);
      const caught = await reconnect(server.url, cookie, behindAt, true);
      const plain = await reconnect(server.url, cookie, behindAt, false);
      const note = `${missed} changes missed on ${big.groups} groups, one connection each way; reply received after ${Math.round(caught.receivedMs)} ms, the rest is unpacking, checking and applying it`;
      return [
        {
          scenario: NAME,
          metric: `reconnect → current, ${CHANGES} changes behind`,
          unit: 'ms',
          waymark: Math.round(caught.ms),
          baseline: Math.round(plain.ms),
          ratio: Math.round((caught.ms / plain.ms) * 100) / 100,
          goal: '< 1,000 ms',
          met: caught.ms < 1_000,
          note: `${note}; baseline: the same catch-up as plain JSON checked by the client's zod schemas`,
        },
        {
          scenario: NAME,
          metric: 'catch-up reply bytes',
          unit: 'B',
          waymark: caught.bytes,
          baseline: plain.bytes,
          ratio: Math.round((caught.bytes / plain.bytes) * 1000) / 1000,
          note: `packed and gzipped (${(caught.bytes / missed).toFixed(0)} B/change); baseline: plain JSON over the socket`,
        },
      ];
    } finally {
      await server.destroy();
      big.remove();
    }
  },
};

export default catchUpScenario;
