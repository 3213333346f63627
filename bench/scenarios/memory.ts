/**
 * Scenario 6, memory: the server as deployed (its own process, `node --import tsx server/index.ts`)
 * on the big database, its resident set size (VmRSS) once started, then with BENCH_IDLE_SOCKETS
 * (1,000) coordinator connections that have synced (each current: a catch-up of nothing) and sit
 * idle. Beside it, a bare Socket.IO server holding the same number of idle connections.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { DATABASE_FILE_NAME } from '../../server/config';
import { openDatabase } from '../../server/db/database';

import { connectAs, signIn, type ClientSocket } from '../../test/support/clients';
import { io as connectBare, type Socket } from 'socket.io-client';
import type { BenchRow, Scenario } from '../scenario';
import { bigDatabase } from '../support/big-database';
import { BIG_GROUPS } from './cold-start';

const SOCKETS = Number(process.env.BENCH_IDLE_SOCKETS ?? 1_000);
const NAME = '6 memory';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resident set size of a process, in bytes, from /proc. */
export function rssOf(pid: number): number {
  const kb = /VmRSS:\s+(\d+)\s+kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  if (!kb) throw new Error(`no VmRSS for ${pid}`);
  return Number(kb) * 1024;
}

/** Spawns a Node process and resolves with it and the port it printed as `{"port":N}` in its log. */
function spawnServer(args: string[], env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const port = /"port":(\d+)/.exec(out)?.[1];
      if (port) {
        child.stdout!.removeAllListeners('data');
        child.stdout!.resume();
        resolve({ child, port: Number(port) });
      }
    });
    child.once('exit', (code) => reject(new Error(`server exited (${code}) before listening: ${out.slice(-500)}`)));
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** Opens `count` connections, 50 at a time. */
async function openMany<S>(count: number, open: () => Promise<S>): Promise<S[]> {
  const sockets: S[] = [];
  while (sockets.length < count) sockets.push(...(await Promise.all(Array.from({ length: Math.min(50, count - sockets.length) }, open))));
  return sockets;
}

/** A bare Socket.IO server in its own process holding idle connections: the transport's own cost. */
const BARE_SERVER = `
import { createServer } from 'node:http';
import { Server } from 'socket.io';
const http = createServer();
new Server(http, { serveClient: false });
http.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: http.address().port })));
`;

async function bareBaseline(): Promise<{ base: number; loaded: number }> {
  const { child, port } = await spawnServer(['--input-type=module', '-e', BARE_SERVER], {});
  try {
    await sleep(1_000);
    const base = rssOf(child.pid!);
    const sockets = await openMany(SOCKETS, () => {
      const s: Socket = connectBare(`http://127.0.0.1:${port}`, { transports: ['websocket'], forceNew: true, reconnection: false });
      return new Promise<Socket>((resolve, reject) => {
        s.once('connect', () => resolve(s));
        s.once('connect_error', reject);
      });
    });
    await sleep(3_000);
    const loaded = rssOf(child.pid!);
    sockets.forEach((s) => s.close());
    return { base, loaded };
  } finally {
    await stopChild(child);
  }
}

export const memoryScenario: Scenario = {
  name: 'memory',
  async run(): Promise<BenchRow[]> {
    const big = await bigDatabase(BIG_GROUPS);
    const db = openDatabase(path.join(big.dataDir, DATABASE_FILE_NAME), { readonly: true });
    const head = db.prepare<[], { seq: number | null }>('SELECT MAX(seq) AS seq FROM change_log').get()?.seq ?? 0;
    db.close();
    const { child, port } = await spawnServer(['--import', 'tsx', 'server/index.ts'], {
      PORT: '0',
      WAYMARK_DATA_DIR: big.dataDir,
      WAYMARK_DEMO: 'on',
      WAYMARK_SOCKET_EVENTS_PER_SECOND: '1000',
      WAYMARK_SOCKET_EVENTS_BURST: '1000',
    });
    let sockets: ClientSocket[] = [];
    try {
      const url = `http://127.0.0.1:${port}`;
      await sleep(2_000);
      const base = rssOf(child.pid!);
      const cookie = await signIn(url, 'coordinator', 'waymark-demo');
      sockets = await openMany(SOCKETS, async () => {
        const socket = await connectAs(url, cookie);
        const ack = await socket.timeout(60_000).emitWithAck('sync', { sinceSeq: head });
        if (!ack.ok || ack.mode !== 'changes') throw new Error('an idle client was not current');
        return socket;
      });
      await sleep(3_000);
      const loaded = rssOf(child.pid!);
      // One more client takes the whole snapshot: the peak a cold start adds on top.
      const fresh = await connectAs(url, cookie);
      await fresh.timeout(120_000).emitWithAck('sync', { sinceSeq: null, packed: true });
      fresh.close();
      const afterSnapshot = rssOf(child.pid!);
      const bare = await bareBaseline();
      const perSocket = (loaded - base) / SOCKETS / 1024;
      const barePerSocket = (bare.loaded - bare.base) / SOCKETS / 1024;
      const mb = (b: number) => Math.round(b / 1e5) / 10;
      return [
        {
          scenario: NAME,
          metric: 'RSS per idle connection above base',
          unit: 'KiB',
          waymark: Math.round(perSocket * 10) / 10,
          baseline: Math.round(barePerSocket * 10) / 10,
          ratio: Math.round((perSocket / barePerSocket) * 100) / 100,
          goal: '< 40 KiB',
          met: perSocket < 40,
          note: `${SOCKETS} coordinator sockets, each synced (current) then idle; baseline: bare Socket.IO server, same sockets`,
        },
        {
          scenario: NAME,
          metric: `server RSS, ${big.groups} groups + ${SOCKETS} idle connections`,
          unit: 'MB',
          waymark: mb(loaded),
          baseline: mb(bare.loaded),
          goal: '< 400 MB',
          met: loaded < 400e6,
          note: `base after start ${mb(base)} MB; after one more client took a full snapshot ${mb(afterSnapshot)} MB`,
        },
      ];
    } finally {
      sockets.forEach((s) => s.close());
      await stopChild(child);
      big.remove();
    }
  },
};

export default memoryScenario;
