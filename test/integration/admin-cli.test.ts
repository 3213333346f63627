import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectAs, disconnection, expectSnapshot, handshakeRefusal, requestSync, signIn } from '../support/clients';
import { startPostgres, type PgHarness } from '../support/postgres';
import { startTestServer, type TestServer } from '../support/server';

const CLI = path.resolve('server/admin-cli.ts');
const TSX = path.resolve('node_modules/tsx/dist/cli.mjs');

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

function admin(dataDir: string, args: string[], options: { password?: string; stdin?: string; databaseUrl?: string } = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const env: NodeJS.ProcessEnv = { ...process.env, WAYMARK_DATA_DIR: dataDir, WAYMARK_DEMO: 'off' };
    delete env['WAYMARK_DATABASE_URL'];
    if (options.databaseUrl) env['WAYMARK_DATABASE_URL'] = options.databaseUrl;
    delete env['WAYMARK_PASSWORD'];
    if (options.password) env['WAYMARK_PASSWORD'] = options.password;
    const child = execFile(process.execPath, [TSX, CLI, ...args], { env }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
    child.stdin?.end(options.stdin ?? '');
  });
}

const idIn = (text: string) => /created \w+ ([0-9a-f-]{36})/.exec(text)?.[1] ?? '';

describe('admin command', () => {
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'waymark-cli-'));
  });
  afterAll(async () => {
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  it('creates a crisis, agencies and users on an empty database, who can then sign in and sync', async () => {
    const crisis = await admin(dataDir, [
      'create-crisis',
      '--name',
      'Sudan conflict 2026',
      '--type',
      'conflict',
      '--host',
      'sdn',
      '--phase',
      'emergency_response',
      '--bbox',
      '21.8,8.7,38.6,22.2',
    ]);
    expect(crisis).toMatchObject({ code: 0 });
    const crisisId = idIn(crisis.stdout);
    expect((await admin(dataDir, ['create-agency', '--name', 'Embassy of Egypt', '--acronym', 'EG-EMB', '--type', 'consulate', '--serves', 'EGY'])).code).toBe(
      0,
    );
    const coordinator = await admin(dataDir, ['create-user', '--username', 'amal.c', '--role', 'coordinator', '--display-name', 'Amal', '--crisis', crisisId], {
      password: 'a long passphrase',
    });
    expect(coordinator).toMatchObject({ code: 0 });
    const consul = await admin(
      dataDir,
      ['create-user', '--username', 'consul.eg', '--role', 'embassy', '--display-name', 'Consul', '--agency', 'EG-EMB', '--crisis', crisisId],
      { stdin: 'another long passphrase\n' },
    );
    expect(consul).toMatchObject({ code: 0 });

    const list = await admin(dataDir, ['list']);
    expect(list.code).toBe(0);
    expect(list.stdout).toContain('amal.c');
    expect(list.stdout).not.toMatch(/scrypt|passwordHash|passphrase/);

    const server: TestServer = await startTestServer({ dataDir });
    try {
      const cookie = await signIn(server.url, 'amal.c', 'a long passphrase');
      const socket = await connectAs(server.url, cookie);
      const snapshot = expectSnapshot(await requestSync(socket, null));
      expect(snapshot.crisis).toMatchObject({ id: crisisId, name: 'Sudan conflict 2026', hostCountry: 'SDN', isDemo: false });
      expect(snapshot.groups).toEqual([]);
      socket.close();
      await signIn(server.url, 'consul.eg', 'another long passphrase');
    } finally {
      await server.stop();
    }
  });

  it.each([
    ['an unknown command', ['explode'], 2, /unknown command/],
    ['a missing option', ['create-crisis', '--name', 'x'], 2, /--type is required/],
    ['an unknown option', ['list', '--verbose'], 2, /Unknown option/],
    ['a bad bbox', ['create-crisis', '--name', 'x', '--type', 'conflict', '--host', 'LBY', '--phase', 'preparedness', '--bbox', '1,2,3'], 2, /bbox/],
    [
      'an unknown country',
      ['create-crisis', '--name', 'x', '--type', 'conflict', '--host', 'XXX', '--phase', 'preparedness', '--bbox', '1,2,3,4'],
      1,
      /hostCountry/,
    ],
    ['a consulate without a state', ['create-agency', '--name', 'E', '--acronym', 'E1', '--type', 'consulate'], 1, /servesState/],
    [
      'a responder without an agency',
      ['create-user', '--username', 'resp', '--role', 'responder', '--display-name', 'R', '--crisis', '0190a0a0-0000-7000-8000-000000000000'],
      1,
      /needs an agency/,
    ],
    [
      'a password on the command line',
      ['create-user', '--username', 'u1', '--role', 'admin', '--display-name', 'U', '--password', 'secret'],
      2,
      /Unknown option/,
    ],
  ])('refuses %s with a clear message and a non-zero exit', async (_name, args, code, message) => {
    const result = await admin(dataDir, args, { password: 'a long passphrase' });

    expect(result.code).toBe(code);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/\n\s+at /); // no stack
  });

  it('refuses a short password and a taken username', async () => {
    const short = await admin(dataDir, ['create-user', '--username', 'shorty', '--role', 'admin', '--display-name', 'S'], { password: 'short' });
    const first = await admin(dataDir, ['create-user', '--username', 'twice', '--role', 'admin', '--display-name', 'T'], { password: 'a long passphrase' });
    const again = await admin(dataDir, ['create-user', '--username', 'twice', '--role', 'admin', '--display-name', 'T'], { password: 'a long passphrase' });

    expect(short).toMatchObject({ code: 1, stderr: expect.stringMatching(/password: at least 10/) });
    expect(first.code).toBe(0);
    expect(again).toMatchObject({ code: 1, stderr: expect.stringMatching(/taken/) });
  });

  it('disables a user, resets a password and ends sessions; a running server closes the user’s connections', async () => {
    const server: TestServer = await startTestServer({ dataDir });
    try {
      const cookie = await signIn(server.url, 'amal.c', 'a long passphrase');
      const socket = await connectAs(server.url, cookie);
      const closed = disconnection(socket);

      const disabled = await admin(dataDir, ['disable-user', '--user', 'amal.c']);

      expect(disabled).toMatchObject({ code: 0, stdout: expect.stringMatching(/disabled user .* \(amal\.c\)/) });
      await closed; // the server's sweep, within a second
      await expect(signIn(server.url, 'amal.c', 'a long passphrase')).rejects.toThrow(/401/);
      expect((await admin(dataDir, ['enable-user', '--user', 'amal.c'])).code).toBe(0);

      const reset = await admin(dataDir, ['reset-password', '--user', 'amal.c'], { password: 'a fresh passphrase' });
      expect(reset.code).toBe(0);
      await expect(signIn(server.url, 'amal.c', 'a long passphrase')).rejects.toThrow(/401/);
      const fresh = await signIn(server.url, 'amal.c', 'a fresh passphrase');

      const ended = await admin(dataDir, ['end-sessions', '--user', 'amal.c']);
      expect(ended).toMatchObject({ code: 0, stdout: 'ended 1 session(s)\n' });
      expect(await handshakeRefusal(server.url, fresh)).toBe('unauthorized');
      expect(await admin(dataDir, ['disable-user', '--user', 'nobody'])).toMatchObject({ code: 1, stderr: expect.stringMatching(/no such user/) });

      const again = await connectAs(server.url, await signIn(server.url, 'amal.c', 'a fresh passphrase'));
      const cut = disconnection(again);
      const changed = await admin(dataDir, ['change-user', '--user', 'amal.c', '--role', 'embassy', '--agency', 'EG-EMB', '--crisis', server.crisisId]);
      expect(changed).toMatchObject({ code: 0, stdout: expect.stringMatching(/to embassy/) });
      await cut;
      expect(await admin(dataDir, ['change-user', '--user', 'amal.c', '--role', 'embassy'])).toMatchObject({
        code: 1,
        stderr: expect.stringMatching(/needs an agency/),
      });
    } finally {
      await server.stop();
    }
  });
});

