import { v7 as uuidv7 } from 'uuid';
import { describe, expect, it } from 'vitest';
import {
  BOARDING_TRANSITIONS,
  canMoveBoarding,
  canMoveLeg,
  capacityShortfalls,
  isRefused,
  LEG_TRANSITIONS,
  MOVABLE_STATUSES,
  movedCounts,
  planAddGroup,
  planCheckIn,
  planConfirmDocuments,
  legInputOf,
  planLegStatus,
  planLegs,
  planRemoveGroup,
  projectMovement,
  purgeManifestEntry,
  refreshManifest,
  seatRefusal,
  siteFullRefusal,
  statusAfterArrival,
  type Refused,
} from '../../shared/movements';
import { BOARDING_STATES, LEG_STATUSES, Movement, MovementPatch, MovementView, type ManifestEntry } from '../../shared/schemas/movement.schema';
import type { Group } from '../../shared/schemas/group.schema';
import { makeAudience, makeGroup, makeSite } from '../support/factories';
import { decodeChanges, encodeChanges } from '../../shared/packed-views';
import { purgeDetails } from '../../shared/retention';
import type { ChangeEvent } from '../../shared/schemas/sync.schema';

const crisisId = uuidv7();
const carrierAgencyId = uuidv7();
const coordinatorId = uuidv7();
const at = '2026-12-06T08:00:00.000Z';
const place = (name: string) => ({ name, lat: 32.9, lon: 13.2 });

function movement(overrides: Partial<Movement> = {}): Movement {
  return Movement.parse({
    id: uuidv7(),
    crisisId,
    version: 1,
    kind: 'evacuation_to_origin',
    mode: 'bus',
    carrierAgencyId,
    seats: 50,
    destinationCountry: 'NGA',
    notes: 'convoy escort from checkpoint 4',
    legs: [
      { id: uuidv7(), from: { place: place('Tripoli port') }, to: { place: place('Ras Ajdir') }, status: 'planned' },
      { id: uuidv7(), from: { place: place('Ras Ajdir') }, to: { place: place('Lagos') }, status: 'planned' },
    ],
    manifest: [],
    createdBy: coordinatorId,
    createdAt: at,
    updatedAt: at,
    ...overrides,
  });
}
const group = (overrides: Partial<Group> = {}) => makeGroup({ crisisId, consentConsulate: 'yes', needs: [], status: 'verified', ...overrides });
const details = { pickup: null, specialNeeds: '', consent: { recordedBy: coordinatorId, at } };

function ok<T>(x: T | Refused): T {
  if (isRefused(x)) throw new Error(`refused: ${x.refused} (${x.message})`);
  return x;
}
const refusalOf = (x: unknown) => (isRefused(x) ? x.refused : 'accepted');

/** A movement with groups on its manifest and its first leg moved through `statuses`. */
function withGroups(groups: Group[], statuses: ('confirmed' | 'boarding' | 'departed' | 'arrived')[] = [], base = movement()): Movement {
  let m = base;
  for (const g of groups) m = ok(planAddGroup(m, g, details));
  for (const s of statuses) m = ok(planLegStatus(m, m.legs[0]!.id, s, at));
  return m;
}

