import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASE_FILE_NAME } from '../../server/config';
import { BackupError, backupSqlite, restoreSqlite, RestoreUndoesPurgesError } from '../../server/db/backup';
import { openDatabase } from '../../server/db/database';
import { DEMO_PASSWORD, DEMO_USERS } from '../../server/seed/demo-seed';
import { RETENTION_ROUTES } from '../../shared/schemas/retention.schema';
import {
  connectUser,
  expectOk,
  expectSnapshot,
  makeGroupInput,
  ownOrigin,
  reportCommand,
  requestSync,
  sendCommand,
  signIn,
  type ClientSocket,
} from '../support/clients';
import { createChildServer, type ChildServer } from '../support/child-server';
import { startTestServer } from '../support/server';

// The server runs in its own process, so its writes go on while this process copies the file.
let child: ChildServer;
let work: string;
const coordinator = { username: DEMO_USERS.coordinator, password: DEMO_PASSWORD };

beforeAll(async () => {
  child = await createChildServer();
  await child.start();
  work = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'waymark-backup-'));
}, 60_000);
afterAll(async () => {
  await child.destroy();
  await fs.promises.rm(work, { recursive: true, force: true });
});

type Row = Record<string, unknown>;
const rows = (db: Database.Database, sql: string, ...params: unknown[]): Row[] => db.prepare(sql).all(...params) as Row[];

/** Writers reporting groups one after another until stopped; `reached(n)` resolves once n writes have been acknowledged. */
function writeLoad(sockets: ClientSocket[]) {
  let done = 0;
  let stopped = false;
  const waiting: { n: number; resolve: () => void }[] = [];
  const loops = sockets.map(async (socket) => {
    while (!stopped) {
      expectOk(await sendCommand(socket, reportCommand(makeGroupInput({ notes: `load ${done}` }))));
      done += 1;
      for (const w of waiting.filter((x) => x.n <= done)) w.resolve();
    }
  });
  return {
    get done() {
      return done;
    },
    reached: (n: number) => new Promise<void>((resolve) => (done >= n ? resolve() : waiting.push({ n, resolve }))),
    stop: async () => {
      stopped = true;
      await Promise.all(loops);
    },
  };
}

describe('backup of a running deployment', () => {
  it('copies the database consistently under write load, and the restored copy serves exactly that state', async () => {
    const sockets = [await connectUser(child.url, coordinator), await connectUser(child.url, coordinator)];
    const load = writeLoad(sockets);
    await load.reached(20);
    const source = openDatabase(child.databaseFile, { readonly: true });
    const dest = path.join(work, 'waymark-backup.db');
    const report = await backupSqlite(source, dest);
    const atBackup = load.done;
    await load.reached(atBackup + 20);
    await load.stop();
    for (const s of sockets) s.close();

    // Consistent: the copy is the source as of one commit, its head.
    const copy = new Database(dest, { readonly: true, fileMustExist: true });
    try {
      const head = report.headSeq;
      expect(head).toBeGreaterThan(0);
      expect((rows(source, 'SELECT MAX(seq) AS seq FROM change_log')[0] as { seq: number }).seq).toBeGreaterThan(head);
      expect(rows(copy, 'SELECT * FROM change_log ORDER BY seq')).toEqual(rows(source, 'SELECT * FROM change_log WHERE seq <= ? ORDER BY seq', head));
      // Each group's row is its last logged state up to the head, and no group came later (sites are logged too, and compared below as a table).
      const logged = rows(
        source,
        "SELECT entity_id AS id, data FROM change_log c WHERE entity = 'group' AND seq = (SELECT MAX(seq) FROM change_log WHERE entity_id = c.entity_id AND seq <= ?) ORDER BY entity_id",
        head,
      );
      expect(rows(copy, 'SELECT id, data FROM groups ORDER BY id')).toEqual(logged);
      expect(rows(copy, 'SELECT * FROM idempotency ORDER BY command_id')).toEqual(
        rows(source, 'SELECT * FROM idempotency WHERE last_seq IS NULL OR last_seq <= ? ORDER BY command_id', head),
      );
      const auditInCopy = rows(copy, 'SELECT * FROM audit ORDER BY id');
      expect(auditInCopy).toEqual(rows(source, 'SELECT * FROM audit WHERE id <= ? ORDER BY id', (auditInCopy.at(-1) as { id: number }).id));
      for (const table of ['crises', 'agencies', 'users', 'sites'])
        expect(rows(copy, `SELECT * FROM ${table} ORDER BY id`)).toEqual(rows(source, `SELECT * FROM ${table} ORDER BY id`));
    } finally {
      copy.close();
      source.close();
    }

    // Restored into a new data folder, a server serves the copy's state.
    const restoredDir = path.join(work, 'restored');
    fs.mkdirSync(restoredDir);
    const restored = restoreSqlite(dest, path.join(restoredDir, DATABASE_FILE_NAME));
    expect(restored.undonePurges).toEqual([]);
    const server = await startTestServer({ dataDir: restoredDir, demo: true });
    try {
      const socket = await connectUser(server.url, server.accounts.coordinator);
      const snapshot = expectSnapshot(await requestSync(socket, null));
      expect(snapshot.seq).toBe(report.headSeq);
      expect(snapshot.groups.length).toBe(report.tables['groups']);
      socket.close();
    } finally {
      await server.destroy();
    }
    // A backup never overwrites one.
    const again = openDatabase(child.databaseFile, { readonly: true });
    try {
      await expect(backupSqlite(again, dest)).rejects.toThrow(BackupError);
    } finally {
      again.close();
    }
  }, 120_000);

  it('will not undo a purge by restoring an older backup without being told, and refuses a damaged file', async () => {
    const socket = await connectUser(child.url, coordinator);
    const group = expectOk(await sendCommand(socket, reportCommand(makeGroupInput({ notes: 'Qzbackuperased' })))).group;
    socket.close();
    const source = openDatabase(child.databaseFile, { readonly: true });
    const dest = path.join(work, 'before-erasure.db');
    try {
      await backupSqlite(source, dest);
    } finally {
      source.close();
    }
    const cookie = await signIn(child.url, coordinator.username, coordinator.password);
    const erased = await fetch(`${child.url}${RETENTION_ROUTES.erase(group.id)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie, ...ownOrigin(child.url) },
      body: JSON.stringify({ reason: 'person_request' }),
    });
    expect(erased.status).toBe(200);
    await child.kill();

    const damaged = path.join(work, 'damaged.db');
    fs.writeFileSync(damaged, 'not a database at all');
    const before = fs.readFileSync(child.databaseFile);
    expect(() => restoreSqlite(damaged, child.databaseFile)).toThrow(BackupError);
    let refusal: unknown = null;
    try {
      restoreSqlite(dest, child.databaseFile);
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(RestoreUndoesPurgesError);
    expect((refusal as RestoreUndoesPurgesError).purges).toMatchObject([{ kind: 'erasure', group_id: group.id }]);
    expect((refusal as Error).message).toContain(group.id);
    // Refused: the database file is untouched.
    expect(fs.readFileSync(child.databaseFile).equals(before)).toBe(true);

    const done = restoreSqlite(dest, child.databaseFile, { acceptPurgedDataReturns: true });
    expect(done.undonePurges).toMatchObject([{ kind: 'erasure', group_id: group.id }]);
    expect(done.keptAs !== null && fs.existsSync(done.keptAs)).toBe(true);
  }, 120_000);
});
