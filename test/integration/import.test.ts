import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImportMapping } from '../../shared/import-mapping';
import { ownOrigin, connectAs, requestSync, expectSnapshot, signIn, collectChanges, type ClientSocket } from '../support/clients';
import { importClient, watchImport } from '../support/imports';
import { startTestServer, type TestServer } from '../support/server';
import { API_ROUTES } from '../../shared/schemas/api.schema';
import { IMPORT_ROUTES } from '../../shared/schemas/import.schema';

const FIXTURE = fs.readFileSync(new URL('../fixtures/kobo-sample.csv', import.meta.url));
const PLACE_COLUMN = 3; // group/village: a header no guess knows, so the person maps it

let server: TestServer;
let cookie: string;
let socket: ClientSocket;
const sockets: ClientSocket[] = [];

beforeAll(async () => {
  server = await startTestServer({ importMaxBytes: 64 * 1024, importPolicy: { chunkSize: 4 } });
  const c = server.fixtureAccounts.coordinator!;
  cookie = await signIn(server.url, c.username, c.password);
  socket = await connectAs(server.url, cookie);
  sockets.push(socket);
});
afterAll(async () => {
  for (const s of sockets) s.close();
  await server.destroy();
});

describe('CSV import (Kobo/ODK)', () => {
  let mapping: ImportMapping;
  let firstImportId: string;

  it('guesses the mapping from the headers and the HXL row', async () => {
    const upload = await importClient(server.url, cookie).upload(FIXTURE);
    expect(upload.headers[18]).toBe('_uuid');
    expect(upload.hxl?.[5]).toBe('#geo+lat');
    expect(upload.mapping).toMatchObject({
      sourceId: 18,
      // Kobo's `end` (the interview's end, at the group), not `_submission_time` (#date+reported).
      seenAt: 1,
      lat: 5,
      lon: 6,
      accuracyM: 8,
      headcountTotal: 9,
      nationality: 10,
      needs: 11,
      severity: 12,
      consent: 13,
      protectionConcern: 14,
      unaccompaniedChildren: 15,
      notes: 16,
      placeName: null,
      geopoint: null,
    });
    mapping = { ...upload.mapping, placeName: PLACE_COLUMN };
    firstImportId = upload.importId;
  });

  it('previews every invalid row with its row number and reason', async () => {
    const preview = await importClient(server.url, cookie).preview(firstImportId, mapping);
    expect(preview.total).toBe(16);
    expect(preview.valid).toBe(10);
    const byRow = Object.fromEntries(preview.invalid.map((r) => [r.row, r.reasons.map((x) => `${x.code}:${x.field}`)]));
    // The header is row 1 and the HXL hashtags row 2, as in a spreadsheet.
    expect(byRow).toEqual({
      6: ['required:lat'],
      9: ['not_a_number:headcountTotal'],
      12: ['unknown_value:needs'],
      14: ['rule:nationality'],
      17: ['rule:lat'],
      18: ['duplicate_row:null'],
    });
    // Which item of the list, never the cell's content.
    expect(preview.invalid.find((r) => r.row === 12)?.reasons[0]).toEqual({ code: 'unknown_value', field: 'needs', value: null, detail: 'item 2' });
    expect(JSON.stringify(preview)).not.toContain('blankets');
    expect(preview.invalid.find((r) => r.row === 18)?.reasons[0]?.value).toBe('3');
  });

  it('imports the valid rows, publishes them live and audits the run', async () => {
    const before = await server.countRows('groups');
    const changes = collectChanges(socket);
    const watch = watchImport(socket);
    const started = await importClient(server.url, cookie).start(firstImportId, mapping);
    const done = await watch.done(started.importId);
    expect(done).toMatchObject({ total: 16, processed: 16, imported: 10, alreadyPresent: 0, refused: 6 });
    // Progress came chunk by chunk (4 rows each) before the end.
    expect(watch.events.filter((e) => e.state === 'running').length).toBeGreaterThanOrEqual(3);
    expect(await server.countRows('groups')).toBe(before + 10);
    await requestSync(socket, null); // a barrier: every change sent before it has arrived
    const upserts = changes.filter((c) => c.kind === 'group.upsert');
    expect(upserts).toHaveLength(10);
    const tripoli = upserts.map((c) => c.group).find((v) => v.view === 'full' && v.group.location.placeName === 'Tripoli Souq');
    expect(tripoli?.view === 'full' && tripoli.group).toMatchObject({
      headcount: { total: 12 },
      nationalities: [{ code: 'NGA', count: 12 }],
      consentConsulate: 'yes',
      seenAt: '2026-11-10T06:00:00.500Z',
      location: { lat: 32.8872, lon: 13.1913, accuracyM: 8.5, siteType: 'informal_settlement' },
    });
    expect(tripoli?.view === 'full' && tripoli.group.needs.map((n) => [n.type, n.severity])).toEqual([
      ['water', 4],
      ['food', 4],
      ['shelter', 4],
    ]);

    const audit = await fetch(`${server.url}${API_ROUTES.audit}?action=import.groups`, { headers: { cookie } });
    const entries = ((await audit.json()) as { entries: { recordId: string; outcome: string; userId: string }[] }).entries;
    expect(entries.find((e) => e.recordId === started.importId)).toMatchObject({ outcome: 'ok' });
    const status = await fetch(`${server.url}${IMPORT_ROUTES.one(started.importId)}`, { headers: { cookie } });
    expect(await status.json()).toMatchObject({ ok: true, job: { fileName: 'kobo-sample.csv', imported: 10, refused: 6, state: 'done' } });
  });

  it('adds nothing when the same file is imported again', async () => {
    const client = importClient(server.url, cookie);
    const groups = await server.countRows('groups');
    const changeLog = await server.countRows('change_log');
    const upload = await client.upload(FIXTURE);
    const watch = watchImport(socket);
    const started = await client.start(upload.importId, { ...upload.mapping, placeName: PLACE_COLUMN });
    expect(await watch.done(started.importId)).toMatchObject({ imported: 0, alreadyPresent: 10, refused: 6 });
    expect(await server.countRows('groups')).toBe(groups);
    expect(await server.countRows('change_log')).toBe(changeLog);
    // Another coordinator importing it adds nothing either: the ids come from the rows, not the person.
    const second = server.fixtureAccounts.secondCoordinator!;
    const other = importClient(server.url, await signIn(server.url, second.username, second.password));
    const otherSocket = await connectAs(server.url, await signIn(server.url, second.username, second.password));
    sockets.push(otherSocket);
    const again = await other.upload(FIXTURE);
    const otherWatch = watchImport(otherSocket);
    const run = await other.start(again.importId, again.mapping);
    expect(await otherWatch.done(run.importId)).toMatchObject({ imported: 0, alreadyPresent: 10 });
    expect(await server.countRows('groups')).toBe(groups);
  });

  it('refuses a file over the size limit with a named error, and bad input without a change', async () => {
    const client = importClient(server.url, cookie);
    const big = await client.uploadRaw(Buffer.concat([FIXTURE, Buffer.alloc(70 * 1024, 'x')]));
    expect(big.status).toBe(413);
    expect(await big.json()).toMatchObject({ ok: false, code: 'too_large' });
    const broken = await client.uploadRaw('a,b\n"unclosed,1\n');
    expect(broken.status).toBe(400);
    expect(await broken.json()).toMatchObject({ ok: false, code: 'invalid' });
    const headerOnly = await client.uploadRaw('a,b\n');
    expect(headerOnly.status).toBe(400);
    const badMapping = await fetch(`${server.url}${IMPORT_ROUTES.preview(firstImportId)}`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json', ...ownOrigin(server.url) },
      body: JSON.stringify({ mapping: { lat: -1 } }),
    });
    expect(badMapping.status).toBe(400);
  });

  it("is for coordinators only, and one coordinator cannot use another's upload", async () => {
    for (const account of ['field', 'responder', 'embassy', 'admin'] as const) {
      const credentials = server.fixtureAccounts[account]!;
      const response = await importClient(server.url, await signIn(server.url, credentials.username, credentials.password)).uploadRaw(FIXTURE);
      expect(response.status, account).toBe(403);
    }
    const anonymous = await fetch(`${server.url}${IMPORT_ROUTES.upload}`, { method: 'POST', headers: ownOrigin(server.url), body: new Uint8Array(FIXTURE) });
    expect(anonymous.status).toBe(401);
    const second = server.fixtureAccounts.secondCoordinator!;
    const other = await signIn(server.url, second.username, second.password);
    const response = await fetch(`${server.url}${IMPORT_ROUTES.preview(firstImportId)}`, {
      method: 'POST',
      headers: { cookie: other, 'content-type': 'application/json', ...ownOrigin(server.url) },
      body: JSON.stringify({ mapping }),
    });
    expect(response.status).toBe(404);
  });

  it('gives the responder only reduced views of imported groups', async () => {
    const r = server.fixtureAccounts.responder!;
    const responder = await connectAs(server.url, await signIn(server.url, r.username, r.password));
    sockets.push(responder);
    const snapshot = expectSnapshot(await requestSync(responder, null));
    expect(snapshot.groups.length).toBeGreaterThanOrEqual(10);
    expect(snapshot.groups.every((v) => v.view === 'reduced')).toBe(true);
  });
});
