import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { aggregateForEmbassy, SMALL_COUNT_MAX, SUPPRESSED, type AreaIndex } from '../../shared/aggregate';
import { aggregatesToCsv } from '../../shared/aggregate-csv';
import { projectGroup, type Audience } from '../../shared/projection';
import { CONSENT_VALUES, GROUP_STATUSES, type Group } from '../../shared/schemas/group.schema';
import { NEED_STATUSES } from '../../shared/schemas/need.schema';
import type { ChangeEvent } from '../../shared/schemas/sync.schema';
import { projectChange } from '../../server/services/change-projection';
import { makeGroup } from '../support/factories';

// What an embassy receives on every channel (snapshot, live change, catch-up, aggregates, export) against
// an oracle written here from the protection rules, not from shared/projection.ts.

const CRISES = ['01900000-0000-7000-8000-00000000000a', '01900000-0000-7000-8000-00000000000b'];
const STATES = ['NGA', 'NER', 'GHA'];
const base = makeGroup();

/** Independent statement of protection rule 1. */
function oracleMaySeeInFull(audience: Audience, g: Group): boolean {
  if (audience.crisisId !== g.crisisId || audience.servesState === null) return false;
  if (g.protectionConcern) return false;
  if (g.consentConsulate !== 'yes') return false;
  return g.nationalities.map((n) => n.code).includes(audience.servesState);
}

/** A coarse test grid (1 degree), independent of H3. */
const grid: AreaIndex = {
  areaOf: (lat, lon) => `${Math.floor(lat)}:${Math.floor(lon)}`,
  outlineOf: () => [],
  centreOf: (a) => {
    const [lat, lon] = a.split(':').map(Number);
    return [(lon ?? 0) + 0.5, (lat ?? 0) + 0.5];
  },
};

const groupArb = fc
  .record({
    id: fc.uuid({ version: 7 }),
    crisisId: fc.constantFrom(...CRISES),
    lat: fc.double({ min: 20, max: 23.99, noNaN: true }),
    lon: fc.double({ min: 10, max: 12.99, noNaN: true }),
    nationalities: fc.uniqueArray(fc.record({ code: fc.constantFrom(...STATES, 'stateless', 'unknown'), count: fc.integer({ min: 1, max: 9 }) }), {
      selector: (n) => n.code,
      maxLength: 3,
    }),
    consent: fc.constantFrom(...CONSENT_VALUES),
    flag: fc.boolean(),
    status: fc.constantFrom(...GROUP_STATUSES),
    needs: fc.array(fc.record({ type: fc.constantFrom('water', 'food', 'shelter', 'documents'), status: fc.constantFrom(...NEED_STATUSES) }), { maxLength: 3 }),
  })
  .map((r): Group => ({
    ...base,
    id: r.id,
    crisisId: r.crisisId,
    location: { ...base.location, lat: r.lat, lon: r.lon },
    nationalities: r.nationalities,
    consentConsulate: r.consent,
    protectionConcern: r.flag,
    status: r.status,
    needs: r.needs.map((n, i) => ({ id: `${r.id.slice(0, 34)}${String(i).padStart(2, '0')}`, type: n.type, severity: 3, people: 1, status: n.status })),
  }));

const audienceArb = fc.record({
  userId: fc.constant('u'),
  role: fc.constant('embassy' as const),
  crisisId: fc.constantFrom(...CRISES),
  agencyId: fc.constant('a'),
  servesState: fc.constantFrom<string | null>(...STATES, null),
});

/** Every number anywhere in a value. */
function numbersIn(value: unknown): number[] {
  if (typeof value === 'number') return [value];
  if (Array.isArray(value)) return value.flatMap(numbersIn);
  if (value && typeof value === 'object') return Object.values(value).flatMap(numbersIn);
  return [];
}

