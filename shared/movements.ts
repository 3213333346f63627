import { canTransition } from './group-status';
import { embassyMaySee, type Audience } from './projection';
import type { Group, GroupStatus } from './schemas/group.schema';
import type { Site } from './schemas/site.schema';
import { shownOccupancy, type Occupied } from './sites';
import { VULNERABILITIES } from './schemas/group.schema';
import type {
  BoardingState,
  CarrierEntry,
  CheckInState,
  Leg,
  LegInput,
  LegStatus,
  ManifestEntry,
  ManifestGroupRecord,
  Movement,
  MovementKind,
  MovementView,
  NationalsEntry,
  Place,
  TravelDocumentStatus,
} from './schemas/movement.schema';
import { roundCount } from './suppression';
import { purgedCoordinate, purgedHeadcount } from './retention';

/**
 * Why a movement command is refused. Each travels as the issue code of the failure, so the form
 * (or the boarding list) can say which rule stopped it.
 */
export const MOVEMENT_REFUSALS = [
  'leg_transition',
  'boarding_transition',
  'seats_exceeded',
  'not_on_manifest',
  'already_on_manifest',
  'not_boarding',
  'documents_refused',
  'movement_underway',
  'movement_finished',
  'group_not_movable',
  'no_such_leg',
  'site_full',
] as const;
export type MovementRefusal = (typeof MOVEMENT_REFUSALS)[number];

/** A refused step: the rule's name and a sentence for the person. */
export interface Refused {
  refused: MovementRefusal;
  message: string;
}
const refuse = (refused: MovementRefusal, message: string): Refused => ({ refused, message });
/** Whether a planned step was refused. */
export const isRefused = (x: unknown): x is Refused => typeof x === 'object' && x !== null && 'refused' in x;

/**
 * Which status a leg may move to from each. A confirmed leg may go back to planned (the carrier
 * fell through); nothing comes back from departed, arrived or cancelled.
 */
export const LEG_TRANSITIONS: Readonly<Record<LegStatus, readonly LegStatus[]>> = {
  planned: ['confirmed', 'cancelled'],
  confirmed: ['planned', 'boarding', 'cancelled'],
  boarding: ['departed', 'cancelled'],
  departed: ['arrived'],
  arrived: [],
  cancelled: [],
};

/**
 * Which boarding state a group may move to from each. A no-show who turns up late, and an
 * offloaded group let back on, are checked in again (and count against the seats again).
 */
export const BOARDING_TRANSITIONS: Readonly<Record<BoardingState, readonly BoardingState[]>> = {
  listed: ['checked_in', 'no_show'],
  checked_in: ['boarded', 'no_show'],
  boarded: ['offloaded'],
  no_show: ['checked_in'],
  offloaded: ['checked_in'],
};

/** Whether a leg may move from one status to another. */
export function canMoveLeg(from: LegStatus, to: LegStatus): boolean {
  return LEG_TRANSITIONS[from].includes(to);
}

/** Whether a group on a manifest may move from one boarding state to another. */
export function canMoveBoarding(from: BoardingState, to: BoardingState): boolean {
  return BOARDING_TRANSITIONS[from].includes(to);
}

/** Boarding states that hold no seat: the group is not travelling on this movement. */
const SEATLESS: ReadonlySet<BoardingState> = new Set(['no_show', 'offloaded']);

/** Seats the manifest takes: the people of every group that may still travel. */
export function seatsTaken(manifest: readonly Pick<ManifestEntry, 'state' | 'group'>[]): number {
  let n = 0;
  for (const e of manifest) if (!SEATLESS.has(e.state)) n += e.group.headcount.total;
  return n;
}

/** Refused when the manifest's travelling people outnumber the seats. */
export function seatRefusal(seats: number, manifest: readonly Pick<ManifestEntry, 'state' | 'group'>[]): Refused | null {
  const taken = seatsTaken(manifest);
  return taken > seats ? refuse('seats_exceeded', `the manifest needs ${taken} seats; the movement has ${seats}`) : null;
}

/** What the capacity rule reads of a site: its name, capacity, reported occupancy and (for coordinators and the server) its recorded groups. */
export type SiteRoom = Pick<Site, 'id' | 'name'> & Occupied;

/** A leg arriving at a site with fewer free places than the people the movement carries. */
export interface CapacityShortfall {
  legId: string;
  siteId: string;
  siteName: string;
  /** People the movement carries (its seats taken). */
  people: number;
  /** Places left at the site: capacity less its shown occupancy, never below zero. */
  free: number;
}

