import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectAs, connectRaw, signIn, type ClientSocket, type RawSocket } from '../support/clients';
import { importClient, watchImport } from '../support/imports';
import { startTestServer, type TestServer } from '../support/server';

const ROWS = 50_000;

/** A Kobo-style export of `n` submissions around Tripoli, every one valid. */
function bigExport(n: number): string {
  const lines = ['_uuid,_submission_time,_gps_latitude,_gps_longitude,group/headcount_total,nationality,needs'];
  for (let i = 0; i < n; i += 1) {
    const uuid = `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;
    lines.push(`${uuid},2026-11-20T08:00:00,${(32 + (i % 1000) / 1000).toFixed(4)},${(13 + (i % 997) / 997).toFixed(4)},${1 + (i % 40)},NGA,water food`);
  }
  return `${lines.join('\n')}\n`;
}

let server: TestServer;
let coordinator: ClientSocket;
let pinger: RawSocket;

beforeAll(async () => {
  server = await startTestServer();
  const c = server.fixtureAccounts.coordinator!;
  const cookie = await signIn(server.url, c.username, c.password);
  coordinator = await connectAs(server.url, cookie);
  // An admin's socket joins no group room: it only asks and is answered.
  const a = server.fixtureAccounts.admin!;
  pinger = await connectRaw(server.url, await signIn(server.url, a.username, a.password));
});
afterAll(async () => {
  coordinator.close();
  pinger.close();
  await server.destroy();
});

describe('a 50,000-row import', () => {
  it('completes with progress while other sockets are still answered between chunks', { timeout: 600_000 }, async () => {
    const c = server.fixtureAccounts.coordinator!;
    const client = importClient(server.url, await signIn(server.url, c.username, c.password));
    const upload = await client.upload(bigExport(ROWS), 'big.csv');
    const watch = watchImport(coordinator);

    // Every progress event triggers one ping; each answer records how far the import had got.
    const answeredAt: number[] = [];
    let latest = 0;
    let pending = false;
    let inFlight: Promise<unknown> = Promise.resolve();
    coordinator.on('importProgress', (job) => {
      latest = job.processed;
      if (pending || job.state !== 'running') return;
      pending = true;
      inFlight = pinger
        .timeout(60_000)
        .emitWithAck('command', { type: 'not-a-command' })
        .then((ack: { code?: string }) => {
          if (ack.code === 'invalid') answeredAt.push(latest);
          pending = false;
        });
    });

    const started = await client.start(upload.importId, upload.mapping);
    const done = await watch.done(started.importId);
    await inFlight;
    expect(done).toMatchObject({ total: ROWS, processed: ROWS, imported: ROWS, refused: 0 });
    expect(await server.countRows('groups')).toBe(ROWS);
    const running = watch.events.filter((e) => e.state === 'running');
    // At most 500 rows per transaction (fewer when a chunk reaches its time budget): an event per chunk.
    expect(running.length).toBeGreaterThanOrEqual(ROWS / 500);
    expect(running.map((e) => e.processed)).toEqual([...running.map((e) => e.processed)].sort((a, b) => a - b));
    // Pings were answered while the import was still running, at many different points of it:
    // the event loop went back to the sockets between chunks.
    const midImport = new Set(answeredAt.filter((at) => at < ROWS));
    expect(midImport.size).toBeGreaterThanOrEqual(10);
  });
});
