import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { staticRoutes } from '../../server/http/static';
import { API_ROUTES } from '../../shared/schemas/api.schema';
import { startTestServer, type TestServer } from '../support/server';

let server: TestServer;
let staticDir: string;
const INDEX = '<!doctype html><title>Waymark test build</title>';

beforeAll(async () => {
  staticDir = await fs.mkdtemp(path.join(os.tmpdir(), 'waymark-static-'));
  await fs.mkdir(path.join(staticDir, 'assets'));
  await fs.writeFile(path.join(staticDir, 'index.html'), INDEX);
  await fs.writeFile(path.join(staticDir, 'assets', 'app-3f2a1b.js'), 'console.log(1)');
  await fs.writeFile(path.join(staticDir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  server = await startTestServer({ staticDir });
});
afterAll(async () => {
  await server.destroy();
  await fs.rm(staticDir, { recursive: true, force: true });
});

describe(staticRoutes.name, () => {
  it('serves index.html at the root and for client routes, revalidated on every load', async () => {
    for (const route of ['/', '/map', '/groups/0190a0a0-0000-7000-8000-000000000000']) {
      const response = await fetch(`${server.url}${route}`);
      expect(response.status, route).toBe(200);
      expect(await response.text()).toBe(INDEX);
      expect(response.headers.get('cache-control')).toBe('no-cache');
    }
  });

  it('caches hashed assets for a year as immutable, and other files with revalidation', async () => {
    const asset = await fetch(`${server.url}/assets/app-3f2a1b.js`);
    const icon = await fetch(`${server.url}/favicon.svg`);

    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(icon.headers.get('cache-control')).toBe('no-cache');
  });

  it('answers a missing asset with 404, not with the app page', async () => {
    const response = await fetch(`${server.url}/assets/app-000000.js`);

    expect(response.status).toBe(404);
    expect(await response.text()).not.toContain('Waymark test build');
  });

  it('keeps /api out of the fallback', async () => {
    const response = await fetch(`${server.url}/api/unknown`);
    const health = await fetch(`${server.url}${API_ROUTES.health}`);

    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ ok: false, code: 'not_found' });
    expect(await health.json()).toEqual({ ok: true });
  });

  it('is absent when there is no build, and the API works anyway', async () => {
    const bare = await startTestServer();
    try {
      expect((await fetch(`${bare.url}/`)).status).toBe(404);
      expect(await (await fetch(`${bare.url}${API_ROUTES.health}`)).json()).toEqual({ ok: true });
    } finally {
      await bare.destroy();
    }
  });
});
