import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeChanges,
  decodeViewPoints,
  decodeViews,
  decodeViewsInSlices,
  encodeChanges,
  encodeViews,
  FULL_SHAPE,
  PackedViewsError,
  REDUCED_SHAPE,
  summarizeGroup,
  summarizeView,
  type PackedViews,
} from '../../shared/packed-views';
import { bytesToPacked, changesToBytes, viewsToBytes } from '../../shared/packed-bytes';
import { countersOf } from '../../shared/counters';
import { proposeDuplicates } from '../../shared/duplicates';
import { threeW } from '../../shared/threew';
import { urgencyOf } from '../../shared/urgency';
import { matchesFilter, EMPTY_FILTER, type GroupFilter } from '../../client/lib/coordination/group-filter';
import { attentionOf, groupToFeature, pointsToFeatureCollection } from '../../client/lib/map/group-features';
import { coordinatedGroupOf, type CoordinatedGroup, type HeldView } from '../../client/lib/sync/held-view';
import type { ChangeEvent } from '../../shared/schemas/sync.schema';
import { projectGroup, reduceGroup, type Audience } from '../../shared/projection';
import { Group, GroupReduced, GROUP_STATUSES, type GroupView } from '../../shared/schemas/group.schema';
import { AGENCIES, CRISIS, groupArb, uuid } from '../support/group-arbitrary';

// The initial state's compact encoding (shared/packed-views.ts): lossless for every view
// projectGroup can make, and a reduced view's encoding carries nothing beyond the reduced projection.

const audienceArb: fc.Arbitrary<Audience> = fc.oneof(
  fc.constant<Audience>({ userId: 'u', role: 'coordinator', crisisId: CRISIS, agencyId: null, servesState: null }),
  fc.constantFrom(...AGENCIES).map((agencyId): Audience => ({ userId: 'u', role: 'responder', crisisId: CRISIS, agencyId, servesState: null })),
  fc.constantFrom('NGA', 'NER').map((servesState): Audience => ({ userId: 'u', role: 'embassy', crisisId: CRISIS, agencyId: 'e', servesState })),
);

/** What an audience receives of some groups, as the server's snapshot builds it. */
const viewsArb = fc
  .tuple(audienceArb, fc.array(groupArb, { maxLength: 12 }))
  .map(([audience, groups]) => groups.map((g) => projectGroup(audience, g)).filter((v): v is GroupView => v !== null));

