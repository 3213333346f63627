import { v7 as uuidv7 } from 'uuid';
import { describe, expect, it } from 'vitest';
import { attentionOf, groupToFeature, groupsToFeatureCollection } from '../../client/lib/map/group-features';
import type { Assignment } from '../../shared/schemas/assignment.schema';
import type { Group, GroupView } from '../../shared/schemas/group.schema';
import { makeGroup } from '../support/factories';

const NOW = Date.parse('2026-03-10T12:00:00.000Z');
const water = { id: uuidv7(), type: 'water' as const, severity: 4, people: 0, status: 'open' as const };
const withAssignment = (g: Group, overrides: Partial<Assignment>): Group => ({
  ...g,
  needs: g.needs.map((n) => ({ ...n, status: 'assigned' as const })),
  assignments: [
    {
      id: uuidv7(),
      groupId: g.id,
      needId: water.id,
      agencyId: uuidv7(),
      status: 'accepted',
      peopleReached: 0,
      note: '',
      expectedBy: null,
      createdBy: uuidv7(),
      updatedAt: new Date(NOW).toISOString(),
      version: 2,
      ...overrides,
    },
  ],
});
const full = (g: Group): GroupView => ({ view: 'full', group: g });

describe(attentionOf.name, () => {
  it('rings an open group with a need nobody has', () => {
    expect(attentionOf(full(makeGroup({ needs: [water] })), NOW)).toBe('unassigned');
  });

  it('rings a late assignment as overdue, and nothing once the need is in hand on time', () => {
    const g = makeGroup({ needs: [water] });
    expect(attentionOf(full(withAssignment(g, { expectedBy: new Date(NOW - 60_000).toISOString() })), NOW)).toBe('overdue');
    expect(attentionOf(full(withAssignment(g, { expectedBy: new Date(NOW + 60_000).toISOString() })), NOW)).toBeNull();
  });

  it('never rings closed groups or reduced points', () => {
    expect(attentionOf(full(makeGroup({ needs: [water], status: 'closed' })), NOW)).toBeNull();
    const reduced: GroupView = { view: 'reduced', group: { id: uuidv7(), lat: 1, lon: 1, status: 'reported', needTypes: ['water'], version: 1 } };
    expect(attentionOf(reduced, NOW)).toBeNull();
  });

  it('adds the ring to map features only when the map is given a clock (the coordinator’s)', () => {
    const view = full(makeGroup({ needs: [water] }));
    expect(groupToFeature(view, false)?.properties).not.toHaveProperty('attention');
    expect(groupToFeature(view, false, NOW)?.properties.attention).toBe('unassigned');
    expect(groupsToFeatureCollection(new Map([[view.group.id, view]]), new Set(), NOW).features[0]?.properties.attention).toBe('unassigned');
  });
});
