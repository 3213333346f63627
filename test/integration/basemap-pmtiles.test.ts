import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PMTiles, type RangeResponse, type Source } from 'pmtiles';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../server/config';
import { API_ROUTES, ClientConfig } from '../../shared/schemas/api.schema';
import { signIn } from '../support/clients';
import { waterOverArchive } from '../support/pmtiles-archive';
import { startTestServer, type TestServer } from '../support/server';

// The street-level basemap as the map's pmtiles reader meets it: a local archive the tests write
// themselves, served with range requests to signed-in users, and a clear refusal at startup when
// the configured file is not there.

/** A folder whose name the responses must never reveal; the dot also proves dot-folders are served. */
let dir: string;
let file: string;
let archive: Uint8Array;
let server: TestServer;
let cookie: string;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'waymark-secret-tiles-'));
  await fs.mkdir(path.join(dir, '.regional'));
  file = path.join(dir, '.regional', 'libya.pmtiles');
  archive = waterOverArchive({ west: 9, south: 30, east: 25, north: 34 });
  await fs.writeFile(file, archive);
  server = await startTestServer({ basemapPmtiles: file });
  const { username, password } = server.fixtureAccounts.field!;
  cookie = await signIn(server.url, username, password);
});
afterAll(async () => {
  await server.destroy();
  await fs.rm(dir, { recursive: true, force: true });
});

const url = () => `${server.url}${API_ROUTES.basemapTiles}`;
const get = (headers: Record<string, string> = {}, method = 'GET') => fetch(url(), { method, headers: { cookie, ...headers } });

/** Everything a response says, headers and body, to look for the file's path in. */
async function everythingIn(response: Response): Promise<string> {
  return [...response.headers.entries()].map(([k, v]) => `${k}: ${v}`).join('\n') + (await response.text());
}

describe('street basemap (PMTiles) serving', () => {
  it('tells the client where the archive is, never where it lies on disk', async () => {
    const config = ClientConfig.parse(await (await fetch(`${server.url}${API_ROUTES.config}`)).json());
    expect(config.basemapPmtilesUrl).toBe(API_ROUTES.basemapTiles);
    expect(JSON.stringify(config)).not.toContain(dir);
  });

  it('answers a range with 206, the bytes asked for and a correct Content-Range', async () => {
    const response = await get({ range: 'bytes=0-126' });
    expect(response.status).toBe(206);
    expect(response.headers.get('content-range')).toBe(`bytes 0-126/${archive.length}`);
    expect(response.headers.get('content-length')).toBe('127');
    expect(response.headers.get('accept-ranges')).toBe('bytes');
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(archive.subarray(0, 127));

    const middle = await get({ range: 'bytes=130-139' });
    expect(middle.status).toBe(206);
    expect(middle.headers.get('content-range')).toBe(`bytes 130-139/${archive.length}`);
    expect(new Uint8Array(await middle.arrayBuffer())).toEqual(archive.subarray(130, 140));
  });

  it('clips a range running past the end, as the pmtiles reader asks for 16 kB of a smaller file', async () => {
    const response = await get({ range: 'bytes=0-16383' });
    expect(response.status).toBe(206);
    expect(response.headers.get('content-range')).toBe(`bytes 0-${archive.length - 1}/${archive.length}`);
    expect((await response.arrayBuffer()).byteLength).toBe(archive.length);
  });

  it('answers 416 with the size for a range that starts past the end, and a named error', async () => {
    const response = await get({ range: `bytes=${archive.length}-${archive.length + 10}` });
    expect(response.status).toBe(416);
    expect(response.headers.get('content-range')).toBe(`bytes */${archive.length}`);
    expect(await response.json()).toMatchObject({ ok: false, code: 'invalid' });
  });

  it('gives a strong ETag that the reader can keep, and 304 for a copy it already holds', async () => {
    const first = await get({ range: 'bytes=0-9' });
    const etag = first.headers.get('etag');
    expect(etag).toMatch(/^"[0-9a-f]+-[0-9a-f]+"$/);
    expect(first.headers.get('cache-control')).toBe('private, no-cache');
    expect((await get({ range: 'bytes=10-19' })).headers.get('etag')).toBe(etag);

    // fetch() adds "Cache-Control: no-cache" to a conditional request unless told otherwise, and
    // that asks for an end-to-end reload, which a browser revalidating its copy does not.
    expect((await get({ 'if-none-match': etag!, 'cache-control': 'max-age=0' })).status).toBe(304);
    // If-Range with the current validator keeps the range; with a stale one the whole file comes back.
    expect((await get({ range: 'bytes=0-9', 'if-range': etag! })).status).toBe(206);
    const stale = await get({ range: 'bytes=0-9', 'if-range': '"0-0"' });
    expect(stale.status).toBe(200);
    expect((await stale.arrayBuffer()).byteLength).toBe(archive.length);
  });

  it('answers HEAD with the length and no body', async () => {
    const response = await get({}, 'HEAD');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-length')).toBe(String(archive.length));
    expect(response.headers.get('content-type')).toBe('application/octet-stream');
  });

  it('serves an archive the pmtiles reader opens and reads the tile from, with ranges only', async () => {
    const requested: string[] = [];
    const source: Source = {
      getKey: () => url(),
      async getBytes(offset, length): Promise<RangeResponse> {
        const range = `bytes=${offset}-${offset + length - 1}`;
        requested.push(range);
        const response = await get({ range });
        expect(response.status).toBe(206);
        return { data: await response.arrayBuffer(), etag: response.headers.get('etag') ?? undefined };
      },
    };
    const reader = new PMTiles(source);
    expect((await reader.getHeader()).maxZoom).toBe(0);
    const tile = await reader.getZxy(0, 0, 0);
    expect(tile?.data.byteLength).toBeGreaterThan(0);
    expect(requested.length).toBeGreaterThanOrEqual(1);
  });

  it('refuses anyone not signed in, with a JSON 401 that does not name the file', async () => {
    const response = await fetch(url(), { headers: { range: 'bytes=0-126' } });
    expect(response.status).toBe(401);
    const said = await everythingIn(response);
    expect(said).not.toContain(dir);
    expect(said).not.toContain('libya.pmtiles');
  });

  it('never says where the file lies, in any answer', async () => {
    for (const headers of [{} as Record<string, string>, { range: 'bytes=0-9' }, { range: 'bytes=999999-' }, { range: 'bytes=x-y' }]) {
      const said = await everythingIn(await get(headers));
      expect(said).not.toContain(dir);
      expect(said).not.toContain('libya.pmtiles');
    }
  });

  it('has no route when no archive is configured: the JSON 404 of unknown API paths', async () => {
    const plain = await startTestServer();
    try {
      const { username, password } = plain.fixtureAccounts.field!;
      const own = await signIn(plain.url, username, password);
      const response = await fetch(`${plain.url}${API_ROUTES.basemapTiles}`, { headers: { cookie: own } });
      expect(response.status).toBe(404);
      expect(ClientConfig.parse(await (await fetch(`${plain.url}${API_ROUTES.config}`)).json()).basemapPmtilesUrl).toBeNull();
    } finally {
      await plain.destroy();
    }
  });

  it('answers a named 404 if the file goes away while the server runs', async () => {
    const moved = `${file}.moved`;
    await fs.rename(file, moved);
    try {
      const response = await get({ range: 'bytes=0-9' });
      expect(response.status).toBe(404);
      const said = await everythingIn(response);
      expect(said).toContain('no street basemap is available');
      expect(said).not.toContain(dir);
    } finally {
      await fs.rename(moved, file);
    }
  });
});