describe('leg and boarding state tables', () => {
  it('lets a leg go planned → confirmed → boarding → departed → arrived, and nowhere back from the end', () => {
    for (const [from, to] of [
      ['planned', 'confirmed'],
      ['confirmed', 'boarding'],
      ['boarding', 'departed'],
      ['departed', 'arrived'],
      ['confirmed', 'cancelled'],
    ] as const) {
      expect(canMoveLeg(from, to)).toBe(true);
    }
    for (const to of LEG_STATUSES) {
      expect(canMoveLeg('arrived', to)).toBe(false);
      expect(canMoveLeg('cancelled', to)).toBe(false);
    }
    expect(canMoveLeg('planned', 'departed')).toBe(false);
    expect(canMoveLeg('departed', 'cancelled')).toBe(false);
  });

  it('names every state in both tables, and every target is a known state', () => {
    expect(Object.keys(LEG_TRANSITIONS).sort()).toEqual([...LEG_STATUSES].sort());
    expect(Object.keys(BOARDING_TRANSITIONS).sort()).toEqual([...BOARDING_STATES].sort());
    for (const targets of Object.values(BOARDING_TRANSITIONS)) for (const t of targets) expect(BOARDING_STATES).toContain(t);
  });

  it('refuses a leg move the table does not hold, with a named error, and leaves the movement as it was', () => {
    const m = movement();
    const refused = planLegStatus(m, m.legs[0]!.id, 'departed', at);
    expect(refusalOf(refused)).toBe('leg_transition');
    expect(m.legs[0]!.status).toBe('planned');
    expect(refusalOf(planLegStatus(m, uuidv7(), 'confirmed', at))).toBe('no_such_leg');
  });

  it('does not board a later leg before the earlier one arrived', () => {
    let m = movement();
    m = ok(planLegStatus(m, m.legs[1]!.id, 'confirmed', at));
    expect(refusalOf(planLegStatus(m, m.legs[1]!.id, 'boarding', at))).toBe('leg_transition');
  });

  it('stamps the actual departure and arrival', () => {
    const m = withGroups([], ['confirmed', 'boarding', 'departed', 'arrived']);
    expect(m.legs[0]).toMatchObject({ status: 'arrived', actualDeparture: at, actualArrival: at });
  });

  it('moves a group listed → checked in → boarded, lets a no-show check in late, and refuses the rest by name', () => {
    expect(canMoveBoarding('listed', 'checked_in')).toBe(true);
    expect(canMoveBoarding('no_show', 'checked_in')).toBe(true);
    expect(canMoveBoarding('boarded', 'offloaded')).toBe(true);
    expect(canMoveBoarding('listed', 'boarded')).toBe(false);
    expect(canMoveBoarding('boarded', 'no_show')).toBe(false);

    const g = group();
    let m = withGroups([g], ['confirmed']);
    expect(refusalOf(planCheckIn(m, g.id, 'boarded'))).toBe('boarding_transition');
    m = ok(planCheckIn(m, g.id, 'checked_in'));
    expect(refusalOf(planCheckIn(m, g.id, 'boarded'))).toBe('not_boarding');
    m = ok(planLegStatus(m, m.legs[0]!.id, 'boarding', at));
    m = ok(planCheckIn(m, g.id, 'boarded'));
    expect(m.manifest[0]!.state).toBe('boarded');
    expect(refusalOf(planCheckIn(m, uuidv7(), 'checked_in'))).toBe('not_on_manifest');
  });

  it('opens check-in only once the leg is confirmed', () => {
    const g = group();
    expect(refusalOf(planCheckIn(withGroups([g]), g.id, 'checked_in'))).toBe('not_boarding');
  });

  it('does not board a group whose documents the consulate refused', () => {
    const g = group({ nationalities: [{ code: 'NGA', count: 12 }] });
    let m = withGroups([g], ['confirmed', 'boarding']);
    m = planConfirmDocuments(m, g.id, 'refused', 'NGA', uuidv7())!;
    m = ok(planCheckIn(m, g.id, 'checked_in'));
    expect(refusalOf(planCheckIn(m, g.id, 'boarded'))).toBe('documents_refused');
  });
});

