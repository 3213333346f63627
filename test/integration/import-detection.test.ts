import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXPORT_ROUTES } from '../../shared/exports/export.schema';
import { connectAs, expectSnapshot, ownOrigin, requestSync, signIn, type ClientSocket } from '../support/clients';
import { importClient, watchImport } from '../support/imports';
import { startTestServer, type TestServer } from '../support/server';

const fixture = (name: string) => fs.readFileSync(new URL(`../fixtures/import/${name}`, import.meta.url));

let server: TestServer;
let cookie: string;
let socket: ClientSocket;
let client: ReturnType<typeof importClient>;

beforeAll(async () => {
  server = await startTestServer();
  const c = server.fixtureAccounts.coordinator!;
  cookie = await signIn(server.url, c.username, c.password);
  socket = await connectAs(server.url, cookie);
  client = importClient(server.url, cookie);
});
afterAll(async () => {
  socket.close();
  await server.destroy();
});

/** The preview's refusals as "row: code:field" lists. */
const reasonsByRow = (invalid: { row: number; reasons: { code: string; field: string | null }[] }[]) =>
  Object.fromEntries(invalid.map((r) => [r.row, r.reasons.map((x) => `${x.code}:${x.field}`)]));

/** Imports an upload's valid rows and answers the groups it made, by place name. */
async function importAll(importId: string, mapping: Parameters<typeof client.start>[1], dateOrder: 'dmy' | 'mdy' | null = null) {
  const watch = watchImport(socket);
  const job = await client.start(importId, mapping, dateOrder);
  const done = await watch.done(job.importId);
  const snapshot = expectSnapshot(await requestSync(socket, null));
  const byPlace = new Map(snapshot.groups.flatMap((v) => (v.view === 'full' ? [[v.group.location.placeName, v.group] as const] : [])));
  return { done, byPlace };
}