describe('WAYMARK_BASEMAP_PMTILES at startup', () => {
  it('takes a readable PMTiles v3 archive, as an absolute path', () => {
    const relative = path.relative(process.cwd(), file);
    expect(loadConfig({ WAYMARK_BASEMAP_PMTILES: relative }).basemapPmtiles).toBe(file);
    expect(loadConfig({}).basemapPmtiles).toBeNull();
  });

  it('refuses a missing file, naming the variable and the path', () => {
    const missing = path.join(dir, 'nowhere.pmtiles');
    expect(() => loadConfig({ WAYMARK_BASEMAP_PMTILES: missing })).toThrow(ConfigError);
    expect(() => loadConfig({ WAYMARK_BASEMAP_PMTILES: missing })).toThrow(`WAYMARK_BASEMAP_PMTILES: no file at ${missing}`);
  });

  it('refuses a folder, a file that is not PMTiles, and a PMTiles v2 archive', async () => {
    expect(() => loadConfig({ WAYMARK_BASEMAP_PMTILES: dir })).toThrow(/WAYMARK_BASEMAP_PMTILES: .* is not a file/);
    const mbtiles = path.join(dir, 'region.mbtiles');
    await fs.writeFile(mbtiles, 'SQLite format 3\0');
    expect(() => loadConfig({ WAYMARK_BASEMAP_PMTILES: mbtiles })).toThrow(/is not a PMTiles archive/);
    const v2 = path.join(dir, 'old.pmtiles');
    await fs.writeFile(v2, Buffer.concat([Buffer.from('PMTiles'), Buffer.from([2]), Buffer.alloc(120)]));
    expect(() => loadConfig({ WAYMARK_BASEMAP_PMTILES: v2 })).toThrow(/version 2 archive; version 3 is needed/);
  });

  it('refuses it together with an online style: one basemap, not a guess between two', () => {
    expect(() => loadConfig({ WAYMARK_BASEMAP_PMTILES: file, WAYMARK_BASEMAP_STYLE_URL: 'https://tiles.example.org/style.json' })).toThrow(
      /WAYMARK_BASEMAP_PMTILES: set either it or WAYMARK_BASEMAP_STYLE_URL, not both/,
    );
  });
});
