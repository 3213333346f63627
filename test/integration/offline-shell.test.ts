import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server';

// What the phone needs to install the app and open it with no connection, as the server serves
// the real build (npm test builds it first): the service worker, its precache list, the manifest.

const BUILD = path.resolve('dist/client');
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ staticDir: BUILD });
});
afterAll(async () => {
  await server.destroy();
});

/** The precache manifest the build wrote into sw.js. */
function precacheOf(source: string): { version: string; files: string[] } {
  const match = /const MANIFEST = (\{.*?\});/s.exec(source);
  if (!match?.[1]) throw new Error('sw.js holds no precache manifest');
  return JSON.parse(match[1]) as { version: string; files: string[] };
}

describe('offline shell', () => {
  it('serves the service worker from the root, revalidated on every load, with every file of the build to precache', async () => {
    const response = await fetch(`${server.url}/sw.js`);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-cache');
    expect(response.headers.get('content-type')).toMatch(/javascript/);
    const { version, files } = precacheOf(await response.text());
    expect(version).toMatch(/^[0-9a-f]{12}$/);

    const built = (await fs.readdir(path.join(BUILD, 'assets'))).filter((f) => !f.endsWith('.woff')).map((f) => `/assets/${f}`);
    expect(built.some((f) => f.endsWith('.woff2'))).toBe(true);
    expect(built.some((f) => /countries-50m-.*\.json$/.test(f))).toBe(true);
    expect(built.some((f) => /maplibre-gl-worker-.*\.js$/.test(f))).toBe(true);
    expect(files).toEqual(expect.arrayContaining([...built, '/index.html', '/manifest.webmanifest', '/icons/icon-192.png', '/icons/icon-512.png']));
    // The service worker's install fails if any one of them is missing: each must answer 200.
    for (const file of files) expect((await fetch(`${server.url}${file}`)).status, file).toBe(200);
    // Nothing personal is ever precached.
    expect(files.filter((f) => f.startsWith('/api') || f.startsWith('/socket.io'))).toEqual([]);
  });

  it('serves a web app manifest that makes the app installable', async () => {
    const response = await fetch(`${server.url}/manifest.webmanifest`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/manifest\+json/);
    const manifest = (await response.json()) as { start_url: string; display: string; icons: { src: string; sizes: string; type: string }[] };
    expect(manifest.start_url).toBe('/');
    expect(manifest.display).toBe('standalone');
    for (const size of ['192x192', '512x512']) {
      const icon = manifest.icons.find((i) => i.sizes === size && i.type === 'image/png');
      expect(icon, size).toBeDefined();
      const png = await fetch(`${server.url}${icon!.src}`);
      expect(png.headers.get('content-type')).toBe('image/png');
    }
    const index = await (await fetch(server.url)).text();
    expect(index).toContain('<link rel="manifest" href="/manifest.webmanifest"');
  });
});
