import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD, DEMO_USERS } from '../../server/seed/demo-seed';
import { API_ROUTES } from '../../shared/schemas/api.schema';
import { connectAs, expectOk, makeGroupInput, reportCommand, sendCommand, signIn, type ClientSocket } from '../support/clients';
import { BUILT_SERVER, createChildServer, type ChildServer } from '../support/child-server';
import { startPostgres } from '../support/postgres';

// `npm start` and `npm run serve` run the compiled server (dist-server/, built by `npm run build`,
// which `npm test` runs first), not TypeScript compiled at run time. This runs that build as
// production would: its own process, an empty data folder, the demo seeded, the admin CLI
// compiled too, and a second node of it on PostgreSQL (its migrations travel with the build).
// That it starts with only the
// production dependencies installed (`npm ci --omit=dev`) is checked by
// scripts/check-production-install.js in CI, which needs the npm registry.

const ADMIN_CLI = path.resolve('dist-server/admin-cli.js');

describe('the production build', () => {
  let server: ChildServer;
  let socket: ClientSocket | null = null;

  beforeAll(async () => {
    if (!fs.existsSync(BUILT_SERVER)) throw new Error(`${BUILT_SERVER} is missing: run \`npm run build\` first (\`npm test\` does)`);
    server = await createChildServer({ built: true, staticDir: 'dist/client' });
    await server.start();
  }, 60_000);
  afterAll(async () => {
    socket?.close();
    await server?.destroy();
  });

  it('is JavaScript that imports no TypeScript and no dev-only package', () => {
    // A specifier has no spaces: a message such as "what they count from', …" is not an import.
    const source = fs.readFileSync(BUILT_SERVER, 'utf8');
    expect(source).not.toMatch(/from ["'][^"']*\.ts["']/);
    const pkg = JSON.parse(fs.readFileSync('package.json', 'utf8')) as { dependencies: Record<string, string> };
    const imported = new Set(
      [...source.matchAll(/(?:\bfrom|\bimport\()\s*["']([^"'.\s][^"'\s]*)["']/g)].map((m) => m[1] ?? '').filter((name) => !name.startsWith('node:')),
    );
    const packageOf = (specifier: string) =>
      specifier
        .split('/')
        .slice(0, specifier.startsWith('@') ? 2 : 1)
        .join('/');
    expect([...imported].map(packageOf).filter((name) => !(name in pkg.dependencies))).toEqual([]);
  });

  it('answers health, serves the app and takes a report', async () => {
    expect((await fetch(`${server.url}${API_ROUTES.health}`)).status).toBe(200);
    expect(await (await fetch(`${server.url}/`)).text()).toContain('<div id="app"');
    socket = await connectAs(server.url, await signIn(server.url, DEMO_USERS.field, DEMO_PASSWORD));
    expect(expectOk(await sendCommand(socket, reportCommand(makeGroupInput()))).group.version).toBe(1);
  });

  it('runs the compiled admin CLI on the same data folder', async () => {
    const listed = await new Promise<{ code: number; stdout: string }>((resolve) => {
      execFile(process.execPath, [ADMIN_CLI, 'list'], { env: { ...process.env, WAYMARK_DATA_DIR: server.dataDir, WAYMARK_DEMO: 'off' } }, (error, stdout) =>
        resolve({ code: error ? 1 : 0, stdout }),
      );
    });
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(DEMO_USERS.coordinator);
  });

  it('runs on PostgreSQL: its own schema migrations are in the build', async () => {
    const postgres = await startPostgres();
    const node = await createChildServer({ built: true, env: { WAYMARK_DATABASE_URL: await postgres.createDatabase() } });
    try {
      await node.start();
      const field = await connectAs(node.url, await signIn(node.url, DEMO_USERS.field, DEMO_PASSWORD));
      try {
        expect(expectOk(await sendCommand(field, reportCommand(makeGroupInput()))).group.version).toBe(1);
      } finally {
        field.close();
      }
    } finally {
      await node.destroy();
      await postgres.stop();
    }
  }, 60_000);
});