describe('admin command, moving up to PostgreSQL', () => {
  let dataDir: string;
  let postgres: PgHarness;

  beforeAll(async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'waymark-cli-pg-'));
    postgres = await startPostgres();
  }, 60_000);
  afterAll(async () => {
    await postgres.stop();
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  it('copies a SQLite deployment into an empty PostgreSQL database, checks it, refuses a second copy, then works against PostgreSQL', async () => {
    const crisis = await admin(dataDir, [
      'create-crisis',
      '--name',
      'Copied crisis',
      '--type',
      'conflict',
      '--host',
      'LBY',
      '--phase',
      'emergency_response',
      '--bbox',
      '9,19,25,33',
    ]);
    expect(crisis.code).toBe(0);
    expect((await admin(dataDir, ['create-agency', '--name', 'IOM', '--acronym', 'IOM', '--type', 'un'])).code).toBe(0);
    const url = await postgres.createDatabase();

    const copied = await admin(dataDir, ['copy-to-postgres', '--database-url', url]);
    expect(copied).toMatchObject({ code: 0, stdout: expect.stringMatching(/copied and checked \d+ tables/) });
    expect(copied.stdout).toMatch(/^crises\s+1 rows/m);
    expect(copied.stdout).toMatch(/^agencies\s+1 rows/m);
    // The password never reaches the terminal.
    expect(copied.stdout + copied.stderr).not.toContain(new URL(url).password);

    const again = await admin(dataDir, ['copy-to-postgres', '--database-url', url]);
    expect(again).toMatchObject({ code: 1, stderr: expect.stringMatching(/PostgreSQL|empty|data/i) });

    // The same commands now run on PostgreSQL: what was copied is there, and new work lands there.
    const user = await admin(
      dataDir,
      ['create-user', '--username', 'pg.coord', '--role', 'coordinator', '--display-name', 'PG', '--crisis', idIn(crisis.stdout)],
      {
        password: 'a long passphrase',
        databaseUrl: url,
      },
    );
    expect(user.code).toBe(0);
    const listed = await admin(dataDir, ['list'], { databaseUrl: url });
    expect(listed.code).toBe(0);
    const list = JSON.parse(listed.stdout) as { crises: { name: string }[]; users: { username: string }[] };
    expect(list.crises.map((c) => c.name)).toEqual(['Copied crisis']);
    expect(list.users.map((u) => u.username)).toEqual(['pg.coord']);
    // ... and not in the SQLite file the copy came from.
    const local = JSON.parse((await admin(dataDir, ['list'])).stdout) as { users: unknown[] };
    expect(local.users).toEqual([]);

    expect(await admin(dataDir, ['copy-to-postgres', '--database-url', 'mysql://x/y'])).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/postgres:\/\//),
    });
  }, 120_000);
});

