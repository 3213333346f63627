import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeChanges, decodeViews, encodeChanges, encodeViews, FULL_SHAPE, PackedViewsError, REDUCED_SHAPE } from '../../shared/packed-views';
import type { ChangeEvent } from '../../shared/schemas/sync.schema';
import { projectGroup, reduceGroup, type Audience } from '../../shared/projection';
import { ASSIGNMENT_STATUSES } from '../../shared/schemas/assignment.schema';
import {
  AGE_BANDS,
  CONSENT_VALUES,
  DOCUMENT_STATES,
  Group,
  GroupReduced,
  GROUP_STATUSES,
  INTENTIONS,
  SITE_TYPES,
  VULNERABILITIES,
  type GroupView,
} from '../../shared/schemas/group.schema';
import { NEED_STATUSES, NEED_TYPES } from '../../shared/schemas/need.schema';

// The initial state's compact encoding (shared/packed-views.ts): lossless for every view
// projectGroup can make, and a reduced view's encoding carries nothing beyond the reduced projection.

const CRISIS = '01900000-0000-7000-8000-00000000000a';
const AGENCIES = ['01900000-0000-7000-8000-0000000000a1', '01900000-0000-7000-8000-0000000000a2'];
const uuid = fc.uuid();
const count = fc.nat({ max: 100_000 });
const counts = (keys: readonly string[]) => fc.record(Object.fromEntries(keys.map((k) => [k, count])) as Record<string, fc.Arbitrary<number>>);
// Timestamps as the server makes them, and now and then one it did not make (kept verbatim).
const time = fc.oneof(
  { weight: 9, arbitrary: fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toISOString()) },
  { weight: 1, arbitrary: fc.constantFrom('2026-11-28T07:00:00Z', '2026-11-28T07:00:00.5Z') },
);
// Coordinates at the precision a device gives, and any double.
const coord = (max: number) => fc.oneof(fc.integer({ min: -max * 1e5, max: max * 1e5 }).map((i) => i / 1e5), fc.double({ min: -max, max, noNaN: true }));
const text = fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom('Tripoli – Gargaresh', ''));

const groupArb: fc.Arbitrary<Group> = fc
  .record({
    id: uuid,
    location: fc.record({
      lat: coord(90),
      lon: coord(180),
      accuracyM: fc.option(fc.oneof(fc.nat({ max: 100_000 }), fc.double({ min: 0, max: 100_000, noNaN: true }))),
      placeName: text,
      siteType: fc.constantFrom(...SITE_TYPES),
    }),
    seenAt: time,
    headcount: fc.record({ total: fc.integer({ min: 1, max: 100_000 }), female: counts(AGE_BANDS), male: counts(AGE_BANDS) }),
    nationalities: fc.array(fc.record({ code: fc.constantFrom('NGA', 'NER', 'SDN', 'stateless', 'unknown'), count: fc.integer({ min: 1, max: 100 }) }), { maxLength: 3 }),
    vulnerabilities: counts(VULNERABILITIES),
    documents: counts(DOCUMENT_STATES),
    intention: fc.constantFrom(...INTENTIONS),
    consentConsulate: fc.constantFrom(...CONSENT_VALUES),
    protectionConcern: fc.boolean(),
    notes: text,
    needs: fc.array(
      fc.record({ id: uuid, type: fc.constantFrom(...NEED_TYPES), severity: fc.integer({ min: 1, max: 5 }), people: count, status: fc.constantFrom(...NEED_STATUSES) }),
      { maxLength: 4 },
    ),
    crisisId: fc.constant(CRISIS),
    status: fc.constantFrom(...GROUP_STATUSES),
    version: fc.integer({ min: 1, max: 1_000_000 }),
    reportedBy: uuid,
    reportedAt: time,
    updatedAt: time,
    mergedInto: fc.option(uuid),
    assignments: fc.array(
      fc.record({
        id: uuid,
        groupId: uuid,
        needId: uuid,
        agencyId: fc.constantFrom(...AGENCIES),
        status: fc.constantFrom(...ASSIGNMENT_STATUSES),
        peopleReached: count,
        note: text,
        expectedBy: fc.option(time),
        createdBy: uuid,
        updatedAt: time,
        version: fc.integer({ min: 1, max: 1000 }),
      }),
      { maxLength: 3 },
    ),
    followUpBy: fc.array(uuid, { maxLength: 2 }),
  })
  .map((g) => g as Group);

