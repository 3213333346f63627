import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync, gzipSync } from 'node:zlib';
import { Server } from 'socket.io';
import { v7 as uuidv7 } from 'uuid';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DEVICE_COPY_PROJECTION, type CachedGroups, type DeviceStore } from '../../client/lib/offline/device-store';
import type { OutboxEntry } from '../../client/lib/sync/outbox.svelte';
import { SyncClient } from '../../client/lib/sync/sync-client.svelte';
import { encodeViews } from '../../shared/packed-views';
import { viewsToBytes } from '../../shared/packed-bytes';
import type { Crisis } from '../../shared/schemas/crisis.schema';
import type { GroupView } from '../../shared/schemas/group.schema';
import type { ChangeEvent } from '../../shared/schemas/sync.schema';
import { makeGroup } from '../support/factories';

// Issue 21: when a group's removal arrives (an erasure's tombstone), the device deletes it from what
// it has *stored* at once: the stored groups, a stored packed snapshot, the outbox records of that
// group. Checked by reading everything the device store holds, as bytes, for the group's values.

const MARK = { place: 'Qzdeviceplace', notes: 'Qzdevicenote', edit: 'Qzdeviceedit' } as const;
const crisis: Crisis = {
  id: uuidv7(),
  name: 'Test crisis',
  type: 'conflict',
  hostCountry: 'LBY',
  phase: 'emergency_response',
  area: [9, 19, 25, 33],
  isDemo: false,
  createdAt: new Date().toISOString(),
};

/** The device's storage in memory, as IndexedDB would hold it: the last groups and the outbox records. */
function memoryDevice(cached: CachedGroups | null, outbox: OutboxEntry[]) {
  const device = {
    groups: cached,
    outbox: new Map(outbox.map((e) => [e.command.commandId, e])),
    store: {
      loadOutbox: async () => [...device.outbox.values()],
      putEntry: async (_user: string, entry: OutboxEntry) => void device.outbox.set(entry.command.commandId, entry),
      deleteEntry: async (id: string) => void device.outbox.delete(id),
      loadGroups: async () => device.groups,
      saveGroups: async (value: CachedGroups) => void (device.groups = { ...value, projection: DEVICE_COPY_PROJECTION }),
      forgetGroups: async () => void (device.groups = null),
    } as unknown as DeviceStore,
    /** Everything stored, as text: packed bytes gunzipped, so a value inside them shows too. */
    bytes(): string {
      const packed = device.groups?.packed ? gunzipSync(device.groups.packed).toString('utf8') : '';
      return JSON.stringify({ groups: device.groups?.groups ?? [], outbox: [...device.outbox.values()] }) + packed;
    },
  };
  return device;
}

/** A Socket.IO server that answers `sync` with `reply` and lets the test emit live events. */
async function fakeServer(reply: (sinceSeq: number | null) => unknown) {
  const http = createServer();
  const io = new Server(http);
  io.on('connection', (socket) => {
    socket.on('sync', (request: { sinceSeq: number | null }, ack: (value: unknown) => void) => ack(reply(request.sinceSeq)));
    socket.on('command', (_command: unknown, ack: (value: unknown) => void) => ack({ ok: false, code: 'not_found', message: 'erased' }));
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return { io, url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`, close: () => new Promise<void>((resolve) => void io.close(() => resolve())) };
}

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

function setUp() {
  const erased = makeGroup({
    crisisId: crisis.id,
    notes: MARK.notes,
    location: { lat: 26.6, lon: 12.7, accuracyM: 4, placeName: MARK.place, siteType: 'other', siteId: null },
  });
  const kept = makeGroup({ crisisId: crisis.id });
  const views: GroupView[] = [erased, kept].map((group) => ({ view: 'full', group }));
  const sent: OutboxEntry = {
    command: { type: 'group.report', commandId: uuidv7(), group: { ...erased, needs: [] } as never },
    queuedAt: new Date().toISOString(),
    status: 'sent',
    seq: 1,
    failure: null,
    current: null,
  };
  const waiting: OutboxEntry = {
    command: { type: 'group.update', commandId: uuidv7(), groupId: erased.id, baseVersion: 1, patch: { notes: MARK.edit } },
    queuedAt: new Date().toISOString(),
    status: 'waiting',
    seq: null,
    failure: null,
    current: null,
  };
  return { erased, kept, views, outbox: [sent, waiting] };
}

const removal = (seq: number, groupId: string): ChangeEvent => ({ kind: 'group.remove', seq, groupId });

describe('a removed group leaves the device’s storage at once', () => {
  it('live: the stored groups are rewritten and its outbox records deleted when the removal arrives, not at the next periodic save', async () => {
    const { erased, kept, views } = setUp();
    const device = memoryDevice(null, []);
    const server = await fakeServer(() => ({ ok: true, mode: 'snapshot', seq: 5, crisis, groups: views, sites: [] }));
    cleanups.push(server.close);
    const client = new SyncClient({ url: server.url, device: { store: device.store, userId: 'u' } });
    cleanups.push(() => client.destroy());
    await client.start();
    await vi.waitFor(() => expect(client.connection).toBe('connected'));
    await vi.waitFor(() => expect(device.bytes()).toContain(MARK.notes));

    server.io.emit('change', removal(6, erased.id));
    await vi.waitFor(() => expect(client.groups.has(erased.id)).toBe(false), { interval: 2 });
    // The periodic save comes 2 s after a change: this looks right after the removal is applied.
    await client.outbox.settled();
    expect(device.bytes()).not.toContain(MARK.notes);
    expect(device.bytes()).not.toContain(MARK.place);
    expect(device.groups?.groups.map((v) => v.group.id)).toEqual([kept.id]);
  });

  it('catching up after being offline: the packed copy, the sent report and the unsent edit of the group all go, and the unsent edit is counted', async () => {
    const { erased, kept, views, outbox } = setUp();
    const packed = new Uint8Array(gzipSync(viewsToBytes(encodeViews(views))));
    const device = memoryDevice({ projection: DEVICE_COPY_PROJECTION, userId: 'u', seq: 5, groups: [], packed }, outbox);
    expect(device.bytes()).toContain(MARK.place);
    expect(device.bytes()).toContain(MARK.edit);
    const server = await fakeServer((since) =>
      since === 5 ? { ok: true, mode: 'changes', seq: 6, changes: [removal(6, erased.id)] } : { ok: false, code: 'internal', message: 'unexpected' },
    );
    cleanups.push(server.close);
    const client = new SyncClient({ url: server.url, device: { store: device.store, userId: 'u' } });
    cleanups.push(() => client.destroy());
    await client.start();
    expect(client.groups.has(erased.id)).toBe(true);
    await vi.waitFor(() => expect(client.connection).toBe('connected'));
    await client.outbox.settled();
    expect(client.groups.has(erased.id)).toBe(false);
    expect(device.bytes()).not.toContain(MARK.notes);
    expect(device.bytes()).not.toContain(MARK.place);
    expect(device.bytes()).not.toContain(MARK.edit);
    expect(device.groups?.groups.map((v) => v.group.id)).toEqual([kept.id]);
    expect(device.groups?.packed).toBeUndefined();
    expect(client.outbox.entries).toEqual([]);
    expect(client.outbox.forgottenWaiting).toBe(1);
  });
});
