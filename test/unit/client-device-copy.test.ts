import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEVICE_COPY_PROJECTION, type CachedGroups, type DeviceStore } from '../../client/lib/offline/device-store';
import { SyncClient } from '../../client/lib/sync/sync-client.svelte';
import { encodeViews, summarizeView, type PackedViews } from '../../shared/packed-views';
import { viewsToBytes } from '../../shared/packed-bytes';
import type { GroupView } from '../../shared/schemas/group.schema';
import { makeGroup } from '../support/factories';

// A big crisis's device copy is the packed snapshot it started from (client/lib/offline). A copy
// in an older packed format, left by the previous version of the app, is dropped cleanly: the app
// starts as with no copy (and the first sync replaces it), never crashes or shows a half-read one.

/** The device's storage, in memory, holding `cached` as the last groups. */
function deviceWith(cached: CachedGroups | null) {
  const saved: CachedGroups[] = [];
  const device = {
    held: cached,
    saved,
    store: {
      loadOutbox: async () => [],
      putEntry: async () => undefined,
      deleteEntry: async () => undefined,
      loadGroups: async () => device.held,
      saveGroups: async (value: CachedGroups) => void saved.push(value),
      forgetGroups: async () => void (device.held = null),
    } as unknown as DeviceStore,
  };
  return device;
}

const packed = (value: PackedViews) => new Uint8Array(gzipSync(viewsToBytes(value)));

/**
 * A client that never reaches a server (by default nothing listens on port 9): only what the
 * device held counts.
 */
async function startWith(cached: CachedGroups | null, device = deviceWith(cached), url = 'http://127.0.0.1:9'): Promise<SyncClient> {
  const client = new SyncClient({ url, device: { store: device.store, userId: 'u' } });
  await client.start();
  return client;
}
const current = { projection: DEVICE_COPY_PROJECTION };

describe('SyncClient start from the device copy', () => {
  const groups = [makeGroup(), makeGroup()];
  const views: GroupView[] = groups.map((group) => ({ view: 'full', group }));

  it('shows a packed copy of the current format at once, summaries held as summaries', async () => {
    const client = await startWith({ ...current, userId: 'u', seq: 7, groups: [], packed: packed(encodeViews(views.map(summarizeView))) });
    try {
      expect(client.ready).toBe(true);
      expect(client.lastAppliedSeq).toBe(7);
      expect([...client.groups.keys()].sort()).toEqual(groups.map((g) => g.id).sort());
      expect([...client.groups.values()].every((v) => v.view === 'summary')).toBe(true);
    } finally {
      client.destroy();
    }
  });

  it.each([
    ['a packed copy of the previous format', () => packed({ ...encodeViews(views), format: 1 } as unknown as PackedViews)],
    [
      'a copy kept before the packed bytes (the columns as gzipped JSON)',
      () => new Uint8Array(gzipSync(JSON.stringify(encodeViews(views.map(summarizeView))))),
    ],
  ])('drops %s: starts with nothing, as with no copy', async (_, copy) => {
    const client = await startWith({ ...current, userId: 'u', seq: 7, groups: [], packed: copy() });
    try {
      expect(client.ready).toBe(false);
      expect(client.lastAppliedSeq).toBeNull();
      expect(client.groups.size).toBe(0);
    } finally {
      client.destroy();
    }
  });

  it('drops bytes that are not a packed copy at all', async () => {
    const client = await startWith({ ...current, userId: 'u', seq: 7, groups: [], packed: new Uint8Array([1, 2, 3]) });
    try {
      expect(client.ready).toBe(false);
      expect(client.groups.size).toBe(0);
    } finally {
      client.destroy();
    }
  });

  it('shows a plain copy made under the current projection at once', async () => {
    const client = await startWith({ ...current, userId: 'u', seq: 7, groups: views });
    try {
      expect(client.ready).toBe(true);
      expect(client.groups.size).toBe(2);
    } finally {
      client.destroy();
    }
  });

  it('drops and deletes a copy made before protection rule 11 (another team’s groups in full): starts as with no copy', async () => {
    // The previous version kept every group of the crisis in full, and a catch-up from its seq
    // would never take them back: the copy goes, and the first sync brings what the phone may hold.
    const device = deviceWith({ userId: 'u', seq: 7, groups: views });
    const client = await startWith(null, device);
    try {
      expect(client.ready).toBe(false);
      expect(client.lastAppliedSeq).toBeNull();
      expect(client.groups.size).toBe(0);
      expect(device.held).toBeNull();
    } finally {
      client.destroy();
    }
  });
});

// The map waits for `underWay` before it starts (GroupMapProps.startAfter), so it must settle on
// every path: the sync sent (the browser test, test/e2e/load-steps.test.ts), the device's groups
// held, the socket unable to connect, the client destroyed. A path that never settled would hold
// the map back until its longest wait.
describe('SyncClient.underWay', () => {
  /** A server that takes connections and never answers: the socket neither connects nor fails for a long while. */
  let silent: Server;
  let silentUrl = '';
  beforeAll(async () => {
    silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    silentUrl = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    silent.closeAllConnections?.();
    await new Promise((resolve) => silent.close(resolve));
  });
  /** Whether `promise` has settled by the end of the tasks queued now. */
  const settled = (promise: Promise<unknown>) => Promise.race([promise.then(() => true), new Promise((resolve) => setTimeout(() => resolve(false), 0))]);

  it('settles once the groups the device kept are held, before the server answers', async () => {
    const copy = { ...current, userId: 'u', seq: 7, groups: [], packed: packed(encodeViews([{ view: 'full', group: makeGroup() }])) };
    const client = await startWith(copy, deviceWith(copy), silentUrl);
    try {
      expect(client.ready).toBe(true);
      expect(await settled(client.underWay)).toBe(true);
    } finally {
      client.destroy();
    }
  });

  it('does not settle while the socket is still connecting with nothing to show, and settles when the client is destroyed', async () => {
    // The socket is mid-connect once the silent server has its connection.
    const reached = new Promise((resolve) => silent.once('connection', resolve));
    const client = await startWith(null, deviceWith(null), silentUrl);
    await reached;
    expect(await settled(client.underWay)).toBe(false);
    client.destroy();
    expect(await settled(client.underWay)).toBe(true);
  });

  it('settles when the socket cannot connect (offline)', async () => {
    const client = await startWith(null);
    try {
      await expect(client.underWay).resolves.toBeUndefined();
      expect(client.connection).toBe('offline');
    } finally {
      client.destroy();
    }
  });
});
