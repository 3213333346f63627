import { z } from 'zod';
import { Iso3 } from '../countries';
import { RoundedCount } from '../suppression';
import { Timestamp, Uuid } from '../ids';
import { CONSENT_VALUES, Headcount, Nationality, VULNERABILITIES } from './group.schema';

/** Why people move (MICIC Guideline 13): home, elsewhere in the country, or to a third country. */
export const MOVEMENT_KINDS = ['evacuation_to_origin', 'relocation_in_country', 'third_country'] as const;
export const MovementKind = z.enum(MOVEMENT_KINDS);
export type MovementKind = z.infer<typeof MovementKind>;

export const MOVEMENT_MODES = ['bus', 'flight', 'boat', 'convoy'] as const;
export const MovementMode = z.enum(MOVEMENT_MODES);
export type MovementMode = z.infer<typeof MovementMode>;

/** A leg's status; the order of travel (shared/movements.ts holds its transition table). */
export const LEG_STATUSES = ['planned', 'confirmed', 'boarding', 'departed', 'arrived', 'cancelled'] as const;
export const LegStatus = z.enum(LEG_STATUSES);
export type LegStatus = z.infer<typeof LegStatus>;

/** Where a group stands at boarding. `listed`: on the manifest, not yet seen at the pickup point. */
export const BOARDING_STATES = ['listed', 'checked_in', 'boarded', 'no_show', 'offloaded'] as const;
export const BoardingState = z.enum(BOARDING_STATES);
export type BoardingState = z.infer<typeof BoardingState>;
/** The states a check-in may set (`listed` is only where a group starts). */
export const CheckInState = z.enum(['checked_in', 'boarded', 'no_show', 'offloaded']);
export type CheckInState = z.infer<typeof CheckInState>;

/** Travel documents for the group, as the consulate of its nationals has judged them. */
export const TRAVEL_DOCUMENT_STATUSES = ['pending', 'confirmed', 'refused'] as const;
export const TravelDocumentStatus = z.enum(TRAVEL_DOCUMENT_STATUSES);
export type TravelDocumentStatus = z.infer<typeof TravelDocumentStatus>;

/** A named place: what the place search (client/components/PlaceSearch.svelte) gives. */
export const Place = z.object({
  name: z.string().trim().min(1).max(200),
  lat: z.number().min(-90).max(90),
  lon: z.number().min(-180).max(180),
});
export type Place = z.infer<typeof Place>;

/**
 * One end of a leg: a registered site (its id; the sites registry validates it) or only a place.
 * The place is always there, so a leg can be drawn and printed without the site record.
 */
export const LegEnd = z.object({ siteId: Uuid.nullable().default(null), place: Place });
export type LegEnd = z.infer<typeof LegEnd>;

const OptionalTime = Timestamp.nullable().default(null);

export const LegInput = z.object({
  id: Uuid,
  from: LegEnd,
  to: LegEnd,
  plannedDeparture: OptionalTime,
  plannedArrival: OptionalTime,
});
export type LegInput = z.infer<typeof LegInput>;

export const Leg = LegInput.extend({
  status: LegStatus,
  actualDeparture: OptionalTime,
  actualArrival: OptionalTime,
});
export type Leg = z.infer<typeof Leg>;

/**
 * What a manifest entry keeps of its group, copied from the group record and refreshed in the same
 * transaction as every change of that group while the movement is open. So a movement's stored
 * state alone decides what each audience receives of it (the projection is pure, and the history
 * of what was sent can be replayed from the change log), and a protection flag set on the group
 * reaches the manifest in the same commit.
 */
export const ManifestGroupRecord = z.object({
  headcount: Headcount,
  nationalities: z.array(Nationality).max(50),
  consentConsulate: z.enum(CONSENT_VALUES),
  protectionConcern: z.boolean(),
  notes: z.string().max(2000),
  /** People in the group with each vulnerability, counts above zero only. */
  vulnerabilities: z.partialRecord(z.enum(VULNERABILITIES), z.number().int().min(1)),
  /** Where the group was last seen: the default pickup point. */
  place: Place,
  status: z.string().max(40),
  version: z.number().int().min(1),
});
export type ManifestGroupRecord = z.infer<typeof ManifestGroupRecord>;

