import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { CachedGroups, DeviceStore } from '../../client/lib/offline/device-store';
import { isSummary } from '../../client/lib/sync/summary';
import { SyncClient } from '../../client/lib/sync/sync-client.svelte';
import { encodeViews, summarizeView } from '../../shared/packed-views';
import type { GroupView } from '../../shared/schemas/group.schema';
import { makeGroup } from '../support/factories';

// A big crisis's device copy is the packed snapshot it started from (client/lib/offline). A copy
// in an older packed format, left by the previous version of the app, is dropped cleanly: the app
// starts as with no copy (and the first sync replaces it), never crashes or shows a half-read one.

/** The device's storage, in memory, holding `cached` as the last groups. */
function deviceWith(cached: CachedGroups | null) {
  const saved: CachedGroups[] = [];
  const store = {
    loadOutbox: async () => [],
    putEntry: async () => undefined,
    deleteEntry: async () => undefined,
    loadGroups: async () => cached,
    saveGroups: async (value: CachedGroups) => void saved.push(value),
  };
  return { store: store as unknown as DeviceStore, saved };
}

const packed = (value: unknown) => new Uint8Array(gzipSync(JSON.stringify(value)));

/** A client that never reaches a server (nothing listens on port 9): only what the device held counts. */
async function startWith(cached: CachedGroups | null): Promise<SyncClient> {
  const client = new SyncClient({ url: 'http://127.0.0.1:9', device: { store: deviceWith(cached).store, userId: 'u' } });
  await client.start();
  return client;
}

describe('SyncClient start from the device copy', () => {
  const groups = [makeGroup(), makeGroup()];
  const views: GroupView[] = groups.map((group) => ({ view: 'full', group }));

  it('shows a packed copy of the current format at once, summaries marked as such', async () => {
    const client = await startWith({ userId: 'u', seq: 7, groups: [], packed: packed(encodeViews(views.map(summarizeView))) });
    try {
      expect(client.ready).toBe(true);
      expect(client.lastAppliedSeq).toBe(7);
      expect([...client.groups.keys()].sort()).toEqual(groups.map((g) => g.id).sort());
      expect([...client.groups.values()].every(isSummary)).toBe(true);
    } finally {
      client.destroy();
    }
  });

  it('drops a packed copy of the previous format: starts with nothing, as with no copy', async () => {
    const old = { ...encodeViews(views), format: 1 };
    const client = await startWith({ userId: 'u', seq: 7, groups: [], packed: packed(old) });
    try {
      expect(client.ready).toBe(false);
      expect(client.lastAppliedSeq).toBeNull();
      expect(client.groups.size).toBe(0);
    } finally {
      client.destroy();
    }
  });

  it('drops bytes that are not a packed copy at all', async () => {
    const client = await startWith({ userId: 'u', seq: 7, groups: [], packed: new Uint8Array([1, 2, 3]) });
    try {
      expect(client.ready).toBe(false);
      expect(client.groups.size).toBe(0);
    } finally {
      client.destroy();
    }
  });
});