/**
 * The legs of a movement that arrive at a registered site without room for everyone on board.
 * A site of unknown capacity is not judged (nothing to compare with); an unknown occupancy counts
 * as empty. The occupancy is the one the site shows (shared/sites.ts `shownOccupancy`: the larger
 * of the reported count and its recorded groups' people), so the rule and the map agree. `legIds` narrows the
 * legs judged (the server judges the one being confirmed). Pure.
 */
export function capacityShortfalls(
  movement: Pick<Movement, 'legs' | 'manifest'>,
  siteOf: (id: string) => SiteRoom | null | undefined,
  legIds?: ReadonlySet<string>,
): CapacityShortfall[] {
  const people = seatsTaken(movement.manifest);
  const out: CapacityShortfall[] = [];
  if (people === 0) return out;
  for (const leg of movement.legs) {
    if (legIds && !legIds.has(leg.id)) continue;
    if (leg.status === 'cancelled' || leg.to.siteId === null) continue;
    const site = siteOf(leg.to.siteId);
    if (!site || site.capacity === null) continue;
    const free = Math.max(0, site.capacity - (shownOccupancy(site) ?? 0));
    if (people > free) out.push({ legId: leg.id, siteId: site.id, siteName: site.name, people, free });
  }
  return out;
}

/** The refusal for a shortfall, in the words the coordinator sees. */
export function siteFullRefusal(s: CapacityShortfall): Refused {
  return refuse('site_full', `${s.people} people for ${s.free} free places at ${s.siteName}`);
}

/** The leg being travelled or next to travel: the first one neither arrived nor cancelled; null when the movement is over. */
export function currentLeg(movement: Pick<Movement, 'legs'>): Leg | null {
  return movement.legs.find((l) => l.status !== 'arrived' && l.status !== 'cancelled') ?? null;
}

/** Whether any leg has left: the manifest is then closed to new groups and the legs to edits. */
export function underway(movement: Pick<Movement, 'legs'>): boolean {
  return movement.legs.some((l) => l.status === 'departed' || l.status === 'arrived');
}

/** Whether the movement reached its destination: its last leg that was not cancelled arrived. */
export function arrived(movement: Pick<Movement, 'legs'>): boolean {
  const travelled = movement.legs.filter((l) => l.status !== 'cancelled');
  return travelled.length > 0 && travelled.every((l) => l.status === 'arrived');
}

/** Whether the movement is still to happen or under way (not arrived, not every leg cancelled). */
export function isOpenMovement(movement: Pick<Movement, 'legs'>): boolean {
  return currentLeg(movement) !== null;
}

/**
 * The group's short reference, as printed on the carrier's manifest: the id's last 8 hex digits.
 * Not the first: a UUIDv7 begins with its time, so groups reported in the same minute shared them.
 */
export function referenceOf(groupId: string): string {
  return groupId.replaceAll('-', '').slice(-8).toUpperCase();
}

/** What a manifest entry keeps of its group (see ManifestGroupRecord). */
export function manifestRecordOf(group: Group): ManifestGroupRecord {
  const vulnerabilities: ManifestGroupRecord['vulnerabilities'] = {};
  for (const v of VULNERABILITIES) if (group.vulnerabilities[v] > 0) vulnerabilities[v] = group.vulnerabilities[v];
  return {
    headcount: group.headcount,
    nationalities: group.nationalities,
    consentConsulate: group.consentConsulate,
    protectionConcern: group.protectionConcern,
    notes: group.notes,
    vulnerabilities,
    place: { name: group.location.placeName || referenceOf(group.id), lat: group.location.lat, lon: group.location.lon },
    status: group.status,
    version: group.version,
  };
}

/**
 * A manifest entry whose group's details retention purged: its record as `manifestRecordOf` makes
 * it of the purged group (shared/retention.ts `purgeDetails`: no notes, no breakdown, no
 * vulnerabilities, the place rounded and named by the reference), its version and status as they
 * were; a pickup left at the group's place follows the place, as `refreshManifest` has it. For the
 * logged states of a manifest, which hold older records than the one the purge refreshes.
 */
export function purgeManifestEntry(entry: ManifestEntry): ManifestEntry {
  const { place } = entry.group;
  const group: ManifestGroupRecord = {
    ...entry.group,
    headcount: purgedHeadcount(entry.group.headcount),
    notes: '',
    vulnerabilities: {},
    place: { name: referenceOf(entry.groupId), lat: purgedCoordinate(place.lat), lon: purgedCoordinate(place.lon) },
  };
  const followsPlace = JSON.stringify(entry.pickup) === JSON.stringify(place);
  return { ...entry, group, pickup: followsPlace ? group.place : entry.pickup };
}

