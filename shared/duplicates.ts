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

export interface DuplicateProposal {
  /** The earlier report: the one to keep by default. */
  keep: Group;
  duplicate: Group;
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
 * Pairs of open reports that are probably the same people: close in space and time with a similar
 * nationality mix. Sorted by latitude and swept, so a large crisis is not compared pair by pair.
 */
export function proposeDuplicates(groups: Iterable<Group>, rules: DuplicateRules = DEFAULT_DUPLICATE_RULES): DuplicateProposal[] {
  const open = [...groups].filter((g) => OPEN_STATUSES.includes(g.status)).sort((a, b) => a.location.lat - b.location.lat);
  const latWindow = rules.maxKm / 111;
  const proposals: DuplicateProposal[] = [];
  for (let i = 0; i < open.length; i++) {
    const a = open[i]!;
    for (let j = i + 1; j < open.length; j++) {
      const b = open[j]!;
      if (b.location.lat - a.location.lat > latWindow) break;
      const km = distanceKm(a.location, b.location);
      if (km > rules.maxKm) continue;
      const hours = Math.abs(Date.parse(a.reportedAt) - Date.parse(b.reportedAt)) / 3_600_000;
      if (hours > rules.windowHours) continue;
      const similarity = nationalitySimilarity(a.nationalities, b.nationalities);
      if (similarity < rules.minSimilarity) continue;
      const [keep, duplicate] = a.reportedAt <= b.reportedAt ? [a, b] : [b, a];
      proposals.push({ keep, duplicate, km: Math.round(km * 100) / 100, hours: Math.round(hours), similarity: Math.round(similarity * 100) / 100 });
    }
  }
  return proposals.sort((x, y) => x.km - y.km);
}