describe('adding a leg', () => {
  it('patches only the fields an edit sends: the carrier, destination and notes left out stay unset in the patch', () => {
    expect(MovementPatch.parse({ seats: 3 })).toEqual({ seats: 3 });
    expect(MovementPatch.parse({ carrierAgencyId: null })).toEqual({ carrierAgencyId: null });
  });

  const onward = (m: Movement) => ({
    id: uuidv7(),
    from: m.legs.at(-1)!.to,
    to: { siteId: null, place: place('Kano') },
    plannedDeparture: at,
    plannedArrival: null,
  });

  it('adds a planned leg after the others, keeping their status', () => {
    let m = movement();
    m = ok(planLegStatus(m, m.legs[0]!.id, 'confirmed', at));
    const next = ok(planLegs(m, [...m.legs.map(legInputOf), onward(m)]));
    expect(next.legs.map((l) => l.status)).toEqual(['confirmed', 'planned', 'planned']);
    expect(next.legs[2]).toMatchObject({ from: m.legs[1]!.to, actualDeparture: null, actualArrival: null, plannedDeparture: at });
  });

  it('adds an onward leg once the movement has left, but leaves the legs travelled as they were', () => {
    const m = withGroups([group()], ['confirmed', 'boarding', 'departed']);
    const next = ok(planLegs(m, [...m.legs.map(legInputOf), onward(m)]));
    expect(next.legs.map((l) => l.status)).toEqual(['departed', 'planned', 'planned']);
    expect(next.legs[0]!.actualDeparture).toBe(at);
    const rerouted = m.legs.map(legInputOf).map((l, i) => (i === 0 ? { ...l, to: { siteId: null, place: place('Zuwara') } } : l));
    expect(refusalOf(planLegs(m, [...rerouted, onward(m)]))).toBe('movement_underway');
    expect(refusalOf(planLegs(m, [m.legs.map(legInputOf)[0]!, onward(m)]))).toBe('movement_underway');
    expect(refusalOf(planLegs(m, [onward(m), ...m.legs.map(legInputOf)]))).toBe('movement_underway');
  });

  it('adds no leg to a movement that arrived or whose every leg was cancelled', () => {
    let arrivedOne = movement();
    for (const leg of arrivedOne.legs)
      for (const s of ['confirmed', 'boarding', 'departed', 'arrived'] as const) arrivedOne = ok(planLegStatus(arrivedOne, leg.id, s, at));
    expect(refusalOf(planLegs(arrivedOne, [...arrivedOne.legs.map(legInputOf), onward(arrivedOne)]))).toBe('movement_finished');
    let cancelled = movement();
    for (const leg of cancelled.legs) cancelled = ok(planLegStatus(cancelled, leg.id, 'cancelled', at));
    expect(refusalOf(planLegs(cancelled, [...cancelled.legs.map(legInputOf), onward(cancelled)]))).toBe('movement_finished');
  });
});

describe('seat rules', () => {
  const of = (total: number, state: ManifestEntry['state'] = 'listed') =>
    ({ state, group: { headcount: { total } } }) as Pick<ManifestEntry, 'state' | 'group'>;

  it('accepts a manifest that fills every seat and refuses one person more, by name', () => {
    expect(seatRefusal(20, [of(12), of(8)])).toBeNull();
    expect(seatRefusal(20, [of(12), of(9)])?.refused).toBe('seats_exceeded');
  });

  it('does not count no-shows and offloaded groups against the seats', () => {
    expect(seatRefusal(20, [of(12), of(9, 'no_show'), of(30, 'offloaded')])).toBeNull();
  });

  it('refuses adding a group that does not fit, and a late no-show who no longer fits', () => {
    const [a, b, c] = [group({ headcount: group().headcount }), group(), group()];
    const m = withGroups([a, b], ['confirmed'], movement({ seats: 24 }));
    expect(refusalOf(planAddGroup(m, c, details))).toBe('seats_exceeded');
    let late = ok(planCheckIn(m, a.id, 'no_show'));
    late = ok(planAddGroup(late, c, details));
    expect(refusalOf(planCheckIn(late, a.id, 'checked_in'))).toBe('seats_exceeded');
  });

  it('refuses a group twice, a group already evacuated, and new groups once a leg has left', () => {
    const g = group();
    const m = withGroups([g]);
    expect(refusalOf(planAddGroup(m, g, details))).toBe('already_on_manifest');
    expect(refusalOf(planAddGroup(m, group({ status: 'evacuated' }), details))).toBe('group_not_movable');
    expect(refusalOf(planAddGroup(m, group({ status: 'reported' }), details))).toBe('group_not_movable');
    const left = withGroups([], ['confirmed', 'boarding', 'departed']);
    expect(refusalOf(planAddGroup(left, group(), details))).toBe('movement_underway');
  });

  it('removes a listed group but not one that boarded', () => {
    const g = group();
    const m = withGroups([g], ['confirmed', 'boarding']);
    expect(ok(planRemoveGroup(m, g.id)).manifest).toEqual([]);
    const boarded = ok(planCheckIn(ok(planCheckIn(m, g.id, 'checked_in')), g.id, 'boarded'));
    expect(refusalOf(planRemoveGroup(boarded, g.id))).toBe('boarding_transition');
  });
});