/**
 * Group statuses that can be put on a manifest: a verified case that is still where it was found.
 * Not a report nobody has verified, nor one that cannot be reached, left already, was closed or
 * merged. From each of these the status table (shared/group-status.ts) leads to both `evacuated`
 * and `relocated`, so the group's record can follow its arrival (`statusAfterArrival`).
 */
export const MOVABLE_STATUSES: ReadonlySet<GroupStatus> = new Set(['verified', 'assistance_in_progress', 'assisted', 'relocated']);

/** The movement with `legId` moved to `to` at `at` (actual times stamped), or why not. Pure. */
export function planLegStatus(movement: Movement, legId: string, to: LegStatus, at: string): Movement | Refused {
  const leg = movement.legs.find((l) => l.id === legId);
  if (!leg) return refuse('no_such_leg', 'this movement has no such leg');
  if (!canMoveLeg(leg.status, to)) return refuse('leg_transition', `a ${leg.status} leg cannot become ${to}`);
  // Legs are travelled in order: a later leg does not board before the one before it has arrived.
  if (to === 'boarding' && currentLeg(movement)?.id !== legId) return refuse('leg_transition', 'an earlier leg has not arrived yet');
  const next: Leg = {
    ...leg,
    status: to,
    actualDeparture: to === 'departed' ? at : leg.actualDeparture,
    actualArrival: to === 'arrived' ? at : leg.actualArrival,
  };
  return { ...movement, legs: movement.legs.map((l) => (l.id === legId ? next : l)) };
}

/** A leg as the coordinator sends it in an edit: its route and planned times, without what the road sets (status, actual times). */
export const legInputOf = (l: LegInput): LegInput => ({
  id: l.id,
  from: l.from,
  to: l.to,
  plannedDeparture: l.plannedDeparture,
  plannedArrival: l.plannedArrival,
});

/**
 * The movement with its legs replaced by `inputs`, or why not. Pure. A leg kept by id keeps its
 * status and actual times; a new one starts planned. An ended movement (arrived, or every leg
 * cancelled) takes no leg: its groups' records already followed its arrival, and a cancelled one
 * is planned again as a new movement. Once a leg has left, the legs travelled or under way stay as
 * they are, in their order, and a leg may only be added after them (the onward leg from a transit
 * centre).
 */
export function planLegs(movement: Movement, inputs: readonly LegInput[]): Movement | Refused {
  if (!isOpenMovement(movement)) return refuse('movement_finished', 'this movement has ended; no leg can be added');
  if (underway(movement)) {
    const kept = movement.legs.every((l, i) => inputs[i] !== undefined && JSON.stringify(legInputOf(inputs[i])) === JSON.stringify(legInputOf(l)));
    if (!kept) return refuse('movement_underway', 'a leg has left; legs can only be added after the last one');
  }
  const known = new Map(movement.legs.map((l) => [l.id, l]));
  const legs: Leg[] = inputs.map((l) => ({ status: 'planned' as const, actualDeparture: null, actualArrival: null, ...known.get(l.id), ...l }));
  return { ...movement, legs };
}

/** The movement with one group's boarding state moved, or why not. Pure. */
export function planCheckIn(movement: Movement, groupId: string, to: CheckInState): Movement | Refused {
  const entry = movement.manifest.find((e) => e.groupId === groupId);
  if (!entry) return refuse('not_on_manifest', 'this group is not on the manifest');
  if (!canMoveBoarding(entry.state, to)) return refuse('boarding_transition', `a group ${entry.state.replace('_', ' ')} cannot become ${to.replace('_', ' ')}`);
  const leg = currentLeg(movement);
  if (!leg) return refuse('movement_finished', 'this movement has ended');
  // Check-in opens once the carrier is confirmed; people board only while the leg is boarding.
  if (to === 'boarded' && leg.status !== 'boarding') return refuse('not_boarding', 'boarding has not started');
  if (to === 'checked_in' && leg.status !== 'confirmed' && leg.status !== 'boarding') return refuse('not_boarding', 'check-in opens when the leg is confirmed');
  if (to === 'boarded' && entry.documents === 'refused') return refuse('documents_refused', "the consulate refused this group's travel documents");
  const next = { ...movement, manifest: movement.manifest.map((e) => (e.groupId === groupId ? { ...e, state: to } : e)) };
  return seatRefusal(next.seats, next.manifest) ?? next;
}

/** Details a coordinator gives when putting a group on a manifest. */
export interface AddGroupDetails {
  pickup: Place | null;
  specialNeeds: string;
  /** Who recorded the group's consent to be moved, and when. */
  consent: { recordedBy: string; at: string };
}

