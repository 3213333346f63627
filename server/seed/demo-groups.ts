import type { Bbox } from '../../shared/schemas/crisis.schema';
import { AGE_BANDS, Group, type AgeBands, type GroupStatus, type Nationality, type Vulnerabilities } from '../../shared/schemas/group.schema';
import type { Need, NeedStatus, NeedType } from '../../shared/schemas/need.schema';
import type { CountryShape } from './country-shape';
import type { Prng } from './prng';

/** A town where stranded migrants gather, with who tends to be there (weights are invented). */
interface Town {
  name: string;
  lat: number;
  lon: number;
  weight: number;
  districts: readonly string[];
  nationalities: readonly string[];
  sites: Readonly<Partial<Record<SiteType, number>>>;
}

type SiteType = Group['location']['siteType'];

const TOWNS: readonly Town[] = [
  {
    name: 'Tripoli',
    lat: 32.89,
    lon: 13.19,
    weight: 26,
    districts: ['Gargaresh', 'Souq al-Juma', 'Tajoura', 'Abu Salim', 'Janzour', 'Ain Zara'],
    nationalities: ['NGA', 'NER', 'SDN', 'BGD', 'EGY', 'SYR', 'MLI', 'GHA', 'PAK', 'ERI'],
    sites: { urban_dispersed: 4, informal_settlement: 3, collective_centre: 2, detention_centre: 2, workplace: 2 },
  },
  {
    name: 'Zuwara',
    lat: 32.93,
    lon: 12.08,
    weight: 8,
    districts: ['harbour', 'Abu Kammash road', 'old town'],
    nationalities: ['NGA', 'GHA', 'MLI', 'BGD', 'SDN', 'ERI'],
    sites: { informal_settlement: 3, open_air: 2, transit_point: 2, detention_centre: 1 },
  },
  {
    name: 'Misrata',
    lat: 32.38,
    lon: 15.09,
    weight: 10,
    districts: ['Karareem', 'port area', 'Zawiyat al-Mahjoub'],
    nationalities: ['EGY', 'SDN', 'NGA', 'BGD', 'TCD', 'NER'],
    sites: { workplace: 3, urban_dispersed: 3, collective_centre: 2, detention_centre: 1 },
  },
  {
    name: 'Bani Walid',
    lat: 31.76,
    lon: 13.99,
    weight: 6,
    districts: ['town centre', 'eastern farms', 'desert road'],
    nationalities: ['ERI', 'SOM', 'ETH', 'SDN'],
    sites: { informal_settlement: 2, detention_centre: 2, open_air: 2 },
  },
  {
    name: 'Sirte',
    lat: 31.2,
    lon: 16.59,
    weight: 6,
    districts: ['coastal road', 'Al-Giza al-Bahriya', 'industrial zone'],
    nationalities: ['SDN', 'TCD', 'NER', 'EGY'],
    sites: { urban_dispersed: 2, workplace: 2, informal_settlement: 2 },
  },
  {
    name: 'Benghazi',
    lat: 32.12,
    lon: 20.07,
    weight: 14,
    districts: ['Al-Laithi', 'Ganfouda', 'Sabri', 'Al-Kish'],
    nationalities: ['EGY', 'SDN', 'BGD', 'SYR', 'PAK', 'TCD'],
    sites: { urban_dispersed: 4, workplace: 3, collective_centre: 2, informal_settlement: 1 },
  },
  {
    name: 'Tobruk',
    lat: 32.08,
    lon: 23.96,
    weight: 8,
    districts: ['port', 'Emsaed road', 'town centre'],
    nationalities: ['EGY', 'SYR', 'BGD', 'SDN'],
    sites: { border_crossing: 3, transit_point: 2, urban_dispersed: 2 },
  },
  {
    name: 'Sabha',
    lat: 27.04,
    lon: 14.43,
    weight: 12,
    districts: ['Al-Manshiya', 'Hay Abdelkafi', 'market area', 'airport road'],
    nationalities: ['NER', 'NGA', 'TCD', 'MLI', 'GHA', 'SDN'],
    sites: { transit_point: 4, informal_settlement: 3, detention_centre: 1, workplace: 1 },
  },
  {
    name: 'Ghat',
    lat: 24.96,
    lon: 10.17,
    weight: 5,
    districts: ['border road', 'town centre', 'Al-Awaynat road'],
    nationalities: ['NER', 'MLI', 'NGA', 'TCD'],
    sites: { border_crossing: 3, transit_point: 2, open_air: 1 },
  },
  {
    name: 'Kufra',
    lat: 24.18,
    lon: 23.29,
    weight: 5,
    districts: ['southern checkpoint', 'Al-Jawf', 'farms'],
    nationalities: ['SDN', 'TCD', 'ERI', 'ETH', 'SOM'],
    sites: { transit_point: 3, open_air: 2, detention_centre: 1, border_crossing: 1 },
  },
];

