import { describe, expect, it } from 'vitest';
import { v7 } from 'uuid';
import { ChangeFeed } from '../../client/lib/sync/change-feed';
import { summarizeView, type SummaryView } from '../../shared/packed-views';
import type { GroupView } from '../../shared/schemas/group.schema';
import { makeGroup } from '../support/factories';
import type { ChangeEvent } from '../../shared/schemas/sync.schema';

function reduced(id: string, version = 1): GroupView {
  return { view: 'reduced', group: { id, lat: 1, lon: 2, status: 'reported', needTypes: [], version } };
}
const upsert = (seq: number, view: GroupView): ChangeEvent => ({ kind: 'group.upsert', seq, group: view });
const remove = (seq: number, groupId: string): ChangeEvent => ({ kind: 'group.remove', seq, groupId });

describe(ChangeFeed.name, () => {
  it('replaces every group with a snapshot', () => {
    const feed = new ChangeFeed();
    const a = v7();
    const b = v7();
    feed.beginSync();
    feed.applySnapshot(5, [reduced(a)]);
    feed.beginSync();
    feed.applySnapshot(7, [reduced(b)]);
    expect([...feed.groups.keys()]).toEqual([b]);
    expect(feed.lastAppliedSeq).toBe(7);
  });

  it('applies catch-up changes in sequence order', () => {
    const feed = new ChangeFeed();
    const a = v7();
    feed.beginSync();
    feed.applySnapshot(1, []);
    feed.beginSync();
    feed.applyCatchUp(4, [remove(4, a), upsert(3, reduced(a))]);
    expect(feed.groups.has(a)).toBe(false);
    expect(feed.lastAppliedSeq).toBe(4);
  });

  it('buffers live changes during a sync and applies only those the reply does not cover', () => {
    const feed = new ChangeFeed();
    const old = v7();
    const fresh = v7();
    feed.beginSync();
    expect(feed.receive(upsert(3, reduced(old, 9)))).toBe(false);
    expect(feed.receive(upsert(6, reduced(fresh)))).toBe(false);
    expect(feed.groups.size).toBe(0);
    feed.applySnapshot(5, [reduced(old, 2)]);
    expect(feed.groups.get(old)?.group.version).toBe(2);
    expect(feed.groups.has(fresh)).toBe(true);
    expect(feed.lastAppliedSeq).toBe(6);
  });

  it('ignores a live change at or below the applied sequence number', () => {
    const feed = new ChangeFeed();
    const a = v7();
    feed.beginSync();
    feed.applySnapshot(10, [reduced(a, 3)]);
    expect(feed.receive(remove(10, a))).toBe(false);
    expect(feed.receive(remove(8, a))).toBe(false);
    expect(feed.groups.has(a)).toBe(true);
    expect(feed.receive(remove(11, a))).toBe(true);
    expect(feed.groups.has(a)).toBe(false);
  });

  it('never lets an acknowledged state replace a newer version, nor move the sequence number', () => {
    const feed = new ChangeFeed();
    const a = v7();
    feed.beginSync();
    feed.applySnapshot(10, [reduced(a, 4)]);
    expect(feed.applyAcknowledged(reduced(a, 3), 12)).toBe(false);
    expect(feed.applyAcknowledged(reduced(a, 5), 12)).toBe(true);
    expect(feed.lastAppliedSeq).toBe(10);
    expect(feed.applyAcknowledged(reduced(a, 6), 9)).toBe(false);
  });

  it('forgets everything on reset', () => {
    const feed = new ChangeFeed();
    feed.beginSync();
    feed.applySnapshot(3, [reduced(v7())]);
    feed.reset();
    expect(feed.groups.size).toBe(0);
    expect(feed.lastAppliedSeq).toBeNull();
    expect(feed.syncing).toBe(false);
  });
});

describe('ChangeFeed.applyRead (a group read on its own, replacing its summary)', () => {
  it('replaces a view of the same or an older version, never a newer one, and moves no sequence number', () => {
    const feed = new ChangeFeed();
    const a = v7();
    feed.beginSync();
    feed.applySnapshot(5, [reduced(a, 2)]);
    const same = reduced(a, 2);
    expect(feed.applyRead(same)).toBe(true);
    expect(feed.groups.get(a)).toBe(same);
    expect(feed.applyRead(reduced(a, 1))).toBe(false);
    expect(feed.groups.get(a)).toBe(same);
    expect(feed.applyRead(reduced(a, 3))).toBe(true);
    expect(feed.lastAppliedSeq).toBe(5);
  });

  describe('over a packed base of summaries', () => {
    const summaryOf = (view: GroupView) => summarizeView(view) as SummaryView;

    it('replaces a summary with a live full view of a newer version', () => {
      const feed = new ChangeFeed();
      const before = makeGroup({ version: 2 });
      const after: GroupView = { view: 'full', group: { ...before, version: 3, notes: 'water point dry' } };
      feed.beginSync();
      feed.applyBase(10, [summaryOf({ view: 'full', group: before })]);
      feed.applyCatchUp(10, []);
      expect(feed.groups.get(before.id)?.view).toBe('summary');
      expect(feed.receive(upsert(11, after))).toBe(true);
      expect(feed.groups.get(before.id)).toBe(after);
    });

    it('replaces a summary with the full view of the same version (the audited read of its details)', () => {
      const feed = new ChangeFeed();
      const group = makeGroup({ version: 4 });
      const full: GroupView = { view: 'full', group };
      feed.applySnapshot(10, [summaryOf(full)]);
      expect(feed.applyRead(full)).toBe(true);
      expect(feed.groups.get(group.id)).toBe(full);
    });

    it('keeps a summary newer than the full view that arrives late', () => {
      const feed = new ChangeFeed();
      const group = makeGroup({ version: 5 });
      const summary = summaryOf({ view: 'full', group });
      feed.applySnapshot(10, [summary]);
      expect(feed.applyRead({ view: 'full', group: { ...group, version: 4 } })).toBe(false);
      expect(feed.groups.get(group.id)).toBe(summary);
    });

    it('applies the changes buffered behind a packed base over its summaries, in order', () => {
      const feed = new ChangeFeed();
      const group = makeGroup({ version: 1 });
      feed.beginSync();
      feed.applyBase(10, [summaryOf({ view: 'full', group })]);
      const live: GroupView = { view: 'full', group: { ...group, version: 3 } };
      expect(feed.receive(upsert(12, live))).toBe(false);
      feed.applyCatchUp(11, [upsert(11, { view: 'full', group: { ...group, version: 2 } })]);
      expect(feed.groups.get(group.id)).toBe(live);
      expect(feed.lastAppliedSeq).toBe(12);
    });
  });
});
