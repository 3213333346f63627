import { describe, expect, it } from 'vitest';
import { overlayChanges } from '../../shared/packed-views';
import { reduceGroup, FIELD_LOCATION_DECIMALS } from '../../shared/projection';
import type { ChangeEvent } from '../../shared/schemas/sync.schema';
import { makeGroup } from '../support/factories';

// A field phone's live batch: the one every field phone shares, with its own changes laid over it
// (`changesPacked(bytes, own)`). Its own changes replace the shared ones of the same sequence
// number or join where the shared batch had nothing, and the result is in sequence order.

describe(overlayChanges.name, () => {
  const [a, b, c] = [makeGroup(), makeGroup(), makeGroup({ protectionConcern: true })];
  const point = (seq: number, group = a): ChangeEvent => ({ kind: 'group.upsert', seq, group: reduceGroup(group, FIELD_LOCATION_DECIMALS) });
  const full = (seq: number, group = a): ChangeEvent => ({ kind: 'group.upsert', seq, group: { view: 'full', group } });

  it('replaces the shared change of the same sequence number with the own one', () => {
    expect(overlayChanges([point(1, b), point(2, a), point(3, b)], [full(2, a)])).toEqual([point(1, b), full(2, a), point(3, b)]);
  });

  it('puts an own change where the shared batch had nothing (a flagged group of its own), in order', () => {
    expect(overlayChanges([point(1, b), point(4, b)], [full(3, c), full(2, a)])).toEqual([point(1, b), full(2, a), full(3, c), point(4, b)]);
  });

  it('is the shared batch when there is nothing of its own', () => {
    const shared = [point(1, b), { kind: 'group.remove', seq: 2, groupId: a.id } satisfies ChangeEvent];
    expect(overlayChanges(shared, [])).toEqual(shared);
  });
});