describe('capacity rule', () => {
  const shelter = makeSite({ crisisId, name: 'Zawiya shelter', capacity: 100, occupancy: 90 });
  const toShelter = (site = shelter) =>
    movement({
      legs: [
        {
          id: uuidv7(),
          from: { siteId: null, place: place('Tripoli port') },
          to: { siteId: site.id, place: place(site.name) },
          status: 'planned',
          actualDeparture: null,
          actualArrival: null,
          plannedDeparture: null,
          plannedArrival: null,
        },
      ],
    });
  const people = (total: number) => group({ nationalities: [], headcount: { ...group().headcount, total } });
  const of = (site: typeof shelter) => (id: string) => (id === site.id ? site : null);

  it('finds a leg arriving at a site with fewer free places than the people on board, and words it for the coordinator', () => {
    const m = withGroups([people(6), people(6)], [], toShelter());
    const [short, ...rest] = capacityShortfalls(m, of(shelter));
    expect(rest).toEqual([]);
    expect(short).toMatchObject({ legId: m.legs[0]!.id, siteId: shelter.id, people: 12, free: 10 });
    expect(siteFullRefusal(short!)).toEqual({ refused: 'site_full', message: '12 people for 10 free places at Zawiya shelter' });
  });

  it('counts the people of the groups recorded at the site when they outnumber its last count, as the site shows', () => {
    // Reported 90 of 100 long ago; since then 96 people in recorded groups are there: 4 places left, not 10.
    const filled = { ...shelter, linked: { groups: 3, people: 96 } };
    const [short] = capacityShortfalls(withGroups([people(6)], [], toShelter(filled)), of(filled));
    expect(short).toMatchObject({ people: 6, free: 4 });
    // Fewer recorded than counted: the count stands.
    const fewer = { ...shelter, linked: { groups: 1, people: 20 } };
    expect(capacityShortfalls(withGroups([people(10)], [], toShelter(fewer)), of(fewer))).toEqual([]);
  });

  it('accepts a movement that fills the last free place, and does not count no-shows', () => {
    const [a, b] = [people(10), people(5)];
    expect(capacityShortfalls(withGroups([a], [], toShelter()), of(shelter))).toEqual([]);
    const m = withGroups([a, b], ['confirmed'], toShelter());
    expect(capacityShortfalls(m, of(shelter))).toHaveLength(1);
    expect(capacityShortfalls(ok(planCheckIn(m, b.id, 'no_show')), of(shelter))).toEqual([]);
  });

  it('does not judge a site of unknown capacity, a place that is no site, or a cancelled leg; an unknown occupancy counts as empty', () => {
    const big = people(40);
    const unknown = makeSite({ crisisId, capacity: null, occupancy: 500 });
    expect(capacityShortfalls(withGroups([big], [], toShelter(unknown)), of(unknown))).toEqual([]);
    expect(capacityShortfalls(withGroups([big]), of(shelter))).toEqual([]);
    const m = withGroups([big], [], toShelter());
    expect(capacityShortfalls(ok(planLegStatus(m, m.legs[0]!.id, 'cancelled', at)), of(shelter))).toEqual([]);
    const empty = makeSite({ crisisId, capacity: 40, occupancy: null });
    expect(capacityShortfalls(withGroups([big], [], toShelter(empty)), of(empty))).toEqual([]);
    const over = makeSite({ crisisId, capacity: 40, occupancy: 60 });
    expect(capacityShortfalls(withGroups([big], [], toShelter(over)), of(over))[0]?.free).toBe(0);
  });
});

