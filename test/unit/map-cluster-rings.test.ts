import { createExpression } from '@maplibre/maplibre-gl-style-spec';
import { describe, expect, it } from 'vitest';
import { clusterProperties, parseRingId, RING_PARTS, ringImageExpression, ringSegments } from '../../client/lib/map/cluster-rings';
import { STATUS_COLORS } from '../../client/lib/map/group-features';
import { GROUP_STATUSES } from '../../shared/schemas/group.schema';

/** Evaluates a style expression for one feature's properties, as MapLibre's worker does. */
function evaluate(expression: unknown, properties: Record<string, unknown>): unknown {
  const parsed = createExpression(expression, 'layers[0].layout.icon-image');
  if (parsed.result !== 'success') throw new Error(JSON.stringify(parsed.value));
  return parsed.value.evaluate({ zoom: 5 }, { type: 'Point', properties, geometry: [] } as never);
}

/** A cluster's properties as the source sums them, from the groups' own properties. */
function cluster(groups: { status: string; attention?: string }[]): Record<string, unknown> {
  const sums: Record<string, unknown> = { point_count: groups.length };
  for (const [key, [, map]] of Object.entries(clusterProperties())) {
    sums[key] = groups.reduce((total, g) => total + (evaluate(map, g) as number), 0);
  }
  return sums;
}

describe('cluster rings', () => {
  it("names a cluster's image by its mix of statuses, and reads the name back", () => {
    const props = cluster([{ status: 'reported' }, { status: 'reported' }, { status: 'reported' }, { status: 'assisted' }]);
    const id = evaluate(ringImageExpression(), props) as string;
    const ring = parseRingId(id)!;
    expect(ring.mark).toBe('none');
    expect(ring.parts[GROUP_STATUSES.indexOf('reported')]).toBe(9);
    expect(ring.parts[GROUP_STATUSES.indexOf('assisted')]).toBe(3);
    expect(ring.parts.reduce((a, b) => a + b, 0)).toBe(RING_PARTS);
  });

  it('keeps a status held by one group in a thousand as a sliver, not rounded away', () => {
    const groups = [...Array.from({ length: 999 }, () => ({ status: 'verified' })), { status: 'closed' }];
    const ring = parseRingId(evaluate(ringImageExpression(), cluster(groups)) as string)!;
    expect(ring.parts[GROUP_STATUSES.indexOf('closed')]).toBe(1);
  });

  it('marks a cluster holding an unassigned need, and a late one over it', () => {
    const unassigned = cluster([{ status: 'reported', attention: 'unassigned' }, { status: 'verified' }]);
    expect(parseRingId(evaluate(ringImageExpression(), unassigned) as string)!.mark).toBe('unassigned');
    const late = cluster([
      { status: 'reported', attention: 'unassigned' },
      { status: 'verified', attention: 'overdue' },
    ]);
    expect(parseRingId(evaluate(ringImageExpression(), late) as string)!.mark).toBe('overdue');
  });

  it("splits the turn by share, in the legend's order, in the statuses' colours", () => {
    const parts = GROUP_STATUSES.map((s) => (s === 'reported' ? 3 : s === 'assisted' ? 1 : 0));
    const segments = ringSegments(parts);
    expect(segments.map((s) => s.color)).toEqual([STATUS_COLORS.reported, STATUS_COLORS.assisted]);
    expect(segments[0]!.to).toBeCloseTo(1.5 * Math.PI);
    expect(segments[1]!.to).toBeCloseTo(2 * Math.PI);
  });

  it('refuses an image id that is not a ring (another image the style lacks)', () => {
    expect(parseRingId('marker-15')).toBeNull();
    expect(parseRingId(`cluster-ring${'-0'.repeat(GROUP_STATUSES.length)}:n`)).toBeNull();
  });
});
