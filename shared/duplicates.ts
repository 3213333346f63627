import { OPEN_STATUSES } from './group-status';
import type { Group } from './schemas/group.schema';

export interface DuplicateRules {
  /** Reports further apart than this are different groups. */
  maxKm: number;
  /** Reports further apart in time than this are different groups (people move on). */
  windowHours: number;
  /** How alike the nationality mixes must be, 0..1. */
  minSimilarity: number;
}
export const DEFAULT_DUPLICATE_RULES: DuplicateRules = { maxKm: 2, windowHours: 72, minSimilarity: 0.5 };

/** What the proposal reads of a group: a full group, or a coordinator's summary of one, has it all. */
export type DuplicateCandidate = Pick<Group, 'id' | 'status' | 'reportedAt' | 'nationalities'> & { location: { lat: number; lon: number } };

export interface DuplicateProposal<G extends DuplicateCandidate = Group> {
  /** The earlier report: the one to keep by default. */
  keep: G;
  duplicate: G;
  km: number;
  hours: number;
  similarity: number;
}

const EARTH_KM = 6371;
const rad = (d: number) => (d * Math.PI) / 180;

/** Great-circle distance in km. */
export function distanceKm(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const dLat = rad(b.lat - a.lat);
  const dLon = rad(b.lon - a.lon);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}

/**
 * How alike two nationality mixes are: the share of people that overlaps when both are taken as
 * proportions (1 = same mix, 0 = nothing in common). A report with no nationalities recorded says
 * nothing either way: 0.5.
 */
export function nationalitySimilarity(a: Group['nationalities'], b: Group['nationalities']): number {
  const total = (xs: Group['nationalities']) => xs.reduce((s, n) => s + n.count, 0);
  const ta = total(a);
  const tb = total(b);
  if (ta === 0 || tb === 0) return 0.5;
  const share = new Map(b.map((n) => [n.code, n.count / tb]));
  let overlap = 0;
  for (const n of a) overlap += Math.min(n.count / ta, share.get(n.code) ?? 0);
  return overlap;
}

/**
 * A lower bound of `distanceKm` without trigonometry: haversine's h = sin²(Δφ/2) + cos φ1 cos φ2
 * sin²(Δλ/2) with each sine replaced by x - x³/6 (never more than sin x for x >= 0), and
 * asin(y) >= y.
 */
function lowerKm(a: { phi: number; lambda: number; cos: number }, b: { phi: number; lambda: number; cos: number }): number {
  const y = Math.abs(a.phi - b.phi) / 2;
  const x = Math.abs(a.lambda - b.lambda) / 2;
  const sy = Math.max(0, y - (y * y * y) / 6);
  const sx = Math.max(0, x - (x * x * x) / 6);
  return 2 * EARTH_KM * Math.sqrt(sy * sy + a.cos * b.cos * sx * sx);
}

/**
 * Pairs of open reports that are probably the same people: close in space and time with a similar
 * nationality mix. Sorted by latitude and swept, so a large crisis is not compared pair by pair.
 */
export function proposeDuplicates<G extends DuplicateCandidate>(groups: Iterable<G>, rules: DuplicateRules = DEFAULT_DUPLICATE_RULES): DuplicateProposal<G>[] {
  const open = [...groups]
    .filter((g) => OPEN_STATUSES.includes(g.status))
    .map((g) => ({
      g,
      lat: g.location.lat,
      phi: rad(g.location.lat),
      lambda: rad(g.location.lon),
      cos: Math.cos(rad(g.location.lat)),
      at: Date.parse(g.reportedAt),
    }))
    .sort((a, b) => a.lat - b.lat);
  const latWindow = rules.maxKm / 111;
  // Pairs surely too far apart are skipped before the great-circle distance (in a crisis of 100,000
  // groups a town's latitude band holds thousands of groups, and the distance of each pair was most
  // of the 7.5 s a proposal took on the coordinator's page): `lowerKm` never exceeds the distance,
  // so no pair within reach is skipped (with a margin far above rounding).
  const beyond = rules.maxKm * (1 + 1e-9);
  const hoursBeyond = rules.windowHours * 3_600_000 * (1 + 1e-9);
  const proposals: DuplicateProposal<G>[] = [];
  for (let i = 0; i < open.length; i++) {
    const a = open[i]!;
    for (let j = i + 1; j < open.length; j++) {
      const b = open[j]!;
      if (b.lat - a.lat > latWindow) break;
      if (Math.abs(a.at - b.at) > hoursBeyond) continue;
      if (lowerKm(a, b) > beyond) continue;
      const km = distanceKm(a.g.location, b.g.location);
      if (km > rules.maxKm) continue;
      const hours = Math.abs(a.at - b.at) / 3_600_000;
      if (hours > rules.windowHours) continue;
      const similarity = nationalitySimilarity(a.g.nationalities, b.g.nationalities);
      if (similarity < rules.minSimilarity) continue;
      const [keep, duplicate] = a.g.reportedAt <= b.g.reportedAt ? [a.g, b.g] : [b.g, a.g];
      proposals.push({ keep, duplicate, km: Math.round(km * 100) / 100, hours: Math.round(hours), similarity: Math.round(similarity * 100) / 100 });
    }
  }
  return proposals.sort((x, y) => x.km - y.km);
}