describe('admin command, retention and backups', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.destroy();
  });

  it('sets a policy, purges, lists the ledger; backs up the running database and restores it with the server stopped', async () => {
    const crisis = server.crisisId;
    expect(await admin(server.dataDir, ['set-retention', '--crisis', crisis, '--keep-days', 'ninety', '--after', 'group-change'])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--keep-days must be a whole number') as string,
    });
    expect(await admin(server.dataDir, ['set-retention', '--crisis', crisis, '--keep-days', '90', '--after', 'sometime'])).toMatchObject({ code: 1 });
    expect(await admin(server.dataDir, ['close-crisis', '--crisis', crisis])).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('set one first') as string,
    });
    expect(await admin(server.dataDir, ['set-retention', '--crisis', crisis, '--keep-days', '90', '--after', 'group-change'])).toMatchObject({
      code: 0,
      stdout: `crisis ${crisis} keeps group details 90 days after a group was last changed\n`,
    });
    const purge = await admin(server.dataDir, ['purge']);
    expect(purge).toMatchObject({ code: 0 });
    expect(purge.stdout).toContain(`crisis ${crisis}: purged the details of 0 group(s)`);
    const listed = JSON.parse((await admin(server.dataDir, ['retention'])).stdout) as { policies: unknown[]; purges: unknown[] };
    expect(listed).toEqual({ policies: [expect.objectContaining({ crisisId: crisis, keepDays: 90, after: 'group_change' })], purges: [] });

    const file = path.join(server.dataDir, 'backup.db');
    const backup = await admin(server.dataDir, ['backup', '--to', file]);
    expect(backup).toMatchObject({ code: 0, stdout: expect.stringContaining('integrity ok') as string });
    expect(await admin(server.dataDir, ['backup', '--to', file])).toMatchObject({ code: 1, stderr: expect.stringContaining('already exists') as string });
    expect(await admin(server.dataDir, ['backup', '--to', file], { databaseUrl: 'postgres://u:secret@127.0.0.1:1/waymark' })).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('pg_dump') as string,
    });

    await server.stop();
    const restore = await admin(server.dataDir, ['restore', '--from', file]);
    expect(restore).toMatchObject({ code: 0, stdout: expect.stringContaining('restored') as string });
    await server.restart();
    const cookie = await signIn(server.url, server.accounts.coordinator.username, server.accounts.coordinator.password);
    const socket = await connectAs(server.url, cookie);
    expect(expectSnapshot(await requestSync(socket, null)).crisis.id).toBe(crisis);
    socket.close();
  }, 180_000);
});
