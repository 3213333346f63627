import { z } from 'zod';
import { Iso3 } from '../countries';
import { Timestamp, Uuid } from '../ids';
import { GroupAdminAreas, NO_ADMIN_AREAS } from './admin-area.schema';
import { Assignment } from './assignment.schema';
import { Need, NeedInput, NeedType } from './need.schema';

export const SITE_TYPES = [
  'informal_settlement',
  'collective_centre',
  'transit_point',
  'border_crossing',
  'detention_centre',
  'workplace',
  'urban_dispersed',
  'open_air',
  'other',
] as const;

export const GROUP_STATUSES = [
  'reported',
  'verified',
  'assistance_in_progress',
  'assisted',
  'relocated',
  'evacuated',
  'returned',
  'closed',
  'duplicate',
  'unreachable',
] as const;
export const GroupStatus = z.enum(GROUP_STATUSES);
export type GroupStatus = z.infer<typeof GroupStatus>;

export const INTENTIONS = ['stay', 'relocate_in_country', 'evacuate_to_origin', 'third_country', 'undecided'] as const;
export const CONSENT_VALUES = ['yes', 'no', 'not_asked'] as const;

export const AGE_BANDS = ['under5', 'age5to17', 'age18to59', 'age60plus'] as const;
export const SEXES = ['female', 'male'] as const;
export const VULNERABILITIES = [
  'unaccompaniedChildren',
  'separatedChildren',
  'pregnantOrLactating',
  'disability',
  'olderPersons',
  'seriousMedical',
  'possibleTrafficking',
  'detained',
] as const;
export type Vulnerability = (typeof VULNERABILITIES)[number];
export const DOCUMENT_STATES = ['valid', 'lostOrDestroyed', 'confiscated', 'neverHad', 'unknown'] as const;

const Count = z.number().int().min(0).max(100_000);
const countsOf = <K extends string>(keys: readonly K[]) =>
  z.object(Object.fromEntries(keys.map((k) => [k, Count.default(0)])) as Record<K, z.ZodDefault<typeof Count>>);

export const AgeBands = countsOf(AGE_BANDS);
export type AgeBands = z.infer<typeof AgeBands>;

/**
 * People in the group. `total` is required so that a field team can save with a single number;
 * the breakdown by sex and age band may follow and may be partial (its sum is at most `total`).
 */
export const Headcount = z.object({
  total: z.number().int().min(1).max(100_000),
  female: AgeBands.default({ under5: 0, age5to17: 0, age18to59: 0, age60plus: 0 }),
  male: AgeBands.default({ under5: 0, age5to17: 0, age18to59: 0, age60plus: 0 }),
});
export type Headcount = z.infer<typeof Headcount>;

export const Location = z.object({
  lat: z.number().min(-90).max(90),
  lon: z.number().min(-180).max(180),
  /** Radius in metres of the device's fix; null when the pin was placed by hand. */
  accuracyM: z.number().min(0).max(100_000).nullable().default(null),
  placeName: z.string().trim().max(200).default(''),
  siteType: z.enum(SITE_TYPES).default('other'),
  /**
   * The registered site (issue 20: a shelter, a transit centre...) the group is at, or null when it
   * is not at one. Part of the location on purpose: whoever may not see where a group is may not see
   * at which site it is either, and every projection that drops or rounds the location drops it too.
   * The server checks it names a site of the group's crisis; a site closed later keeps the link (history).
   */
  siteId: Uuid.nullable().default(null),
});
export type Location = z.infer<typeof Location>;

export const NationalityCode = z.union([Iso3, z.literal('stateless'), z.literal('unknown')]);
export const Nationality = z.object({ code: NationalityCode, count: z.number().int().min(1).max(100_000) });
export type Nationality = z.infer<typeof Nationality>;

export const Vulnerabilities = countsOf(VULNERABILITIES);
export type Vulnerabilities = z.infer<typeof Vulnerabilities>;
export const Documents = countsOf(DOCUMENT_STATES);
export type Documents = z.infer<typeof Documents>;