describe(projectMovement.name, () => {
  const nga = group({ nationalities: [{ code: 'NGA', count: 12 }], notes: 'secret note about the group' });
  const mixed = group({
    headcount: { total: 12, female: { under5: 0, age5to17: 0, age18to59: 0, age60plus: 0 }, male: { under5: 0, age5to17: 0, age18to59: 0, age60plus: 0 } },
    nationalities: [
      { code: 'NGA', count: 5 },
      { code: 'NER', count: 7 },
    ],
  });
  const flagged = group({ nationalities: [{ code: 'NGA', count: 3 }], headcount: { ...nga.headcount, total: 3 }, protectionConcern: true });
  const noConsent = group({ nationalities: [{ code: 'NGA', count: 4 }], headcount: { ...nga.headcount, total: 4 }, consentConsulate: 'no' });
  const m = withGroups([nga, mixed, flagged, noConsent], [], movement({ seats: 40 }));
  const embassy = (state: string) => makeAudience({ role: 'embassy', crisisId, agencyId: uuidv7(), servesState: state });

  it('gives a coordinator all of it', () => {
    expect(projectMovement(makeAudience({ crisisId }), m)).toEqual({ view: 'full', movement: m });
  });

  it("gives the carrier's responders pickup points, headcounts, special needs and references, and no notes or nationalities", () => {
    const view = projectMovement(makeAudience({ role: 'responder', crisisId, agencyId: carrierAgencyId }), m);
    expect(view?.view).toBe('carrier');
    expect(MovementView.parse(view)).toEqual(view);
    const entries = view?.view === 'carrier' ? view.movement.manifest : [];
    expect(entries.map((e) => e.people)).toEqual([12, 12, 3, 4]);
    // Ids made in the same millisecond share their first digits (UUIDv7): the references do not.
    expect(new Set(entries.map((e) => e.reference)).size).toBe(4);
    expect(entries[0]).toMatchObject({ reference: nga.id.replaceAll('-', '').slice(-8).toUpperCase(), pickup: { name: 'Test place' } });
    // The destination country is where the vehicle goes (NGA); who is aboard stays unsaid.
    const json = JSON.stringify(view);
    for (const secret of ['nationalit', 'NER', 'secret note', 'convoy escort', 'consentConsulate', 'protectionConcern']) expect(json).not.toContain(secret);
  });

  it('gives another agency and the field nothing', () => {
    expect(projectMovement(makeAudience({ role: 'responder', crisisId, agencyId: uuidv7() }), m)).toBeNull();
    expect(projectMovement(makeAudience({ role: 'field', crisisId }), m)).toBeNull();
    expect(projectMovement(makeAudience({ role: 'admin', crisisId }), m)).toBeNull();
    expect(projectMovement(makeAudience({ crisisId: uuidv7() }), m)).toBeNull();
  });

  it('gives a consulate only its consenting, unflagged nationals, their part only, and the rest as a rounded count', () => {
    const view = projectMovement(embassy('NGA'), m);
    expect(view?.view).toBe('nationals');
    expect(MovementView.parse(view)).toEqual(view);
    if (view?.view !== 'nationals') return;
    expect(view.movement.manifest.map((e) => [e.groupId, e.nationals, e.whole !== null])).toEqual([
      [nga.id, 12, true],
      [mixed.id, 5, false],
    ]);
    // 3 flagged + 4 without consent: 7 hidden nationals, released as a multiple of 5.
    expect(view.movement.otherNationals).toBe(5);
    const json = JSON.stringify(view);
    for (const secret of [flagged.id, noConsent.id, 'NER', 'secret note', 'convoy escort']) expect(json).not.toContain(secret);
  });

  it('shows a consulate with no nationals aboard nothing, unless the movement goes to its state', () => {
    expect(projectMovement(embassy('GHA'), m)).toBeNull();
    const ner = projectMovement(embassy('NER'), m);
    // Its 7 nationals travel in a group it may not see (consent is for the whole group: here yes, so seen).
    expect(ner?.view === 'nationals' && ner.movement.manifest.map((e) => e.nationals)).toEqual([7]);
    const toGha = projectMovement(embassy('GHA'), { ...m, destinationCountry: 'GHA' });
    expect(toGha?.view === 'nationals' && [toGha.movement.manifest, toGha.movement.otherNationals]).toEqual([[], null]);
  });

  it("takes a group out of its consulate's view as soon as its record is flagged", () => {
    const refreshed = refreshManifest(m, { ...nga, protectionConcern: true, version: nga.version + 1 });
    expect(refreshed).not.toBeNull();
    const view = projectMovement(embassy('NGA'), refreshed!);
    expect(view?.view === 'nationals' && view.movement.manifest.map((e) => e.groupId)).toEqual([mixed.id]);
    expect(refreshManifest(m, nga)).toBeNull();
  });

  it('lets a consulate answer for the documents of its own visible nationals only', () => {
    const agencyId = uuidv7();
    expect(planConfirmDocuments(m, nga.id, 'confirmed', 'NGA', agencyId)?.manifest[0]).toMatchObject({ documents: 'confirmed', documentsBy: agencyId });
    expect(planConfirmDocuments(m, flagged.id, 'confirmed', 'NGA', agencyId)).toBeNull();
    expect(planConfirmDocuments(m, noConsent.id, 'confirmed', 'NGA', agencyId)).toBeNull();
    expect(planConfirmDocuments(m, nga.id, 'confirmed', 'NER', agencyId)).toBeNull();
  });
});