const audienceArb: fc.Arbitrary<Audience> = fc.oneof(
  fc.constant<Audience>({ userId: 'u', role: 'coordinator', crisisId: CRISIS, agencyId: null, servesState: null }),
  fc.constantFrom(...AGENCIES).map((agencyId): Audience => ({ userId: 'u', role: 'responder', crisisId: CRISIS, agencyId, servesState: null })),
  fc.constantFrom('NGA', 'NER').map((servesState): Audience => ({ userId: 'u', role: 'embassy', crisisId: CRISIS, agencyId: 'e', servesState })),
);

/** What an audience receives of some groups, as the server's snapshot builds it. */
const viewsArb = fc
  .tuple(audienceArb, fc.array(groupArb, { maxLength: 12 }))
  .map(([audience, groups]) => groups.map((g) => projectGroup(audience, g)).filter((v): v is GroupView => v !== null));

/** Through JSON, as it travels. */
const roundTrip = (views: readonly GroupView[]) => decodeViews(JSON.parse(JSON.stringify(encodeViews(views))));

describe('packed views (the compact initial state)', () => {
  it('decode(encode(views)) equals the views, for what every audience receives', () => {
    fc.assert(
      fc.property(viewsArb, (views) => {
        // Compared with the views as JSON carries them (plain objects; -0 is 0).
        expect(roundTrip(views)).toStrictEqual(JSON.parse(JSON.stringify(views)));
      }),
      { numRuns: 300 },
    );
  });

  it('names every field of the stored group and of the reduced view, no more', () => {
    const keys = (shape: typeof FULL_SHAPE) => (shape.k === 'obj' ? Object.keys(shape.fields).sort() : []);
    expect(keys(FULL_SHAPE)).toEqual(Object.keys(Group.shape).sort());
    expect(keys(REDUCED_SHAPE)).toEqual(Object.keys(GroupReduced.shape).sort());
  });

  it("a reduced view's encoding carries nothing beyond the reduced projection, whatever the object held", () => {
    fc.assert(
      fc.property(groupArb, (group) => {
        const reduced = reduceGroup(group);
        // The object handed over carries the whole group besides the reduced fields.
        const smuggled = { view: 'reduced', group: { ...group, ...reduced.group } } as GroupView;
        const packed = encodeViews([smuggled]);
        const encoded = JSON.stringify(packed);
        for (const secret of [group.notes, group.location.placeName, group.reportedBy, ...group.nationalities.map((n) => n.code)]) {
          if (secret.length > 3) expect(packed.strings).not.toContain(secret);
        }
        if (group.reportedBy !== group.id) expect(encoded).not.toContain(group.reportedBy);
        expect(packed.full).toEqual(encodeViews([]).full);
        expect(roundTrip([smuggled])).toStrictEqual(JSON.parse(JSON.stringify([reduced])));
      }),
      { numRuns: 200 },
    );
  });

  it('decode(encode(changes)) equals a catch-up of upserts and removals, in order', () => {
    const changesArb = fc
      .tuple(viewsArb, fc.array(uuid, { maxLength: 5 }), fc.integer({ min: 1, max: 1_000_000 }))
      .chain(([views, removed, first]) =>
        fc.shuffledSubarray([...views.map((v) => ({ kind: 'group.upsert' as const, group: v })), ...removed.map((id) => ({ kind: 'group.remove' as const, groupId: id }))], {
          minLength: views.length + removed.length,
        }).map((events) => events.map((e, i): ChangeEvent => ({ ...e, seq: first + i }) as ChangeEvent)),
      );
    fc.assert(
      fc.property(changesArb, (changes) => {
        expect(decodeChanges(JSON.parse(JSON.stringify(encodeChanges(changes))))).toStrictEqual(JSON.parse(JSON.stringify(changes)));
      }),
      { numRuns: 200 },
    );
  });

  it('refuses what it did not make, with a named error', () => {
    const good = encodeViews([{ view: 'reduced', group: { id: '01900000-0000-7000-8000-000000000001', lat: 1, lon: 2, status: 'reported', needTypes: ['water'], version: 1 } }]);
    const bad: unknown[] = [
      null,
      { ...good, format: 2 },
      { ...good, count: 2 },
      { ...good, kinds: [2] },
      { ...good, reduced: [[['not-a-uuid'], []], ...good.reduced.slice(1)] },
      JSON.parse(JSON.stringify(good).replace('[0]', '[99]')),
    ];
    for (const packed of bad) expect(() => decodeViews(packed)).toThrow(PackedViewsError);
  });
});