/** The editable fields as they must be once stored: nothing optional. An edit sends a subset. */
const editableFields = {
  location: Location,
  /** When the group was last seen by a field team. */
  seenAt: Timestamp,
  headcount: Headcount,
  nationalities: z.array(Nationality).max(50),
  vulnerabilities: Vulnerabilities,
  documents: Documents,
  intention: z.enum(INTENTIONS),
  consentConsulate: z.enum(CONSENT_VALUES),
  protectionConcern: z.boolean(),
  notes: z.string().max(2000),
  needs: z.array(NeedInput).max(NeedType.options.length),
};

/** Defaults for what a quick report may leave out: only location, time and headcount are needed. */
const reportDefaults = {
  nationalities: editableFields.nationalities.default([]),
  vulnerabilities: Vulnerabilities.default(Vulnerabilities.parse({})),
  documents: Documents.default(Documents.parse({})),
  intention: editableFields.intention.default('undecided'),
  consentConsulate: editableFields.consentConsulate.default('not_asked'),
  protectionConcern: editableFields.protectionConcern.default(false),
  notes: editableFields.notes.default(''),
  needs: editableFields.needs.default([]),
};

interface Consistent {
  headcount?: Headcount;
  nationalities?: Nationality[];
  vulnerabilities?: Vulnerabilities;
  documents?: Documents;
  needs?: { type: string; people: number }[];
}

const sum = (values: Iterable<number>) => {
  let s = 0;
  for (const v of values) s += v;
  return s;
};

/** Cross-field rules a group must keep: no part counts more people than the whole. */
export function checkGroupConsistency(g: Consistent, ctx: z.RefinementCtx): void {
  if (!g.headcount) return;
  const total = g.headcount.total;
  const breakdown = sum(Object.values(g.headcount.female)) + sum(Object.values(g.headcount.male));
  if (breakdown > total) {
    ctx.addIssue({ code: 'custom', path: ['headcount', 'total'], message: 'the breakdown by sex and age counts more people than the total' });
  }
  if (g.nationalities) {
    if (sum(g.nationalities.map((n) => n.count)) > total) {
      ctx.addIssue({ code: 'custom', path: ['nationalities'], message: 'nationalities count more people than the total' });
    }
    const seen = new Set<string>();
    g.nationalities.forEach((n, i) => {
      if (seen.has(n.code)) ctx.addIssue({ code: 'custom', path: ['nationalities', i, 'code'], message: 'nationality listed twice' });
      seen.add(n.code);
    });
  }
  for (const key of ['vulnerabilities', 'documents'] as const) {
    const counts = g[key];
    if (!counts) continue;
    for (const [k, v] of Object.entries(counts)) {
      if (v > total) ctx.addIssue({ code: 'custom', path: [key, k], message: 'more people than the total' });
    }
  }
  if (g.documents && sum(Object.values(g.documents)) > total) {
    ctx.addIssue({ code: 'custom', path: ['documents'], message: 'documents count more people than the total' });
  }
  if (g.needs) {
    const types = new Set<string>();
    g.needs.forEach((n, i) => {
      if (types.has(n.type)) ctx.addIssue({ code: 'custom', path: ['needs', i, 'type'], message: 'need listed twice' });
      types.add(n.type);
      if (n.people > total) ctx.addIssue({ code: 'custom', path: ['needs', i, 'people'], message: 'more people than the total' });
    });
  }
}

const GroupInputBase = z.object({
  /** Made by the client (UUIDv7) so that a retried report stores one group. */
  id: Uuid,
  ...editableFields,
  ...reportDefaults,
});

/** A group as a field team reports it: everything the form holds. */
export const GroupInput = GroupInputBase.superRefine(checkGroupConsistency);
export type GroupInput = z.infer<typeof GroupInput>;
export type GroupInputDraft = z.input<typeof GroupInput>;

/** Fields an edit may change; anything absent is kept. The merged group is checked again. */
export const GroupPatch = z
  .object(editableFields)
  .partial()
  .strict()
  .refine((p) => Object.keys(p).length > 0, 'an edit must change at least one field');
export type GroupPatch = z.infer<typeof GroupPatch>;

