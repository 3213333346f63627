import type { AdminAreaIndex } from '../../shared/admin-areas/area-index';
import { Site, type SiteKind, type SiteService, type SiteStatus } from '../../shared/schemas/site.schema';
import type { Agency } from '../../shared/schemas/agency.schema';
import type { Prng } from './prng';

/**
 * The demo crisis's sites (issue 20): a handful of made-up places at real towns, marked `demo`,
 * chosen so that the coordinator's alert list has something to show (one site over capacity, one
 * unsafe with people in it) and every fill band appears on the map. Occupancy is each site's own
 * reported figure: no demo group is linked to a site, so there is nothing for it to disagree with.
 */
const DEMO_SITES: readonly {
  name: string;
  type: SiteKind;
  lat: number;
  lon: number;
  place: string;
  agency: string | null;
  capacity: number | null;
  occupancy: number | null;
  status: SiteStatus;
  services: SiteService[];
}[] = [
  {
    name: 'DEMO Tripoli collective shelter',
    type: 'shelter',
    lat: 32.887,
    lon: 13.191,
    place: 'Tripoli',
    agency: 'IOM',
    capacity: 400,
    occupancy: 372,
    status: 'open',
    services: ['shelter', 'food', 'water', 'sanitation', 'health'],
  },
  {
    name: 'DEMO Misrata transit centre',
    type: 'transit_centre',
    lat: 32.377,
    lon: 15.092,
    place: 'Misrata',
    agency: 'IOM',
    capacity: 250,
    occupancy: 310,
    status: 'full',
    services: ['shelter', 'food', 'registration', 'consular', 'transport'],
  },
  {
    name: 'DEMO Zuwara assembly point',
    type: 'assembly_point',
    lat: 32.931,
    lon: 12.082,
    place: 'Zuwara',
    agency: 'LRC',
    capacity: null,
    occupancy: 60,
    status: 'open',
    services: ['water', 'communication'],
  },
  {
    name: 'DEMO Ras Ajdir border crossing',
    type: 'border_crossing',
    lat: 33.15,
    lon: 11.566,
    place: 'Ras Ajdir',
    agency: 'UNHCR',
    capacity: null,
    occupancy: null,
    status: 'open',
    services: ['registration', 'water', 'transport'],
  },
  {
    name: 'DEMO Tajoura detention centre',
    type: 'detention_centre',
    lat: 32.882,
    lon: 13.351,
    place: 'Tajoura',
    agency: null,
    capacity: 150,
    occupancy: 120,
    status: 'unsafe',
    services: [],
  },
  {
    name: 'DEMO Sabha health post',
    type: 'health_facility',
    lat: 27.038,
    lon: 14.426,
    place: 'Sabha',
    agency: 'MSF',
    capacity: 40,
    occupancy: 12,
    status: 'open',
    services: ['health', 'psychosocial'],
  },
  {
    name: 'DEMO Benghazi distribution point',
    type: 'distribution_point',
    lat: 32.116,
    lon: 20.067,
    place: 'Benghazi',
    agency: 'WFP',
    capacity: null,
    occupancy: 0,
    status: 'closed',
    services: ['food', 'water', 'cash'],
  },
];

/** How many sites the demo crisis has. */
export const DEMO_SITE_COUNT = DEMO_SITES.length;

/** The demo sites, valid by the shared schema, each verified by the coordinator a few hours to days ago. */
export function makeDemoSites(
  rng: Prng,
  context: { crisisId: string; agencies: readonly Agency[]; coordinatorId: string; nowMs: number; index: AdminAreaIndex },
): Site[] {
  return DEMO_SITES.map((d) => {
    const verifiedAt = new Date(context.nowMs - rng.int(2, 72) * 3_600_000).toISOString();
    const createdAt = new Date(context.nowMs - rng.int(4, 10) * 86_400_000).toISOString();
    return Site.parse({
      id: rng.uuid(),
      crisisId: context.crisisId,
      type: d.type,
      name: d.name,
      location: { lat: d.lat, lon: d.lon, placeName: d.place },
      operatingAgencyId: context.agencies.find((a) => a.acronym === d.agency)?.id ?? null,
      capacity: d.capacity,
      status: d.status,
      services: d.services,
      admin: context.index.locate(d.lat, d.lon),
      occupancy: d.occupancy,
      occupancyReportedAt: d.occupancy === null ? null : verifiedAt,
      lastVerifiedAt: verifiedAt,
      lastVerifiedBy: context.coordinatorId,
      demo: true,
      version: 1,
      createdAt,
      updatedAt: verifiedAt,
    });
  });
}