/** The movement with the group added to its manifest, or why not. Pure. */
export function planAddGroup(movement: Movement, group: Group, details: AddGroupDetails): Movement | Refused {
  if (movement.manifest.some((e) => e.groupId === group.id)) return refuse('already_on_manifest', 'this group is already on the manifest');
  if (!isOpenMovement(movement)) return refuse('movement_finished', 'this movement has ended');
  if (underway(movement)) return refuse('movement_underway', 'this movement has left; groups can no longer be added');
  if (!MOVABLE_STATUSES.has(group.status))
    return refuse('group_not_movable', `a group that is ${group.status.replaceAll('_', ' ')} cannot be put on a manifest`);
  const record = manifestRecordOf(group);
  const entry: ManifestEntry = {
    groupId: group.id,
    reference: referenceOf(group.id),
    consent: details.consent,
    pickup: details.pickup ?? record.place,
    specialNeeds: details.specialNeeds,
    documents: 'pending',
    documentsBy: null,
    state: 'listed',
    group: record,
  };
  const next = { ...movement, manifest: [...movement.manifest, entry] };
  return seatRefusal(next.seats, next.manifest) ?? next;
}

/** The movement without the group, or why not: a group that boarded is offloaded, not removed. Pure. */
export function planRemoveGroup(movement: Movement, groupId: string): Movement | Refused {
  const entry = movement.manifest.find((e) => e.groupId === groupId);
  if (!entry) return refuse('not_on_manifest', 'this group is not on the manifest');
  if (entry.state === 'boarded') return refuse('boarding_transition', 'a group that boarded is offloaded, not removed');
  return { ...movement, manifest: movement.manifest.filter((e) => e.groupId !== groupId) };
}

/**
 * The movement with a consulate's answer on a group's travel documents, or null when the
 * consulate may not see that group (it is then answered "not found", protection rule 1). Pure.
 */
export function planConfirmDocuments(movement: Movement, groupId: string, status: TravelDocumentStatus, state: string, agencyId: string): Movement | null {
  const entry = movement.manifest.find((e) => e.groupId === groupId);
  if (!entry || !embassyMaySee(entry.group, state)) return null;
  const documentsBy = status === 'pending' ? null : agencyId;
  return { ...movement, manifest: movement.manifest.map((e) => (e.groupId === groupId ? { ...e, documents: status, documentsBy } : e)) };
}

/**
 * The manifest with each entry's group record refreshed from `group` (when it is on it), or null
 * when nothing changed. Entries keep what the movement owns (state, pickup, documents).
 */
export function refreshManifest(movement: Movement, group: Group): Movement | null {
  const entry = movement.manifest.find((e) => e.groupId === group.id);
  if (!entry) return null;
  const record = manifestRecordOf(group);
  if (JSON.stringify(record) === JSON.stringify(entry.group)) return null;
  // A pickup left at the group's place follows the place (a purge coarsens it too); one set by hand stays.
  const followsPlace = JSON.stringify(entry.pickup) === JSON.stringify(entry.group.place);
  return {
    ...movement,
    manifest: movement.manifest.map((e) => (e.groupId === group.id ? { ...e, group: record, pickup: followsPlace ? record.place : e.pickup } : e)),
  };
}

/**
 * The status a group that travelled takes when its movement arrives, when the group-status table
 * allows it (a coordinator's hand is not overruled: a group already closed stays closed):
 * evacuated for an evacuation home or to a third country, relocated for a move within the
 * country. Null: the status stays.
 */
export function statusAfterArrival(kind: MovementKind, from: GroupStatus): GroupStatus | null {
  const to: GroupStatus = kind === 'relocation_in_country' ? 'relocated' : 'evacuated';
  return from !== to && canTransition(from, to) ? to : null;
}

/** Whether an audience is the movement's carrier: a responder of the carrying agency. */
export function isCarrier(audience: Pick<Audience, 'role' | 'agencyId'>, movement: Pick<Movement, 'carrierAgencyId'>): boolean {
  return audience.role === 'responder' && audience.agencyId !== null && audience.agencyId === movement.carrierAgencyId;
}

const header = (m: Movement) => ({
  id: m.id,
  crisisId: m.crisisId,
  version: m.version,
  kind: m.kind,
  mode: m.mode,
  carrierAgencyId: m.carrierAgencyId,
  seats: m.seats,
  destinationCountry: m.destinationCountry,
  legs: m.legs,
  updatedAt: m.updatedAt,
});