/** The statuses of the demo's groups, in proportions a coordinator would recognise. */
const STATUS_WEIGHTS: Readonly<Partial<Record<GroupStatus, number>>> = {
  reported: 24,
  verified: 20,
  assistance_in_progress: 18,
  assisted: 12,
  relocated: 5,
  evacuated: 6,
  closed: 8,
  unreachable: 7,
};

const NEED_WEIGHTS: Readonly<Record<NeedType, number>> = {
  water: 9,
  food: 9,
  shelter: 7,
  medical: 7,
  sanitation: 4,
  psychosocial: 3,
  protection: 4,
  child_protection: 2,
  family_tracing: 2,
  documents: 5,
  consular_assistance: 5,
  evacuation: 4,
  transport: 3,
  communication: 3,
  interpretation: 2,
  cash: 4,
};

const DAY_MS = 86_400_000;

/** What the generator needs to know about the world it places groups in. */
export interface DemoGroupContext {
  crisisId: string;
  area: Bbox;
  land: CountryShape;
  reportedBy: string;
  /** Timestamps spread over the ten days before this moment. */
  nowMs: number;
}

const zeroBands = (): AgeBands => ({ under5: 0, age5to17: 0, age18to59: 0, age60plus: 0 });

/** Splits `n` into parts proportional to weights (rounded down, rest to the first). */
function split(n: number, weights: readonly number[]): number[] {
  const total = weights.reduce((s, w) => s + w, 0) || 1;
  const parts = weights.map((w) => Math.floor((n * w) / total));
  parts[0] = (parts[0] ?? 0) + n - parts.reduce((s, p) => s + p, 0);
  return parts;
}

function place(rng: Prng, ctx: DemoGroupContext): { town: Town; lat: number; lon: number } {
  const name = rng.weighted(Object.fromEntries(TOWNS.map((t) => [t.name, t.weight])));
  const chosen = TOWNS.find((t) => t.name === name) ?? TOWNS[0];
  if (!chosen) throw new Error('no towns');
  const [west, south, east, north] = ctx.area;
  // Most groups sit in or near a town; some along the desert routes between them.
  const spread = rng.chance(0.15) ? 0.6 : 0.07;
  for (let attempt = 0; attempt < 50; attempt++) {
    const lat = rng.gaussian(chosen.lat, spread);
    const lon = rng.gaussian(chosen.lon, spread);
    if (lat > south && lat < north && lon > west && lon < east && ctx.land.contains(lat, lon)) {
      return { town: chosen, lat: round(lat, 5), lon: round(lon, 5) };
    }
  }
  return { town: chosen, lat: chosen.lat, lon: chosen.lon };
}

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;

function headcount(rng: Prng, total: number): Group['headcount'] {
  const female = zeroBands();
  const male = zeroBands();
  if (rng.chance(0.12)) return { total, female, male }; // counted, not yet broken down
  const family = rng.chance(0.3);
  const womenShare = family ? 0.45 : rng.chance(0.2) ? 0.25 : 0.08;
  const women = Math.round(total * womenShare * (0.7 + rng.next() * 0.6));
  const covered = rng.chance(0.8) ? total : Math.floor(total * (0.5 + rng.next() * 0.4));
  const [f, m] = split(covered, [Math.min(women, covered), Math.max(covered - women, 0)]);
  const bands = family ? [1.2, 2.5, 6, 0.5] : [0.1, 0.8, 9, 0.2];
  split(f ?? 0, bands).forEach((v, i) => (female[AGE_BANDS[i] ?? 'age18to59'] = v));
  split(m ?? 0, bands).forEach((v, i) => (male[AGE_BANDS[i] ?? 'age18to59'] = v));
  return { total, female, male };
}

function nationalities(rng: Prng, town: Town, total: number): Nationality[] {
  const r = rng.next();
  if (r < 0.05) return [{ code: 'unknown', count: total }];
  const kinds = r < 0.62 ? 1 : r < 0.9 ? 2 : 3;
  const codes = rng.sample(town.nationalities, kinds);
  if (rng.chance(0.06)) codes.push('stateless');
  const counted = rng.chance(0.85) ? total : Math.max(codes.length, Math.floor(total * 0.8));
  if (counted < codes.length) return [{ code: codes[0] ?? 'unknown', count: total }];
  const weights = codes.map((_, i) => (i === 0 ? 6 : 1 + rng.next() * 2));
  return split(counted - codes.length, weights).map((extra, i) => ({ code: codes[i] ?? 'unknown', count: extra + 1 }));
}

