import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_DUPLICATE_RULES, distanceKm, nationalitySimilarity, proposeDuplicates, type DuplicateProposal } from '../../shared/duplicates';
import { OPEN_STATUSES } from '../../shared/group-status';
import { GROUP_STATUSES, type Group } from '../../shared/schemas/group.schema';
import { makeGroup } from '../support/factories';

// proposeDuplicates skips pairs too far apart east-west before computing their distance; it must
// propose exactly what the plain latitude sweep (the previous version, kept here) proposes.

function plainSweep(groups: Iterable<Group>, rules = DEFAULT_DUPLICATE_RULES): DuplicateProposal[] {
  const open = [...groups].filter((g) => OPEN_STATUSES.includes(g.status)).sort((a, b) => a.location.lat - b.location.lat);
  const latWindow = rules.maxKm / 111;
  const proposals: DuplicateProposal[] = [];
  for (let i = 0; i < open.length; i++) {
    const a = open[i]!;
    for (let j = i + 1; j < open.length; j++) {
      const b = open[j]!;
      if (b.location.lat - a.location.lat > latWindow) break;
      const km = distanceKm(a.location, b.location);
      if (km > rules.maxKm) continue;
      const hours = Math.abs(Date.parse(a.reportedAt) - Date.parse(b.reportedAt)) / 3_600_000;
      if (hours > rules.windowHours) continue;
      const similarity = nationalitySimilarity(a.nationalities, b.nationalities);
      if (similarity < rules.minSimilarity) continue;
      const [keep, duplicate] = a.reportedAt <= b.reportedAt ? [a, b] : [b, a];
      proposals.push({ keep, duplicate, km: Math.round(km * 100) / 100, hours: Math.round(hours), similarity: Math.round(similarity * 100) / 100 });
    }
  }
  return proposals.sort((x, y) => x.km - y.km);
}

const base = makeGroup();
// Points a few km around a few places (so many pairs sit near the 2 km limit), some near the poles
// and across the antimeridian.
const placeArb = fc.constantFrom([32.9, 13.2], [32.9, 13.23], [89.99, 10], [-60, 179.99], [-60, -179.99], [0, 0]);
const groupArb = fc
  .record({
    place: placeArb,
    dLat: fc.oneof(fc.double({ min: -0.03, max: 0.03, noNaN: true }), fc.double({ min: -0.002, max: 0.002, noNaN: true })),
    dLon: fc.double({ min: -0.05, max: 0.05, noNaN: true }),
    hours: fc.oneof(fc.integer({ min: 0, max: 100 }), fc.constantFrom(0, 72)),
    status: fc.oneof(fc.constant('reported' as const), fc.constantFrom(...GROUP_STATUSES)),
    nat: fc.constantFrom('NGA', 'SDN'),
  })
  .map((r): Group => ({
    ...base,
    id: `${Math.random()}`,
    status: r.status,
    reportedAt: new Date(Date.parse('2026-01-01T00:00:00Z') + r.hours * 3_600_000).toISOString(),
    location: { ...base.location, lat: Math.max(-90, Math.min(90, r.place[0]! + r.dLat)), lon: Math.max(-180, Math.min(180, r.place[1]! + r.dLon)) },
    nationalities: [{ code: r.nat, count: 3 }],
  }));

describe(proposeDuplicates.name, () => {
  it('proposes exactly what the plain latitude sweep proposes', () => {
    fc.assert(
      fc.property(fc.array(groupArb, { maxLength: 60 }), (groups) => {
        expect(proposeDuplicates(groups)).toEqual(plainSweep(groups));
      }),
      { numRuns: 500 },
    );
  });
});