describe('import detection (fixtures)', () => {
  it('reads a semicolon Kobo export: detects ";", keeps quoted ";" and decimal commas, and says what it detected', async () => {
    const upload = await client.upload(fixture('kobo-semicolon.csv'), 'kobo-semicolon.csv');
    expect(upload).toMatchObject({ encoding: 'utf-8', delimiter: 'semicolon', detected: { encoding: 'utf-8', delimiter: 'semicolon' } });
    expect(upload.headers).toHaveLength(12);
    expect(upload.sample[0]?.[3]).toBe('Tripoli; Souq');
    expect(upload.mapping).toMatchObject({ seenAt: 1, lat: 4, lon: 5, headcountTotal: 6, nationality: 7, needs: 8, notes: 9, sourceId: 10 });
    const mapping = { ...upload.mapping, placeName: 3 };
    const preview = await client.preview(upload.importId, mapping);
    expect(preview).toMatchObject({ total: 2, valid: 2, invalid: [], alreadyPresent: 0, dates: { ambiguous: 0, dayFirst: 0, monthFirst: 0 } });
    const { byPlace } = await importAll(upload.importId, mapping);
    expect(byPlace.get('Tripoli; Souq')).toMatchObject({
      location: { lat: 32.8872, lon: 13.1913 },
      seenAt: '2026-11-10T06:40:00.000Z',
      notes: 'Near the "old" market',
    });

    // Read as commas (the person's choice over the detection), the file fails with a named reason and no cell content.
    const asComma = await client.uploadRaw(fixture('kobo-semicolon.csv'), 'kobo-semicolon.csv', { delimiter: 'comma' });
    expect(asComma.status).toBe(400);
    const body = (await asComma.json()) as { code: string; message: string };
    expect(body.code).toBe('invalid');
    expect(body.message).toMatch(/line \d+ when read as utf-8 with commas between cells; choose another delimiter or encoding/);
    expect(body.message).not.toMatch(/old|Tripoli|market/);
  });

  it('reads a Windows-1252 file: detected, accents and dashes intact; read as UTF-8 on request', async () => {
    const upload = await client.upload(fixture('windows-1252.csv'), 'windows-1252.csv');
    expect(upload).toMatchObject({ encoding: 'windows-1252', delimiter: 'comma', detected: { encoding: 'windows-1252', delimiter: 'comma' } });
    expect(upload.sample[0]?.[1]).toBe('Quartier Bénin – Sabha');
    expect(upload.sample[0]?.[7]).toBe('“urgent” – arrivée hier');
    const preview = await client.preview(upload.importId, upload.mapping);
    expect(preview).toMatchObject({ total: 2, valid: 2, invalid: [] });
    const { byPlace } = await importAll(upload.importId, upload.mapping);
    expect(byPlace.get('Quartier Bénin – Sabha')).toMatchObject({ notes: '“urgent” – arrivée hier', nationalities: [{ code: 'BEN', count: 8 }] });
    // The person can override: read as UTF-8 it shows replacement characters, and the answer says it was chosen.
    const forced = await client.upload(fixture('windows-1252.csv'), 'windows-1252.csv', { encoding: 'utf-8' });
    expect(forced).toMatchObject({ encoding: 'utf-8', detected: { encoding: 'windows-1252' } });
    expect(forced.sample[0]?.[1]).toContain('\uFFFD');
  });

  it('reads a UTF-16 tab-separated file (Excel "Unicode text")', async () => {
    const upload = await client.upload(fixture('utf-16.csv'), 'utf-16.csv');
    expect(upload).toMatchObject({
      encoding: 'utf-16le',
      delimiter: 'tab',
      headers: ['date_seen', 'place_name', 'latitude', 'longitude', 'people', 'nationality', 'needs'],
    });
    expect(upload.sample[0]?.[1]).toBe('سبها');
    const preview = await client.preview(upload.importId, upload.mapping);
    expect(preview).toMatchObject({ total: 2, valid: 2, invalid: [] });
  });

  it('never guesses a day/month order: the preview asks, start is refused until answered, then the answer holds', async () => {
    const upload = await client.upload(fixture('dd-mm.csv'), 'dd-mm.csv');
    const unasked = await client.preview(upload.importId, upload.mapping);
    expect(unasked).toMatchObject({ total: 2, valid: 0, dates: { ambiguous: 1, dayFirst: 1, monthFirst: 0 }, dateOrder: null });
    expect(reasonsByRow(unasked.invalid)).toEqual({ 2: ['date_order:seenAt'], 3: ['date_order:seenAt'] });
    const refused = await client.startRaw(upload.importId, upload.mapping);
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ ok: false, code: 'invalid', message: expect.stringMatching(/day\/month or month\/day/) });

    const dmy = await client.preview(upload.importId, upload.mapping, 'dmy');
    expect(dmy).toMatchObject({ total: 2, valid: 2, invalid: [], dateOrder: 'dmy' });
    // Month/day makes 13/04 no date at all: refused, not rolled over into another month.
    const mdy = await client.preview(upload.importId, upload.mapping, 'mdy');
    expect(reasonsByRow(mdy.invalid)).toEqual({ 3: ['bad_date:seenAt'] });
    const { byPlace } = await importAll(upload.importId, upload.mapping, 'dmy');
    expect(byPlace.get('Janzur')?.seenAt).toBe('2026-04-03T00:00:00.000Z');
    expect(byPlace.get('Zliten')?.seenAt).toBe('2026-04-13T08:30:00.000Z');
  });

  it('flags points outside the crisis area, saying when latitude and longitude look swapped', async () => {
    const upload = await client.upload(fixture('swapped-coordinates.csv'), 'swapped-coordinates.csv');
    const preview = await client.preview(upload.importId, upload.mapping);
    expect(preview).toMatchObject({ total: 4, valid: 1 });
    expect(reasonsByRow(preview.invalid)).toEqual({
      3: ['swapped_coordinates:lat'],
      4: ['swapped_coordinates:lat'],
      5: ['outside_area:lat'],
    });
  });

  it("keeps a Kobo select-multiple's 0/1 columns as yes/no: never guessed as counts, refused if mapped to one", async () => {
    const upload = await client.upload(fixture('kobo-select-multiple.csv'), 'kobo-select-multiple.csv');
    expect(upload.choiceColumns).toEqual([6, 7]);
    expect(upload.mapping).toMatchObject({ disability: null, pregnantOrLactating: null, unaccompaniedChildren: 8, seenAt: 0 });
    const preview = await client.preview(upload.importId, upload.mapping);
    expect(preview).toMatchObject({ total: 2, valid: 2, invalid: [] });
    const wrong = await fetch(`${server.url}/api/imports/${upload.importId}/preview`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json', ...ownOrigin(server.url) },
      body: JSON.stringify({ mapping: { ...upload.mapping, disability: 6 } }),
    });
    expect(wrong.status).toBe(400);
    expect(await wrong.json()).toMatchObject({ code: 'invalid', message: expect.stringMatching(/"vulnerabilities\/disability" holds yes\/no answers/) });
  });

  it("takes Waymark's own groups export back into the same crisis with nothing new and nothing changed", async () => {
    const exported = await fetch(`${server.url}${EXPORT_ROUTES.groupsCsv}`, { headers: { cookie } });
    const csv = Buffer.from(await exported.arrayBuffer());
    const groupsBefore = await server.countRows('groups');
    const changesBefore = await server.countRows('change_log');
    expect(groupsBefore).toBeGreaterThan(0);
    const upload = await client.upload(csv, 'waymark-groups.csv');
    expect(upload).toMatchObject({ encoding: 'utf-8', delimiter: 'comma', hxl: expect.arrayContaining(['#meta+id']) });
    // Its own columns: the id, last seen (not the report date), the nationality mix, the intention.
    const col = (tag: string) => upload.hxl!.indexOf(tag);
    expect(upload.mapping).toMatchObject({
      sourceId: col('#meta+id'),
      seenAt: col('#date+seen'),
      lat: col('#geo+lat'),
      lon: col('#geo+lon'),
      placeName: col('#loc+name'),
      headcountTotal: col('#affected+migrants+total'),
      nationality: col('#indicator+text+nationality'),
      intention: col('#indicator+text+intention'),
      needs: col('#need+type'),
    });
    const preview = await client.preview(upload.importId, upload.mapping);
    expect(preview.invalid).toEqual([]);
    expect(preview).toMatchObject({ total: groupsBefore, valid: groupsBefore, alreadyPresent: groupsBefore });
    const { done } = await importAll(upload.importId, upload.mapping);
    expect(done).toMatchObject({ imported: 0, alreadyPresent: groupsBefore, refused: 0 });
    expect(await server.countRows('groups')).toBe(groupsBefore);
    expect(await server.countRows('change_log')).toBe(changesBefore);
  });
});