describe('what an embassy receives, against the oracle', () => {
  it("snapshot: exactly the groups the oracle allows, as its nationals' part, and nothing else", () => {
    fc.assert(
      fc.property(audienceArb, fc.array(groupArb, { maxLength: 25 }), (audience, groups) => {
        const snapshot = groups.map((g) => projectGroup(audience, g)).filter((v) => v !== null);
        const allowed = groups.filter((g) => oracleMaySeeInFull(audience, g));
        expect(snapshot.map((v) => v.view)).toEqual(allowed.map(() => 'nationals'));
        // Rule 9: no other nationality's code anywhere in what it receives.
        const others = ['NGA', 'NER', 'GHA', 'stateless', 'unknown'].filter((c) => c !== audience.servesState);
        for (const code of others) expect(JSON.stringify(snapshot)).not.toContain(`"${code}"`);
        expect(snapshot.map((v) => v.group.id)).toEqual(allowed.map((g) => g.id));
      }),
      { numRuns: 1000 },
    );
  });

  it('live and catch-up: upserts only while allowed, one removal when it stops, nothing after it', () => {
    const editArb = fc.record({
      consent: fc.constantFrom(...CONSENT_VALUES),
      flag: fc.boolean(),
      nationalities: fc.constantFrom<Group['nationalities'][]>(
        [{ code: 'NGA', count: 3 }],
        [{ code: 'NER', count: 2 }],
        [
          { code: 'NGA', count: 1 },
          { code: 'GHA', count: 1 },
        ],
      ),
    });
    fc.assert(
      fc.property(audienceArb, groupArb, fc.array(editArb, { maxLength: 8 }), (audience, first, edits) => {
        const states: Group[] = [first];
        for (const e of edits) {
          const prev = states[states.length - 1] ?? first;
          states.push({ ...prev, consentConsulate: e.consent, protectionConcern: e.flag, nationalities: e.nationalities, version: prev.version + 1 });
        }
        const events: (ChangeEvent | null)[] = states.map((after, i) => projectChange(audience, i + 1, states[i - 1] ?? null, after));
        let clientHas = false;
        states.forEach((after, i) => {
          const before = states[i - 1] ?? null;
          const event = events[i] ?? null;
          const now = oracleMaySeeInFull(audience, after);
          const was = before !== null && oracleMaySeeInFull(audience, before);
          if (now)
            expect(event).toMatchObject({ kind: 'group.upsert', seq: i + 1, group: { view: 'nationals', group: { id: after.id, version: after.version } } });
          else if (was) expect(event).toEqual({ kind: 'group.remove', seq: i + 1, groupId: after.id });
          else expect(event).toBeNull();
          if (event?.kind === 'group.upsert') clientHas = true;
          if (event?.kind === 'group.remove') clientHas = false;
          expect(clientHas).toBe(now);
        });
      }),
      { numRuns: 1000 },
    );
  });

  it('aggregates: the oracle counts of hidden own nationals per area, rounded, no number from 1 to 4, nothing of others', () => {
    fc.assert(
      fc.property(audienceArb, fc.array(groupArb, { maxLength: 30 }), (audience, all) => {
        // As the server assembles it: the groups of the audience's crisis.
        const groups = all.filter((g) => g.crisisId === audience.crisisId);
        const result = aggregateForEmbassy(groups, audience.servesState, grid);

        const expected = new Map<string, number>();
        for (const g of groups) {
          if (audience.servesState === null || g.status === 'duplicate' || oracleMaySeeInFull(audience, g)) continue;
          const own = g.nationalities.find((n) => n.code === audience.servesState);
          if (!own) continue;
          const key = grid.areaOf(g.location.lat, g.location.lon);
          expected.set(key, (expected.get(key) ?? 0) + own.count);
        }
        // 1-4 as "<5", the rest rounded down to a multiple of 5 (protection rule 10).
        const shown = (n: number) => (n <= SMALL_COUNT_MAX ? SUPPRESSED : n - (n % 5));
        expect(Object.fromEntries(result.areas.map((a) => [a.area, a.people]))).toEqual(Object.fromEntries([...expected].map(([k, n]) => [k, shown(n)])));
        for (const area of result.areas) {
          const counts = numbersIn({ people: area.people, byStatus: area.byStatus, byNeed: area.byNeed });
          for (const n of counts) expect(n > SMALL_COUNT_MAX && n % 5 === 0).toBe(true);
        }
        // The only coordinates are the areas' own (centre and outline), never a group's point.
        for (const area of result.areas) {
          expect(area.centre).toEqual(grid.centreOf(area.area));
          expect(area.outline).toEqual(grid.outlineOf(area.area));
        }
        const text = JSON.stringify(result);
        for (const g of all) expect(text).not.toContain(g.id);
        // The export carries the same counts: the people column is never a number from 1 to 4; a
        // withheld one is empty with the flag column saying so.
        const csv = aggregatesToCsv(result);
        for (const line of csv.trim().split('\r\n').slice(2)) {
          const [count = '', withheld = ''] = line.split(',').slice(-2);
          expect((count === '' && withheld === 'yes') || (Number(count) > SMALL_COUNT_MAX && Number(count) % 5 === 0 && withheld === '')).toBe(true);
        }
        for (const g of all) expect(csv).not.toContain(g.id);
        for (const other of [...STATES, 'stateless', 'unknown'].filter((s) => s !== audience.servesState)) {
          expect(text).not.toContain(`"${other}"`);
          expect(csv).not.toContain(other);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
