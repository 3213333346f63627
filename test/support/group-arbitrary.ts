import fc from 'fast-check';
import { ASSIGNMENT_STATUSES } from '../../shared/schemas/assignment.schema';
import {
  AGE_BANDS,
  CONSENT_VALUES,
  DOCUMENT_STATES,
  GROUP_STATUSES,
  INTENTIONS,
  SITE_TYPES,
  VULNERABILITIES,
  type Group,
} from '../../shared/schemas/group.schema';
import { NEED_STATUSES, NEED_TYPES } from '../../shared/schemas/need.schema';

/**
 * Groups of any shape the Group schema describes, for property tests (packed views, the stored
 * format): of one crisis, with agencies from a short list, times and coordinates as devices and
 * servers make them and now and then not.
 */
export const CRISIS = '01900000-0000-7000-8000-00000000000a';
export const AGENCIES = ['01900000-0000-7000-8000-0000000000a1', '01900000-0000-7000-8000-0000000000a2'];
export const uuid = fc.uuid();
export const count = fc.nat({ max: 100_000 });
const counts = (keys: readonly string[]) => fc.record(Object.fromEntries(keys.map((k) => [k, count])) as Record<string, fc.Arbitrary<number>>);
// Timestamps as the server makes them, and now and then one it did not make (kept verbatim).
export const time = fc.oneof(
  { weight: 9, arbitrary: fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toISOString()) },
  // Any time the shared Timestamp schema takes: years 1 to 9999 (before 1970, deltas are negative).
  {
    weight: 2,
    arbitrary: fc
      .date({ min: new Date('0001-01-01T00:00:00.000Z'), max: new Date('9999-12-31T23:59:59.999Z'), noInvalidDate: true })
      .map((d) => d.toISOString()),
  },
  { weight: 1, arbitrary: fc.constantFrom('2026-11-28T07:00:00Z', '2026-11-28T07:00:00.5Z') },
);
// Coordinates at the precision a device gives, and any double.
const coord = (max: number) =>
  fc.oneof(
    fc.integer({ min: -max * 1e5, max: max * 1e5 }).map((i) => i / 1e5),
    fc.double({ min: -max, max, noNaN: true }),
  );
export const text = fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom('Tripoli – Gargaresh', ''));

export const groupArb: fc.Arbitrary<Group> = fc
  .record({
    id: uuid,
    location: fc.record({
      lat: coord(90),
      lon: coord(180),
      accuracyM: fc.option(fc.oneof(fc.nat({ max: 100_000 }), fc.double({ min: 0, max: 100_000, noNaN: true }))),
      placeName: text,
      siteType: fc.constantFrom(...SITE_TYPES),
      siteId: fc.option(uuid),
    }),
    seenAt: time,
    headcount: fc.record({ total: fc.integer({ min: 1, max: 100_000 }), female: counts(AGE_BANDS), male: counts(AGE_BANDS) }),
    nationalities: fc.array(fc.record({ code: fc.constantFrom('NGA', 'NER', 'SDN', 'stateless', 'unknown'), count: fc.integer({ min: 1, max: 100 }) }), {
      maxLength: 3,
    }),
    vulnerabilities: counts(VULNERABILITIES),
    documents: counts(DOCUMENT_STATES),
    intention: fc.constantFrom(...INTENTIONS),
    consentConsulate: fc.constantFrom(...CONSENT_VALUES),
    protectionConcern: fc.boolean(),
    notes: text,
    // A group lists each need type at most once (the schema's rule).
    needs: fc.uniqueArray(
      fc.record({
        id: uuid,
        type: fc.constantFrom(...NEED_TYPES),
        severity: fc.integer({ min: 1, max: 5 }),
        people: count,
        status: fc.constantFrom(...NEED_STATUSES),
      }),
      { maxLength: 4, selector: (n) => n.type },
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
        consular: fc.option(fc.record({ documentsIssued: count, registeredForEvacuation: count, evacuated: count }), { nil: undefined }),
        // Which of the group's needs it is for (most are for one of them; some for none any more).
        needIndex: fc.nat({ max: 5 }),
      }),
      { maxLength: 3 },
    ),
    followUpBy: fc.array(uuid, { maxLength: 2 }),
    // Admin areas from a small set (they repeat across a crisis), or none outside the boundaries.
    admin: fc.record({
      admin1: fc.option(fc.record({ pcode: fc.constantFrom('LY01', 'LY02'), name: fc.constantFrom('Tripoli', 'طرابلس', 'Benghazi') })),
      admin2: fc.option(fc.record({ pcode: fc.constantFrom('LY0101', 'LY0201'), name: fc.constantFrom('Janzour', 'جنزور') })),
    }),
  })
  .map(({ assignments, ...g }) => ({
    ...g,
    assignments: assignments.map(({ needIndex, consular, ...a }) => ({
      ...a,
      needId: g.needs[needIndex]?.id ?? a.needId,
      ...(consular ? { consular } : {}),
    })),
  }))
  .map((g) => g as Group);
