import { describe, expect, it } from 'vitest';
import { placeNameOf, sortNewestFirst } from '../../client/lib/state/group-display';
import type { HeldView } from '../../client/lib/sync/held-view';
import { summarizeGroup } from '../../shared/packed-views';
import { makeGroup } from '../support/factories';

const group = makeGroup({ seenAt: '2026-01-02T10:00:00.000Z', location: { ...makeGroup().location, placeName: 'Camp Alpha' } });
const reduced: HeldView = { view: 'reduced', group: { id: group.id, lat: 1, lon: 2, status: group.status, needTypes: [], version: 1 } };

describe('placeNameOf', () => {
  it("gives the place's name of a full view and of a summary", () => {
    expect(placeNameOf({ view: 'full', group })).toBe('Camp Alpha');
    expect(placeNameOf({ view: 'summary', group: summarizeGroup(group) })).toBe('Camp Alpha');
  });

  it('gives no name for a reduced view, which carries no place', () => {
    expect(placeNameOf(reduced)).toBe('');
  });
});

describe('sortNewestFirst', () => {
  it('puts a view that carries its time before a reduced view, which carries none', () => {
    const full: HeldView = { view: 'full', group: { ...group, id: '00000000-0000-7000-8000-000000000001' } };
    expect(sortNewestFirst([reduced, full]).map((v) => v.view)).toStrictEqual(['full', 'reduced']);
  });
});