export const ManifestEntry = z.object({
  groupId: Uuid,
  /** A short reference the carrier can read out at the bus door (derived from the id). */
  reference: z.string().min(1).max(20),
  /** Consent to be moved, as recorded by the coordinator who put the group on the manifest. */
  consent: z.object({ recordedBy: Uuid, at: Timestamp }),
  pickup: Place,
  /** Needs the carrier must plan for that the counts do not say (a wheelchair, a stretcher). */
  specialNeeds: z.string().trim().max(500),
  documents: TravelDocumentStatus,
  /** The consulate that confirmed or refused the documents; null while pending. */
  documentsBy: Uuid.nullable(),
  state: BoardingState,
  group: ManifestGroupRecord,
});
export type ManifestEntry = z.infer<typeof ManifestEntry>;

export const Movement = z.object({
  id: Uuid,
  crisisId: Uuid,
  version: z.number().int().min(1),
  kind: MovementKind,
  mode: MovementMode,
  /** The agency that carries the people; its responders hold the boarding list. */
  carrierAgencyId: Uuid.nullable(),
  seats: z.number().int().min(1).max(10_000),
  /** For an evacuation or a move to a third country: the state people go to. */
  destinationCountry: Iso3.nullable(),
  notes: z.string().max(2000),
  legs: z.array(Leg).min(1).max(20),
  manifest: z.array(ManifestEntry).max(1_000),
  createdBy: Uuid,
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type Movement = z.infer<typeof Movement>;

/** The header every audience that sees a movement gets: what, how, when and where, no people. */
const MovementHeader = Movement.pick({
  id: true,
  crisisId: true,
  version: true,
  kind: true,
  mode: true,
  carrierAgencyId: true,
  seats: true,
  destinationCountry: true,
  legs: true,
  updatedAt: true,
});

/** The carrier's boarding list entry: reference, headcount, special needs, pickup; no notes, no nationalities. */
export const CarrierEntry = z.object({
  groupId: Uuid,
  reference: z.string(),
  people: z.number().int().min(1),
  vulnerabilities: ManifestGroupRecord.shape.vulnerabilities,
  specialNeeds: z.string(),
  pickup: Place,
  documents: TravelDocumentStatus,
  state: BoardingState,
});
export type CarrierEntry = z.infer<typeof CarrierEntry>;

/** A consulate's entry: one group of its consenting, unflagged nationals, their part only (protection rule 9). */
export const NationalsEntry = z.object({
  groupId: Uuid,
  reference: z.string(),
  nationals: z.number().int().min(1),
  pickup: Place,
  documents: TravelDocumentStatus,
  state: BoardingState,
  /** The group's counts and needs, only when every person in it is one of these nationals. */
  whole: z.object({ headcount: Headcount, vulnerabilities: ManifestGroupRecord.shape.vulnerabilities, specialNeeds: z.string() }).nullable(),
});
export type NationalsEntry = z.infer<typeof NationalsEntry>;

/** A movement as one audience receives it. */
export const MovementView = z.discriminatedUnion('view', [
  z.object({ view: z.literal('full'), movement: Movement }),
  z.object({ view: z.literal('carrier'), movement: MovementHeader.extend({ manifest: z.array(CarrierEntry) }) }),
  z.object({
    view: z.literal('nationals'),
    movement: MovementHeader.extend({
      nationality: Iso3,
      manifest: z.array(NationalsEntry),
      /** Its nationals on the manifest it does not see in full: rounded, "<5" for 1-4, null for none. */
      otherNationals: RoundedCount.nullable(),
    }),
  }),
]);
export type MovementView = z.infer<typeof MovementView>;

/** What a coordinator sends to create a movement. */
export const MovementInput = z.object({
  id: Uuid,
  kind: MovementKind,
  mode: MovementMode,
  carrierAgencyId: Uuid.nullable().default(null),
  seats: Movement.shape.seats,
  destinationCountry: Iso3.nullable().default(null),
  notes: z.string().max(2000).default(''),
  legs: z.array(LegInput).min(1).max(20),
});
export type MovementInput = z.infer<typeof MovementInput>;

/**
 * What `movement.update` may change: the fields sent, and only those. Not `MovementInput.partial()`:
 * its defaults would fill every field left out (carrier, destination, notes) and so wipe them on
 * any edit. Legs are replaced whole (shared/movements.ts `planLegs` says when).
 */
export const MovementPatch = z
  .object({
    kind: MovementKind,
    mode: MovementMode,
    carrierAgencyId: Uuid.nullable(),
    seats: Movement.shape.seats,
    destinationCountry: Iso3.nullable(),
    notes: MovementInput.shape.notes.unwrap(),
    legs: MovementInput.shape.legs,
  })
  .partial()
  .strict()
  .refine((p) => Object.keys(p).length > 0, 'an edit must change at least one field');
export type MovementPatch = z.infer<typeof MovementPatch>;