describe('arrival', () => {
  it('makes a travelled group evacuated or relocated when the status table allows it', () => {
    // Every status a group may be put on a manifest in leads to both arrival statuses.
    for (const from of MOVABLE_STATUSES) {
      expect(statusAfterArrival('evacuation_to_origin', from)).toBe('evacuated');
      if (from !== 'relocated') expect(statusAfterArrival('relocation_in_country', from)).toBe('relocated');
    }
    expect(statusAfterArrival('evacuation_to_origin', 'verified')).toBe('evacuated');
    expect(statusAfterArrival('third_country', 'assisted')).toBe('evacuated');
    expect(statusAfterArrival('relocation_in_country', 'assistance_in_progress')).toBe('relocated');
    expect(statusAfterArrival('evacuation_to_origin', 'closed')).toBeNull();
    expect(statusAfterArrival('relocation_in_country', 'relocated')).toBeNull();
  });

  it('counts the people who boarded a movement that arrived, by nationality and destination', () => {
    const a = group({ nationalities: [{ code: 'NGA', count: 10 }] });
    const b = group({ nationalities: [{ code: 'NER', count: 8 }] });
    const c = group({ nationalities: [{ code: 'NGA', count: 12 }] });
    let m = withGroups([a, b, c], ['confirmed', 'boarding']);
    for (const g of [a, b]) m = ok(planCheckIn(ok(planCheckIn(m, g.id, 'checked_in')), g.id, 'boarded'));
    m = ok(planCheckIn(m, c.id, 'no_show'));
    expect(movedCounts([m])).toEqual([]);
    m = ok(planLegStatus(m, m.legs[0]!.id, 'departed', at));
    m = ok(planLegStatus(m, m.legs[0]!.id, 'arrived', at));
    m = ok(planLegStatus(m, m.legs[1]!.id, 'cancelled', at));
    expect(movedCounts([m])).toEqual([
      { kind: 'evacuated', nationality: 'NER', destination: 'NGA', people: 8 },
      { kind: 'evacuated', nationality: 'NGA', destination: 'NGA', people: 10 },
      { kind: 'evacuated', nationality: 'unknown', destination: 'NGA', people: 2 + 4 },
    ]);
  });
});

