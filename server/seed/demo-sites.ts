import type { AdminAreaIndex } from '../../shared/admin-areas/area-index';
import { Site, type SiteKind, type SiteService, type SiteStatus } from '../../shared/schemas/site.schema';
import type { Agency } from '../../shared/schemas/agency.schema';
import type { Group } from '../../shared/schemas/group.schema';
import { siteLinkOf } from '../../shared/sites';
import type { Prng } from './prng';

/**
 * The demo crisis's sites (issue 20): a handful of made-up places at real towns, marked `demo`,
 * chosen so that the coordinator's alert list has something to show and every fill band appears on
 * the map. Two alerts are meant: the Misrata transit centre is over capacity (310 reported for 250)
 * and the Tajoura detention centre is unsafe with people in it; no other site may raise one.
 * Occupancy is each site's reported figure; some demo groups near a site are linked to it
 * (`linkDemoGroups`), never more people than the site's reported count, so the shown occupancy is
 * the reported one and the recorded groups are a part of it, as in a real site.
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

/** How far from a demo site a demo group may be to be linked to it: 0.05° (about 5 km). */
const LINK_RADIUS_DEG = 0.05;
/** Most demo groups linked to one site: enough to show a tally, few enough to leave most groups apart. */
const MAX_LINKED_PER_SITE = 6;

/**
 * Links some demo groups to the demo sites near them, nearest first, while their people fit in the
 * site's reported count (a site with no count, or closed, gets none), and gives each site the tally
 * the write path would keep (`Site.linked`). Draws no random number: the groups and sites seeded
 * before links existed stay what they were. Pure: returns new groups and sites.
 */
export function linkDemoGroups(groups: readonly Group[], sites: readonly Site[]): { groups: Group[]; sites: Site[] } {
  const siteOf = new Map<string, string>();
  for (const site of [...sites].sort((a, b) => a.id.localeCompare(b.id))) {
    if (site.occupancy === null || site.status === 'closed') continue;
    const distance = (g: Group) => Math.hypot(g.location.lat - site.location.lat, g.location.lon - site.location.lon);
    const near = groups
      .filter((g) => !siteOf.has(g.id) && siteLinkOf({ ...g, location: { ...g.location, siteId: site.id } }) !== null && distance(g) <= LINK_RADIUS_DEG)
      .sort((a, b) => distance(a) - distance(b) || a.id.localeCompare(b.id));
    let people = 0;
    let linked = 0;
    for (const g of near) {
      if (linked >= MAX_LINKED_PER_SITE) break;
      if (people + g.headcount.total > site.occupancy) continue;
      siteOf.set(g.id, site.id);
      people += g.headcount.total;
      linked += 1;
    }
  }
  const linkedGroups = groups.map((g) => {
    const siteId = siteOf.get(g.id);
    return siteId === undefined ? g : { ...g, location: { ...g.location, siteId } };
  });
  const tally = new Map<string, { groups: number; people: number }>();
  for (const g of linkedGroups) {
    const link = siteLinkOf(g);
    if (!link) continue;
    const t = tally.get(link.siteId) ?? { groups: 0, people: 0 };
    tally.set(link.siteId, { groups: t.groups + 1, people: t.people + link.people });
  }
  return { groups: linkedGroups, sites: sites.map((s) => ({ ...s, linked: tally.get(s.id) ?? { groups: 0, people: 0 } })) };
}