/** The carrier's entry: what it needs to pick people up and seat them, nothing about who they are. */
function carrierEntry(e: ManifestEntry): CarrierEntry {
  return {
    groupId: e.groupId,
    reference: e.reference,
    people: e.group.headcount.total,
    vulnerabilities: e.group.vulnerabilities,
    specialNeeds: e.specialNeeds,
    pickup: e.pickup,
    documents: e.documents,
    state: e.state,
  };
}

/** The carrier's boarding list of a movement: what its responders and its printed manifest hold. */
export function carrierManifest(movement: Pick<Movement, 'manifest'>): CarrierEntry[] {
  return movement.manifest.map(carrierEntry);
}

/** How many of the group are nationals of `state`. */
const nationalsOf = (e: Pick<ManifestEntry, 'group'>, state: string) => e.group.nationalities.find((n) => n.code === state)?.count ?? 0;

/**
 * The one function that decides what an audience receives of a movement: a coordinator all of it;
 * the carrier's responders the boarding list (pickup, headcount, special needs, reference; no
 * notes, no nationalities); a consulate the movement when it concerns its nationals or goes to its
 * state, with only its consenting, unflagged nationals' part of their groups (protection rules 1
 * and 9) and its other nationals as one rounded count (rule 10); nobody else anything.
 */
export function projectMovement(audience: Audience, movement: Movement): MovementView | null {
  if (audience.crisisId !== movement.crisisId) return null;
  switch (audience.role) {
    case 'coordinator':
      return { view: 'full', movement };
    case 'responder':
      return isCarrier(audience, movement) ? { view: 'carrier', movement: { ...header(movement), manifest: carrierManifest(movement) } } : null;
    case 'embassy': {
      const state = audience.servesState;
      if (state === null) return null;
      const concerned = movement.destinationCountry === state || movement.manifest.some((e) => nationalsOf(e, state) > 0);
      if (!concerned) return null;
      const manifest: NationalsEntry[] = [];
      let hidden = 0;
      for (const e of movement.manifest) {
        const nationals = nationalsOf(e, state);
        if (nationals === 0) continue;
        if (!embassyMaySee(e.group, state)) {
          hidden += nationals;
          continue;
        }
        const whole = e.group.nationalities.length === 1 && nationals === e.group.headcount.total;
        manifest.push({
          groupId: e.groupId,
          reference: e.reference,
          nationals,
          pickup: e.pickup,
          documents: e.documents,
          state: e.state,
          whole: whole ? { headcount: e.group.headcount, vulnerabilities: e.group.vulnerabilities, specialNeeds: e.specialNeeds } : null,
        });
      }
      return { view: 'nationals', movement: { ...header(movement), nationality: state, manifest, otherNationals: roundCount(hidden) } };
    }
    case 'field':
    case 'admin':
      return null;
  }
}

/** One line of the movement counters: people who travelled, by nationality and destination. */
export interface MovedCount {
  kind: 'evacuated' | 'relocated';
  nationality: string;
  destination: string;
  people: number;
}

/** Where a movement took people: the destination country, else the last arrived leg's place. */
export function destinationOf(movement: Pick<Movement, 'destinationCountry' | 'legs'>): string {
  if (movement.destinationCountry) return movement.destinationCountry;
  const last = movement.legs.filter((l) => l.status !== 'cancelled').at(-1);
  return last?.to.place.name ?? '';
}

/**
 * People evacuated and relocated, by nationality and destination: every group that boarded a
 * movement that arrived, with the nationalities its record holds (people of no recorded
 * nationality count as "unknown"). Sorted by kind, nationality, destination. Pure.
 */
export function movedCounts(movements: Iterable<Movement>): MovedCount[] {
  const counts = new Map<string, MovedCount>();
  const add = (kind: MovedCount['kind'], nationality: string, destination: string, people: number) => {
    if (people <= 0) return;
    const key = `${kind}|${nationality}|${destination}`;
    const c = counts.get(key) ?? counts.set(key, { kind, nationality, destination, people: 0 }).get(key)!;
    c.people += people;
  };
  for (const m of movements) {
    if (!arrived(m)) continue;
    const kind = m.kind === 'relocation_in_country' ? 'relocated' : 'evacuated';
    const destination = destinationOf(m);
    for (const e of m.manifest) {
      if (e.state !== 'boarded') continue;
      let known = 0;
      for (const n of e.group.nationalities) {
        add(kind, n.code, destination, n.count);
        known += n.count;
      }
      add(kind, 'unknown', destination, e.group.headcount.total - known);
    }
  }
  return [...counts.values()].sort(
    (a, b) => a.kind.localeCompare(b.kind) || a.nationality.localeCompare(b.nationality) || a.destination.localeCompare(b.destination),
  );
}
