import { v7 as uuidv7 } from 'uuid';
import { describe, expect, it } from 'vitest';
import { manifestCsv, manifestHtml, manifestLines, movementPhase, sitrepMovements } from '../../shared/exports/movement-exports';
import { carrierManifest, isRefused, planAddGroup, planCheckIn, planLegStatus, type Refused } from '../../shared/movements';
import { Movement } from '../../shared/schemas/movement.schema';
import type { Group } from '../../shared/schemas/group.schema';
import { makeGroup } from '../support/factories';

const at = '2026-12-06T08:00:00.000Z';
const crisisId = uuidv7();
const by = uuidv7();
function ok<T>(x: T | Refused): T {
  if (isRefused(x)) throw new Error(x.refused);
  return x;
}
const group = (overrides: Partial<Group>) => makeGroup({ crisisId, needs: [], status: 'verified', ...overrides });
const base = Movement.parse({
  id: uuidv7(),
  crisisId,
  version: 1,
  kind: 'relocation_in_country',
  mode: 'bus',
  carrierAgencyId: null,
  seats: 60,
  destinationCountry: null,
  notes: 'private plan',
  legs: [
    {
      id: uuidv7(),
      from: { place: { name: 'Sabha <camp>', lat: 27, lon: 14.4 } },
      to: { place: { name: 'Tripoli', lat: 32.9, lon: 13.2 } },
      status: 'planned',
    },
  ],
  manifest: [],
  createdBy: by,
  createdAt: at,
  updatedAt: at,
});

describe('the carrier manifest export', () => {
  const g = group({
    notes: 'seen near the checkpoint',
    nationalities: [{ code: 'SDN', count: 12 }],
    vulnerabilities: { ...makeGroup().vulnerabilities, disability: 2 },
  });
  const m = ok(
    planAddGroup(base, g, { pickup: { name: '=HYPERLINK("x")', lat: 27.1, lon: 14.5 }, specialNeeds: 'stretcher', consent: { recordedBy: by, at } }),
  );
  const lines = manifestLines(carrierManifest(m));

  it('holds reference, headcount, special needs and pickup, and nothing about who the people are', () => {
    expect(lines).toEqual([
      {
        reference: m.manifest[0]!.reference,
        people: 12,
        specialNeeds: 'disability: 2; stretcher',
        pickup: '=HYPERLINK("x")',
        lat: 27.1,
        lon: 14.5,
        state: 'listed',
      },
    ]);
    const csv = manifestCsv(lines);
    for (const secret of ['SDN', 'seen near the checkpoint', 'private plan']) expect(csv).not.toContain(secret);
    // A cell a spreadsheet would run is defused.
    expect(csv).toContain(`"'=HYPERLINK(""x"")"`);
  });

  it('escapes every value on the printable page', () => {
    const html = manifestHtml(m, lines);
    expect(html).toContain('Sabha &lt;camp&gt;');
    expect(html).toContain('=HYPERLINK(&quot;x&quot;)');
    expect(html).not.toContain('<camp>');
  });
});

describe(sitrepMovements.name, () => {
  it('tells each movement where it stands and shows small counts of people moved as "<5"', () => {
    const a = group({ nationalities: [{ code: 'SDN', count: 12 }] });
    const b = group({ headcount: { ...a.headcount, total: 3 }, nationalities: [{ code: 'TCD', count: 3 }] });
    let m = ok(
      planAddGroup(ok(planAddGroup(base, a, { pickup: null, specialNeeds: '', consent: { recordedBy: by, at } })), b, {
        pickup: null,
        specialNeeds: '',
        consent: { recordedBy: by, at },
      }),
    );
    expect(movementPhase(m)).toBe('planned');
    const leg = m.legs[0]!.id;
    m = ok(planLegStatus(ok(planLegStatus(m, leg, 'confirmed', at)), leg, 'boarding', at));
    for (const id of [a.id, b.id]) m = ok(planCheckIn(ok(planCheckIn(m, id, 'checked_in')), id, 'boarded'));
    expect(movementPhase(m)).toBe('underway');
    m = ok(planLegStatus(ok(planLegStatus(m, leg, 'departed', at)), leg, 'arrived', at));
    const report = sitrepMovements([m, ok(planLegStatus(base, leg, 'cancelled', at))]);
    expect(report.movements.map((l) => [l.phase, l.listed, l.boarded, l.noShow])).toEqual([
      ['arrived', 15, 15, 0],
      ['cancelled', 0, 0, 0],
    ]);
    expect(report.moved).toEqual([
      { kind: 'relocated', nationality: 'SDN', destination: 'Tripoli', people: 12 },
      { kind: 'relocated', nationality: 'TCD', destination: 'Tripoli', people: '<5' },
    ]);
  });
});