/** A group as stored and as a full view shows it. */
export const Group = z
  .object({
    id: Uuid,
    ...editableFields,
    crisisId: Uuid,
    needs: z.array(Need),
    status: GroupStatus,
    /** Incremented by every committed change; edits name the version they were based on. */
    version: z.number().int().min(1),
    reportedBy: Uuid,
    reportedAt: Timestamp,
    updatedAt: Timestamp,
    /** When status is `duplicate`, the group this one was merged into. */
    mergedInto: Uuid.nullable(),
    /**
     * Needs handed to agencies. Kept inside the group's stored state (not a table of their own) so
     * that every channel that carries a group (snapshot, live feed, catch-up, projection, change log)
     * carries its assignments too, and one version number orders every change to the case.
     */
    assignments: z.array(Assignment).max(200).default([]),
    /**
     * Field users a coordinator asked to follow the group up: they may edit it besides its reporter.
     * Defaults to none so that groups stored before the field existed still parse.
     */
    followUpBy: z.array(Uuid).max(50).default([]),
    /**
     * The admin 1 and 2 areas holding the location, computed by the server whenever the location is
     * written or the crisis's boundaries change; never sent by a client. Defaults to none so that
     * groups stored before boundaries existed still parse.
     */
    admin: GroupAdminAreas.default(NO_ADMIN_AREAS),
  })
  .superRefine(checkGroupConsistency);
export type Group = z.infer<typeof Group>;

/**
 * What a user who may not see a group's details receives: an anonymous point with its status and
 * need types; no counts, nationalities, notes or flags. Location may be coarsened by the server.
 */
export const GroupReduced = z.object({
  id: Uuid,
  lat: z.number(),
  lon: z.number(),
  status: GroupStatus,
  needTypes: z.array(NeedType),
  version: z.number().int().min(1),
});
export type GroupReduced = z.infer<typeof GroupReduced>;

/** A need as an embassy receives it: what the group needs, not how many of whom (`people` may count other nationals). */
export const NationalsNeed = Need.omit({ people: true });
export type NationalsNeed = z.infer<typeof NationalsNeed>;

/** How many people have a need as counted by the field team; null when the view does not say (an embassy's). */
export function counted(need: Omit<Need, 'id'> | NationalsNeed): number | null {
  return 'people' in need ? need.people : null;
}

/**
 * What an embassy receives of a group it may see (protection rule 1), holding its own nationals'
 * part only (rule 9): how many of them, and what belongs to the group as a whole (place, status,
 * intention, needs, the consulate's own assignments). No other nationality, no count of other
 * people. `whole` is present only when every person in the group is one of these nationals: then
 * the breakdowns and notes describe them alone.
 */
export const GroupNationals = z.object({
  id: Uuid,
  crisisId: Uuid,
  version: z.number().int().min(1),
  status: GroupStatus,
  location: Location,
  seenAt: Timestamp,
  reportedAt: Timestamp,
  updatedAt: Timestamp,
  /** The embassy's state. */
  nationality: Iso3,
  /** How many people of the group are its nationals. */
  nationals: z.number().int().min(1).max(100_000),
  intention: z.enum(INTENTIONS),
  needs: z.array(NationalsNeed),
  /** Only the assignments handed to this consulate. */
  assignments: z.array(Assignment).max(200),
  /** The group's admin areas (not personal: the embassy sees the place already). */
  admin: GroupAdminAreas.default(NO_ADMIN_AREAS),
  whole: z
    .object({
      headcount: Headcount,
      vulnerabilities: Vulnerabilities,
      documents: Documents,
      notes: z.string().max(2000),
    })
    .nullable(),
});
export type GroupNationals = z.infer<typeof GroupNationals>;

/** A group as one audience receives it. */
export const GroupView = z.discriminatedUnion('view', [
  z.object({ view: z.literal('full'), group: Group }),
  z.object({ view: z.literal('reduced'), group: GroupReduced }),
  z.object({ view: z.literal('nationals'), group: GroupNationals }),
]);
export type GroupView = z.infer<typeof GroupView>;