function vulnerabilities(rng: Prng, h: Group['headcount'], site: SiteType): Vulnerabilities {
  const children = h.female.under5 + h.female.age5to17 + h.male.under5 + h.male.age5to17;
  const adultWomen = h.female.age18to59;
  const upto = (max: number, p: number) => (max > 0 && rng.chance(p) ? rng.int(1, Math.max(1, Math.ceil(max * 0.4))) : 0);
  return {
    unaccompaniedChildren: upto(Math.min(children, h.male.age5to17 + h.female.age5to17), 0.25),
    separatedChildren: upto(children, 0.2),
    pregnantOrLactating: upto(adultWomen, 0.35),
    disability: upto(Math.ceil(h.total / 10), 0.3),
    olderPersons: h.female.age60plus + h.male.age60plus,
    seriousMedical: upto(Math.ceil(h.total / 8), 0.35),
    possibleTrafficking: upto(Math.ceil(h.total / 4), site === 'detention_centre' ? 0.5 : 0.12),
    detained: site === 'detention_centre' ? h.total : 0,
  };
}

function documents(rng: Prng, total: number): Group['documents'] {
  const counted = rng.chance(0.7) ? total : Math.floor(total * rng.next());
  const weights = [rng.next() * 2, rng.next() * 3, rng.next() * 1.5, rng.next(), rng.next() * 2];
  const [valid = 0, lostOrDestroyed = 0, confiscated = 0, neverHad = 0, unknown = 0] = split(counted, weights);
  return { valid, lostOrDestroyed, confiscated, neverHad, unknown };
}

function needs(rng: Prng, total: number, status: GroupStatus): Need[] {
  const needStatus: NeedStatus =
    status === 'assisted' || status === 'closed' || status === 'relocated' || status === 'evacuated'
      ? 'met'
      : status === 'assistance_in_progress'
        ? 'assigned'
        : 'open';
  const chosen = new Set<NeedType>();
  const count = rng.int(1, 5);
  while (chosen.size < count) chosen.add(rng.weighted(NEED_WEIGHTS));
  return [...chosen].map((type) => ({
    id: rng.uuid(),
    type,
    severity: Number(rng.weighted({ 1: 1, 2: 2, 3: 3, 4: 3, 5: 2 })),
    people: rng.chance(0.2) ? 0 : rng.int(1, total),
    status: needStatus === 'assigned' && rng.chance(0.3) ? 'open' : needStatus,
  }));
}

/** Makes one synthetic group. Every group is checked against the shared schema before it is stored. */
export function makeDemoGroup(rng: Prng, ctx: DemoGroupContext): Group {
  const { town, lat, lon } = place(rng, ctx);
  const site = rng.weighted(town.sites);
  const total = 3 + Math.floor(117 * rng.next() ** 2.2);
  const h = headcount(rng, total);
  const status = rng.weighted(STATUS_WEIGHTS);
  const reportedAtMs = ctx.nowMs - Math.floor(rng.next() * 10 * DAY_MS);
  const seenAtMs = reportedAtMs + Math.floor(rng.next() * (ctx.nowMs - reportedAtMs));
  const updatedAtMs = Math.max(seenAtMs, reportedAtMs + Math.floor(rng.next() * (ctx.nowMs - reportedAtMs)));
  return Group.parse({
    id: rng.uuid(),
    crisisId: ctx.crisisId,
    location: {
      lat,
      lon,
      accuracyM: rng.chance(0.2) ? null : rng.int(5, 60),
      placeName: `${town.name} – ${rng.pick(town.districts)}`,
      siteType: site,
    },
    seenAt: new Date(seenAtMs).toISOString(),
    headcount: h,
    nationalities: nationalities(rng, town, total),
    vulnerabilities: vulnerabilities(rng, h, site),
    documents: documents(rng, total),
    intention: rng.weighted({ stay: 2, relocate_in_country: 2, evacuate_to_origin: 4, third_country: 2, undecided: 3 }),
    consentConsulate: rng.weighted({ yes: 45, no: 20, not_asked: 35 }),
    protectionConcern: rng.chance(0.08),
    notes: 'Synthetic demo record: not a real group of people.',
    needs: needs(rng, total, status),
    status,
    version: 1,
    reportedBy: ctx.reportedBy,
    reportedAt: new Date(reportedAtMs).toISOString(),
    updatedAt: new Date(updatedAtMs).toISOString(),
    mergedInto: null,
  });
}
