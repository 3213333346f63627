import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { DATABASE_FILE_NAME } from '../../server/config';

// The real server (server/index.ts, or its production build) in a child process, so a test can
// kill it with SIGKILL: no close handlers, no WAL checkpoint, whatever was in flight is cut. The
// in-process helper (server.ts) cannot do that. The port stays the same across restarts, so a
// browser page or a client reconnects to the same URL, as to a real server coming back.

/** The production build of the server (`npm run build`, scripts/build-server.js). */
export const BUILT_SERVER = path.resolve('dist-server/index.js');

export interface ChildServerOptions {
  /** Seed the synthetic demo (its accounts) on an empty database; default true. */
  demo?: boolean;
  /** The client build to serve; none by default. */
  staticDir?: string;
  /** Another server's data folder, to run a second process on the same database; a fresh one by default. */
  dataDir?: string;
  /** More environment for the server (e.g. WAYMARK_REDIS_URL). */
  env?: Record<string, string>;
  /** Run the production build (dist-server/index.js, as `npm run serve` does) instead of server/index.ts. */
  built?: boolean;
}

export interface ChildServer {
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  readonly databaseFile: string;
  /** Starts the server (again, on the same port and database); resolves once it listens. */
  start(): Promise<void>;
  /** SIGKILL, then waits for the process to be gone. */
  kill(): Promise<void>;
  /** Kills it if running and deletes its data folder. */
  destroy(): Promise<void>;
  /** Calls `listener` when the running process exits by itself (not by kill()), with its exit code or signal. */
  onUnexpectedExit(listener: (why: string) => void): void;
}

/** A free TCP port on 127.0.0.1 (the OS picks one; we release it for the child to take). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/** Creates (does not start) a child-process server on a fresh data folder and a fixed free port. */
export async function createChildServer(options: ChildServerOptions = {}): Promise<ChildServer> {
  const dataDir = options.dataDir ?? (await fs.mkdtemp(path.join(os.tmpdir(), 'waymark-child-')));
  const port = await freePort();
  const tsx = path.resolve('node_modules/tsx/dist/loader.mjs');
  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();
  const unexpectedExit: ((why: string) => void)[] = [];

  async function start(): Promise<void> {
    if (child) throw new Error('the child server is already running');
    const entry = options.built ? [BUILT_SERVER] : ['--import', tsx, path.resolve('server/index.ts')];
    const proc = spawn(process.execPath, entry, {
      env: {
        ...process.env,
        PORT: String(port),
        WAYMARK_DATA_DIR: dataDir,
        WAYMARK_DEMO: options.demo === false ? 'off' : 'on',
        WAYMARK_STATIC_DIR: path.resolve(options.staticDir ?? path.join(dataDir, 'no-client-build')),
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = proc;
    exited = new Promise((resolve) => proc.once('exit', () => resolve()));
    // kill() forgets the process before it signals it: an exit of the process still held is its own.
    proc.once('exit', (code, signal) => {
      if (child !== proc) return;
      child = null;
      for (const listener of unexpectedExit) listener(String(code ?? signal));
    });
    const stderr: string[] = [];
    proc.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
    await new Promise<void>((resolve, reject) => {
      const lines = readline.createInterface({ input: proc.stdout! });
      lines.on('line', (line) => {
        if (line.includes('"server.listening"')) resolve();
      });
      proc.once('exit', (code, signal) => reject(new Error(`the server exited before listening (${code ?? signal}): ${stderr.join('')}`)));
    });
  }

  async function kill(): Promise<void> {
    const proc = child;
    if (!proc) return;
    child = null;
    proc.kill('SIGKILL');
    await exited;
  }

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    dataDir,
    databaseFile: path.join(dataDir, DATABASE_FILE_NAME),
    start,
    kill,
    onUnexpectedExit(listener) {
      unexpectedExit.push(listener);
    },
    async destroy() {
      await kill();
      await fs.rm(dataDir, { recursive: true, force: true });
    },
  };
}