/** Through the bytes it travels as (shared/packed-bytes.ts). */
const roundTrip = (views: readonly GroupView[]) => decodeViews(bytesToPacked(viewsToBytes(encodeViews(views))));

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

  it("the map's points read from the columns alone draw as the decoded views do, for every audience and summaries", () => {
    // decodeViewPoints hands a big crisis's map its points before the full decode: a field the ring,
    // the colour or the count reads and the pick leaves out would draw the first points wrongly.
    const now = Date.parse('2026-11-28T12:00:00.000Z');
    const summariesArb = groupsArb.map((groups) => groups.map((g) => summarizeView({ view: 'full', group: g })));
    fc.assert(
      fc.property(fc.oneof(viewsArb, summariesArb), fc.array(fc.boolean(), { maxLength: 12 }), (views, pendingFlags) => {
        const packed = asJson(encodeViews(views));
        const decoded = decodeViews(packed);
        const pending = new Set(decoded.filter((_, i) => pendingFlags[i]).map((v) => v.group.id));
        for (const at of [now, undefined]) {
          expect(pointsToFeatureCollection(decodeViewPoints(packed), pending, at)).toStrictEqual(pointsToFeatureCollection(decoded, pending, at));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('decodes in slices of about the time given, pausing between them, to the same views and the same refusals', async () => {
    // A big crisis decoded in one task held the page (and the map's worker replies) for 1.5 s.
    const group = makeArbitrarySample();
    const views: GroupView[] = Array.from({ length: 2_000 }, (_, i) => ({
      view: 'full',
      group: { ...group, id: `01900000-0000-7000-8000-${String(i).padStart(12, '0')}` },
    }));
    const packed = asJson(encodeViews(views.map(summarizeView)));
    // A clock that moves 20 ms each time it is read: every look at it finds a 15 ms slice over.
    let t = 0;
    const clock = () => (t += 20);
    let pauses = 0;
    const decoded = await decodeViewsInSlices(
      packed,
      async () => {
        pauses++;
        await Promise.resolve();
      },
      15,
      clock,
    );
    expect(decoded).toStrictEqual(decodeViews(packed));
    // The clock is read every 512 views: after 512, 1,024 and 1,536 (not after the last view).
    expect(pauses).toBe(3);
    // A slow clock (or a fast decode) never pauses.
    let still = 0;
    await decodeViewsInSlices(
      packed,
      () => Promise.resolve(void still++),
      15,
      () => 0,
    );
    expect(still).toBe(0);
    // Bad columns are refused as by decodeViews, after no pause at all or some.
    const bad = { ...(packed as object), count: 2_001 };
    await expect(decodeViewsInSlices(bad, () => Promise.resolve(), 15, clock)).rejects.toThrow(PackedViewsError);
    const extra = { ...(packed as object), count: 1_999 };
    await expect(decodeViewsInSlices(extra, () => Promise.resolve(), 15, clock)).rejects.toThrow(PackedViewsError);
  });

  it('reads points only from columns it checks: a bad value among them is refused by name', () => {
    const group = makeArbitrarySample();
    const packed = asJson(encodeViews([{ view: 'full', group }])) as unknown as { full: unknown[][] };
    // The status column (an enum index) pointing past the statuses.
    const status = FULL_SHAPE.k === 'obj' ? Object.keys(FULL_SHAPE.fields).indexOf('status') : -1;
    packed.full[status] = [GROUP_STATUSES.length];
    expect(() => decodeViewPoints(packed)).toThrow(PackedViewsError);
    expect(() => decodeViews(packed)).toThrow(PackedViewsError);
  });

  it('decode(encode(changes)) equals a catch-up of upserts and removals, in order', () => {
    const changesArb = fc.tuple(viewsArb, fc.array(uuid, { maxLength: 5 }), fc.integer({ min: 1, max: 1_000_000 })).chain(([views, removed, first]) =>
      fc
        .shuffledSubarray(
          [...views.map((v) => ({ kind: 'group.upsert' as const, group: v })), ...removed.map((id) => ({ kind: 'group.remove' as const, groupId: id }))],
          {
            minLength: views.length + removed.length,
          },
        )
        .map((events) => events.map((e, i): ChangeEvent => ({ ...e, seq: first + i }) as ChangeEvent)),
    );
    fc.assert(
      fc.property(changesArb, (changes) => {
        expect(decodeChanges(bytesToPacked(changesToBytes(encodeChanges(changes))))).toStrictEqual(JSON.parse(JSON.stringify(changes)));
        // The decoder reads the columns as JSON lists as well (the same checks).
        expect(decodeChanges(JSON.parse(JSON.stringify(encodeChanges(changes))))).toStrictEqual(JSON.parse(JSON.stringify(changes)));
      }),
      { numRuns: 200 },
    );
  });

  it('refuses what it did not make, with a named error', () => {
    const good = encodeViews([
      { view: 'reduced', group: { id: '01900000-0000-7000-8000-000000000001', lat: 1, lon: 2, status: 'reported', needTypes: ['water'], version: 1 } },
    ]);
    const bad: unknown[] = [
      null,
      // The format before this one (a device may still hold such a snapshot).
      { ...good, format: 1 },
      { ...good, count: 2 },
      { ...good, kinds: [2] },
      { ...good, reduced: [['not-hex'.padEnd(32, '0'), {}], ...good.reduced.slice(1)] },
      // Hex in capitals, and the characters either side of 0-9 and a-f: not ids as they are written.
      ...['A', '/', ':', '`', 'g'].map((c) => ({ ...good, reduced: [[c.padEnd(32, '0'), {}], ...good.reduced.slice(1)] })),
      { ...good, reduced: [['0'.repeat(31), {}], ...good.reduced.slice(1)] },
      { ...good, reduced: [['', { 0: 'not-a-uuid' }], ...good.reduced.slice(1)] },
      { ...good, reduced: [[(good.reduced[0] as [string])[0], { 5: '01900000-0000-7000-8000-000000000002' }], ...good.reduced.slice(1)] },
      JSON.parse(JSON.stringify(good).replace('[0]', '[99]')),
    ];
    for (const packed of bad) expect(() => decodeViews(packed)).toThrow(PackedViewsError);
  });
});

/** What a summary must be: the full group minus exactly the dropped fields, written out here on its own. */
function expectedSummary(g: Group): unknown {
  const { notes, reportedBy, followUpBy, documents, location, headcount, needs, assignments, ...kept } = g;
  void [notes, reportedBy, followUpBy, documents];
  // The summary carries no site: the coordinator loads the full group to see it (GROUP_SUMMARY_FORMAT unchanged).
  const { accuracyM, siteId, ...place } = location;
  void [accuracyM, siteId];
  return {
    ...kept,
    location: place,
    headcount: { total: headcount.total },
    needs: needs.map(({ id, ...need }) => (void id, need)),
    assignments: assignments.map(({ id, groupId, needId, note, createdBy, version, ...a }) => {
      void [id, groupId, note, createdBy, version];
      return { ...a, needType: needs.find((n) => n.id === needId)?.type ?? null };
    }),
  };
}

const groupsArb = fc.array(groupArb, { maxLength: 12 });
const asJson = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

describe('packed summaries (a big crisis for a coordinator)', () => {
  it('a summary equals its full view minus exactly the dropped fields, through the encoding', () => {
    fc.assert(
      fc.property(groupsArb, (groups) => {
        const decoded = decodeViews(asJson(encodeViews(groups.map((g) => summarizeView({ view: 'full', group: g })))));
        expect(decoded).toStrictEqual(asJson(groups.map((g) => ({ view: 'summary', group: expectedSummary(g) }))));
      }),
      { numRuns: 300 },
    );
  });

  it('carries no need id, assignment id, note, author or follow-up team, in any spelling', () => {
    fc.assert(
      fc.property(groupsArb, (groups) => {
        const packed = encodeViews(groups.map((g) => summarizeView({ view: 'full', group: g })));
        const json = JSON.stringify(packed);
        const ids = new Set(groups.flatMap((g) => [g.id, ...(g.mergedInto ? [g.mergedInto] : [])]));
        // Texts a summary keeps (a place name) may happen to equal a note: those are not secrets.
        const kept = new Set(groups.map((g) => g.location.placeName));
        for (const g of groups) {
          const secrets = [...g.needs.map((n) => n.id), ...g.assignments.flatMap((a) => [a.id, a.needId, a.createdBy]), g.reportedBy, ...g.followUpBy].filter(
            (id) => !ids.has(id),
          );
          for (const id of secrets) {
            expect(json).not.toContain(id);
            expect(json).not.toContain(id.replaceAll('-', ''));
          }
          for (const text of [g.notes, ...g.assignments.map((a) => a.note)]) {
            if (text.length > 3 && !kept.has(text)) expect(packed.strings).not.toContain(text);
          }
        }
        expect(packed.full).toEqual(encodeViews([]).full);
      }),
      { numRuns: 200 },
    );
  });

  it('only drops: a summary of projectGroup output is never more than the view', () => {
    fc.assert(
      fc.property(viewsArb, (views) => {
        for (const view of views) {
          const packed = summarizeView(view);
          if (view.view !== 'full') expect(packed).toBe(view);
          else expect(packed).toStrictEqual({ view: 'summary', group: summarizeGroup(view.group) });
        }
      }),
      { numRuns: 100 },
    );
  });

  it('gives the map, triage queue, filters, counters, duplicates and 3W exactly what the full groups give them', () => {
    const now = Date.parse('2026-11-28T12:00:00.000Z');
    const agencies = AGENCIES.map((id, i) => ({ id, name: `Agency ${i}`, acronym: `A${i}`, type: 'ingo' as const, servesState: null }));
    const filters: GroupFilter[] = [
      EMPTY_FILTER,
      { ...EMPTY_FILTER, unassignedOnly: true },
      { ...EMPTY_FILTER, needs: ['water', 'food'], unassignedOnly: true },
      { ...EMPTY_FILTER, agencies: [AGENCIES[0]!] },
      { ...EMPTY_FILTER, vulnerabilities: ['detained'], nationalities: ['NGA'] },
      { ...EMPTY_FILTER, seenWithinHours: 48, statuses: ['reported', 'verified'] },
    ];
    fc.assert(
      fc.property(groupsArb, (groups) => {
        const full = asJson(groups).map((group): GroupView => ({ view: 'full', group }));
        const decoded = decodeViews(asJson(encodeViews(groups.map((g) => summarizeView({ view: 'full', group: g })))));
        const held: HeldView[] = decoded;
        expect(held.every((v) => v.view === 'summary')).toBe(true);
        const g = (views: HeldView[]) => views.map((v) => coordinatedGroupOf(v)).filter((x): x is CoordinatedGroup => x !== undefined);
        held.forEach((view, i) => {
          const f = full[i]!;
          expect(groupToFeature(view, false, now)).toStrictEqual(groupToFeature(f, false, now));
          expect(attentionOf(view, now)).toBe(attentionOf(f, now));
          expect(urgencyOf(coordinatedGroupOf(view)!, now)).toStrictEqual(urgencyOf(coordinatedGroupOf(f)!, now));
          for (const filter of filters) expect(matchesFilter(view, filter, now)).toBe(matchesFilter(f, filter, now));
        });
        expect(countersOf(g(held))).toStrictEqual(countersOf(g(full)));
        expect(threeW(g(held), agencies, { hostCountry: 'LBY', dates: new Map() }, now)).toStrictEqual(
          threeW(g(full), agencies, { hostCountry: 'LBY', dates: new Map() }, now),
        );
        const pairs = (views: HeldView[]) => proposeDuplicates(g(views)).map((p) => [p.keep.id, p.duplicate.id]);
        expect(pairs(held)).toStrictEqual(pairs(full));
      }),
      { numRuns: 200 },
    );
  });

  it('holds a summary as a kind of its own, with none of the ids or texts it leaves out', () => {
    const group = asJson(makeArbitrarySample());
    const [decoded] = decodeViews(asJson(encodeViews([summarizeView({ view: 'full', group })])));
    if (decoded?.view !== 'summary') throw new Error('expected a summary');
    expect(decoded.group).toStrictEqual(asJson(summarizeGroup(group)));
    for (const need of decoded.group.needs) expect(need).not.toHaveProperty('id');
    for (const a of decoded.group.assignments) {
      expect(a).not.toHaveProperty('id');
      expect(a).not.toHaveProperty('needId');
    }
    // Parsed as a group (as a device copy of groups would be), a summary is refused, never taken for a full one.
    expect(Group.safeParse(decoded.group).success).toBe(false);
  });

  it('refuses a summary where a change must carry the group itself', () => {
    const group = makeArbitrarySample();
    const changes = encodeChanges([{ kind: 'group.upsert', seq: 1, group: { view: 'full', group } }]);
    const smuggled = { ...changes, views: encodeViews([summarizeView({ view: 'full', group })]) };
    expect(() => decodeChanges(asJson(smuggled))).toThrow(PackedViewsError);
  });

  it('takes a time kept verbatim only when it is one the Timestamp schema takes', () => {
    const group = { ...makeArbitrarySample(), reportedAt: '2026-11-28T07:00:00Z' };
    const packed = asJson(encodeViews([summarizeView({ view: 'full', group })]));
    const [decoded] = decodeViews(packed);
    expect(decoded?.group).toMatchObject({ reportedAt: '2026-11-28T07:00:00Z' });
    // The summary's third column is reportedAt: its verbatim table holds the time above.
    const tampered = { ...packed, summary: packed.summary.map((c, i) => (i === 2 ? [[0], { 0: 'yesterday' }] : c)) };
    expect(() => decodeViews(tampered)).toThrow(PackedViewsError);
  });

  it('keeps an id spelt in capitals as it is, and refuses one that is no UUID', () => {
    const id = '01900000-0000-7000-8000-00000000ABCD';
    const view: GroupView = { view: 'reduced', group: { id, lat: 1, lon: 2, status: 'reported', needTypes: [], version: 1 } };
    expect(decodeViews(asJson(encodeViews([view])))).toStrictEqual([view]);
    const bad = asJson(encodeViews([{ ...view, group: { ...view.group, id: 'nope' } } as GroupView])) as PackedViews;
    expect(() => decodeViews(bad)).toThrow(PackedViewsError);
  });
});

/** One arbitrary group with needs and an assignment, for the example-based tests above. */
function makeArbitrarySample(): Group {
  const [group] = fc.sample(
    groupArb.filter((g) => g.needs.length > 0 && g.assignments.length > 0),
    { numRuns: 1, seed: 7 },
  );
  return group!;
}