describe('movement changes in a packed batch', () => {
  const coordinator = makeAudience({ role: 'coordinator', crisisId });
  const g = group();
  const view = projectMovement(coordinator, withGroups([g]))!;
  const pack = (changes: readonly ChangeEvent[]) => JSON.parse(JSON.stringify(encodeChanges(changes))) as Record<string, unknown>;

  it("keeps movements' kind apart from sites' (both sent whole beside the columns), each decoded as sent and in order", () => {
    const changes: ChangeEvent[] = [
      { kind: 'group.remove', seq: 3, groupId: uuidv7() },
      { kind: 'movement.upsert', seq: 4, movement: view },
      { kind: 'site.upsert', seq: 5, site: makeSite({ crisisId }) },
      { kind: 'movement.remove', seq: 7, movementId: view.movement.id },
    ];
    const packed = pack(changes);
    expect(packed['kinds']).toEqual([1, 3, 2, 3]);
    expect(decodeChanges(packed)).toEqual(changes);
  });

  it('refuses a site change passed off as a movement, and a movement list that does not match the kinds', () => {
    const site = makeSite({ crisisId });
    const packed = pack([{ kind: 'movement.upsert', seq: 4, movement: view }]);
    expect(() => decodeChanges({ ...packed, others: [{ kind: 'site.upsert', seq: 4, site }] })).toThrow(/others holds a bad value/);
    expect(() => decodeChanges({ ...packed, others: [] })).toThrow(/others ends early/);
    // A movement read as kind 2 would be taken for a site: the kinds must stay apart.
    expect(() => decodeChanges({ ...packed, kinds: [2], sites: packed['others'], others: undefined })).toThrow(/sites holds a bad value/);
  });
});

describe(purgeManifestEntry.name, () => {
  // The logged states of a manifest are coarsened with this when retention purges a group; the
  // current state is refreshed from the purged group. Both must come out the same, or the history
  // would keep what the present dropped (or differ from it for no reason).
  it('makes of an old record what the refresh makes of the purged group, its version and status kept', () => {
    const groups = [
      group({ notes: 'Qznote', vulnerabilities: { ...group().vulnerabilities, pregnantOrLactating: 2, disability: 1 } }),
      group({ location: { ...group().location, placeName: '', lat: 32.8876, lon: 13.1911 } }),
      group({ location: { ...group().location, placeName: 'Qzplace', lat: -0.04, lon: 179.96 } }),
    ];
    for (const g of groups) {
      const listed = withGroups([g]);
      const purged = purgeDetails(g);
      const refreshed = refreshManifest(listed, { ...purged, version: g.version + 1 })!.manifest[0]!;
      const entry = purgeManifestEntry(listed.manifest[0]!);
      // As stored (JSON: -0 is 0).
      const asStored = (x: unknown) => JSON.parse(JSON.stringify(x)) as unknown;
      expect(asStored(entry)).toEqual(asStored({ ...refreshed, group: { ...refreshed.group, version: g.version } }));
      expect(JSON.stringify(entry)).not.toMatch(/Qznote|Qzplace/);
      // Purging what is purged changes nothing: a run stopped half-way is run again.
      expect(asStored(purgeManifestEntry(entry))).toEqual(asStored(entry));
    }
  });

  it('keeps a pickup point set by hand; one left at the group moves with its rounded place', () => {
    const g = group();
    const byHand = ok(planAddGroup(movement(), g, { ...details, pickup: place('Qzpickup gate') })).manifest[0]!;
    expect(purgeManifestEntry(byHand).pickup).toEqual(byHand.pickup);
    const atGroup = withGroups([g]).manifest[0]!;
    expect(purgeManifestEntry(atGroup).pickup).toEqual(purgeManifestEntry(atGroup).group.place);
  });
});
