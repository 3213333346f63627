import { z } from 'zod';
import { Timestamp, Uuid } from '../ids';
import { GroupAdminAreas, NO_ADMIN_AREAS } from './admin-area.schema';

/**
 * What kind of place a site is (issue 20). Not the group's `location.siteType`, which says what
 * kind of place a group was found at (an informal settlement, a workplace): a site is a place the
 * response runs or counts on, with a capacity.
 */
export const SITE_KINDS = [
  'shelter',
  'transit_centre',
  'assembly_point',
  'border_crossing',
  'detention_centre',
  'health_facility',
  'distribution_point',
] as const;
export const SiteKind = z.enum(SITE_KINDS);
export type SiteKind = z.infer<typeof SiteKind>;

export const SITE_STATUSES = ['open', 'full', 'closed', 'unsafe'] as const;
export const SiteStatus = z.enum(SITE_STATUSES);
export type SiteStatus = z.infer<typeof SiteStatus>;

/** Services a site may offer: a fixed list, so that they can be counted and translated. */
export const SITE_SERVICES = [
  'shelter',
  'food',
  'water',
  'sanitation',
  'health',
  'psychosocial',
  'protection',
  'child_protection',
  'registration',
  'consular',
  'transport',
  'communication',
  'cash',
] as const;
export const SiteService = z.enum(SITE_SERVICES);
export type SiteService = z.infer<typeof SiteService>;

/** Most people a site may be said to hold or have room for: above any real shelter, below overflow. */
export const MAX_SITE_PEOPLE = 1_000_000;
const People = z.number().int().min(0).max(MAX_SITE_PEOPLE);

export const SiteLocation = z.object({
  lat: z.number().min(-90).max(90),
  lon: z.number().min(-180).max(180),
  placeName: z.string().trim().max(200).default(''),
});
export type SiteLocation = z.infer<typeof SiteLocation>;

/** The services offered, each once, in the list's order (so two equal sets compare equal). */
const Services = z
  .array(SiteService)
  .max(SITE_SERVICES.length)
  .transform((list) => SITE_SERVICES.filter((s) => list.includes(s)));

/** What a coordinator sets on a site. */
const siteFields = {
  type: SiteKind,
  name: z.string().trim().min(1).max(200),
  location: SiteLocation,
  /** The agency running the site, or null when none is known. */
  operatingAgencyId: Uuid.nullable().default(null),
  /** People the site can hold; null when unknown. */
  capacity: People.nullable().default(null),
  status: SiteStatus.default('open'),
  services: Services.default([]),
};

/** A new site, as a coordinator sends it. The id is made by the client (UUIDv7) so that a retry names the same site. */
export const SiteInput = z.object({
  id: Uuid,
  ...siteFields,
  /** People reported at the site now, if known. */
  occupancy: People.nullable().default(null),
});
export type SiteInput = z.input<typeof SiteInput>;
export type SiteInputParsed = z.output<typeof SiteInput>;

/** A coordinator's edit: some or all of the fields, plus occupancy; `verified` marks the site checked now. */
export const SitePatch = z
  .object({
    type: SiteKind,
    name: siteFields.name,
    location: SiteLocation,
    operatingAgencyId: Uuid.nullable(),
    capacity: People.nullable(),
    status: SiteStatus,
    services: Services,
    occupancy: People.nullable(),
    verified: z.literal(true),
  })
  .partial()
  .refine((p) => Object.keys(p).length > 0, 'an edit must change something');
export type SitePatch = z.infer<typeof SitePatch>;

/** A field team's observation of a site: its status and how many people are there, as seen at `observedAt`. */
export const SiteReport = z.object({
  status: SiteStatus,
  occupancy: People.nullable(),
  /** When the team saw it (the device's clock): decides which of two reports is the newer. */
  observedAt: Timestamp,
});
export type SiteReport = z.infer<typeof SiteReport>;

/**
 * The groups recorded at a site (linked by their location's `siteId`) that still count as there,
 * and their people: a tally the server keeps in the write transaction of every group change.
 */
export const SiteLinked = z.object({
  groups: z.number().int().min(0),
  people: z.number().int().min(0),
});
export type SiteLinked = z.infer<typeof SiteLinked>;

/** A site as stored: a place with its capacity and last known occupancy. No person is named in it. */
export const Site = z.object({
  id: Uuid,
  crisisId: Uuid,
  ...siteFields,
  services: z.array(SiteService),
  /** Computed on write from the crisis's boundaries, as a group's is. */
  admin: GroupAdminAreas.default(NO_ADMIN_AREAS),
  /** People last reported at the site (a field count or a coordinator's figure); null when never reported. */
  occupancy: People.nullable(),
  /**
   * The recorded groups at the site (see `SiteLinked`). Null in what every audience but coordinators
   * receives: how it changes would tell the size and the moves of single groups to receivers who may
   * not see those groups. Sites stored before links existed had none, hence the default.
   */
  linked: SiteLinked.nullable().default({ groups: 0, people: 0 }),
  /** When the occupancy (and status) was last observed: by a report's `observedAt`, or an edit's time. */
  occupancyReportedAt: Timestamp.nullable(),
  lastVerifiedAt: Timestamp.nullable(),
  /** The user who last verified it; null for every audience but coordinators (sites carry no staff identities out). */
  lastVerifiedBy: Uuid.nullable(),
  /** Made-up data of the demo crisis. */
  demo: z.boolean().default(false),
  version: z.number().int().min(1),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type Site = z.infer<typeof Site>;
