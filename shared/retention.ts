import { z } from 'zod';
import { Uuid } from './ids';
import { AGE_BANDS, DOCUMENT_STATES, VULNERABILITIES, type Group } from './schemas/group.schema';

/**
 * Decimals a purged group's point keeps: 0.1° (about 11 km) still places it in its district for
 * counts and maps of the crisis as a whole, and says nothing about which camp or street it was.
 */
export const PURGED_LOCATION_DECIMALS = 1;

/** What a retention period is counted from. */
export const RETENTION_BASES = ['group_change', 'crisis_closed'] as const;
export const RetentionBasis = z.enum(RETENTION_BASES);
export type RetentionBasis = z.infer<typeof RetentionBasis>;

/** How long a crisis keeps the details of its groups, as an admin sets it. */
export const RetentionPolicyInput = z.object({
  crisisId: Uuid,
  keepDays: z.number().int().min(1).max(36_500),
  after: RetentionBasis,
});
export type RetentionPolicyInput = z.infer<typeof RetentionPolicyInput>;

/** A stored policy: the input plus when the crisis was closed (null while open) and when it was set. */
export interface RetentionPolicy extends RetentionPolicyInput {
  crisisClosedAt: string | null;
  setAt: string;
}

/**
 * Why a coordinator erases a group: a closed set, so the audit row and the purge ledger never hold
 * free text (which would itself hold personal values).
 */
export const ERASURE_REASONS = ['person_request', 'guardian_request', 'protection_risk', 'recorded_in_error'] as const;
export const ErasureReason = z.enum(ERASURE_REASONS);
export type ErasureReason = z.infer<typeof ErasureReason>;

const DAY_MS = 86_400_000;

/**
 * The moment before which a group's last change makes it due under `policy`, or null when nothing
 * is due (a crisis-closed policy on a crisis not yet closed, or closed too recently: then every
 * group of the crisis waits). Under a crisis-closed policy that has come due, every group is due.
 */
export function retentionCutoff(policy: RetentionPolicy, nowMs: number): string | null {
  if (policy.after === 'group_change') return new Date(nowMs - policy.keepDays * DAY_MS).toISOString();
  if (policy.crisisClosedAt === null) return null;
  // Every group is due once the period after closing has run: the cutoff is then "now", which
  // every stored change precedes.
  return Date.parse(policy.crisisClosedAt) + policy.keepDays * DAY_MS <= nowMs ? new Date(nowMs + 1).toISOString() : null;
}

/** A coordinate as a purge keeps it (PURGED_LOCATION_DECIMALS). */
export const purgedCoordinate = (x: number): number => Number(x.toFixed(PURGED_LOCATION_DECIMALS));
const zeros = <K extends string>(keys: readonly K[]) => Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;
/** A headcount as a purge keeps it: the total, no breakdown by sex and age. */
export const purgedHeadcount = (headcount: Group['headcount']): Group['headcount'] => ({
  total: headcount.total,
  female: zeros(AGE_BANDS),
  male: zeros(AGE_BANDS),
});

/**
 * A group with its details purged, aggregates kept (the list): the point rounded to 0.1°,
 * no accuracy or place name, no notes (the group's nor its assignments'), no breakdown by sex and
 * age, no documents, no vulnerabilities. Kept: the total, nationalities with counts (the consular
 * aggregates), needs, assignments' figures, status, intention, consent and the protection flag
 * (which must keep guarding what is left), site type and times. Pure and idempotent:
 * purging a purged group gives the same group, so a run that stops half-way is simply run again.
 */
export function purgeDetails(group: Group): Group {
  return {
    ...group,
    // The site is an exact place: a purged group keeps only its area (and leaves the site's tally).
    location: {
      ...group.location,
      lat: purgedCoordinate(group.location.lat),
      lon: purgedCoordinate(group.location.lon),
      accuracyM: null,
      placeName: '',
      siteId: null,
    },
    headcount: purgedHeadcount(group.headcount),
    vulnerabilities: zeros(VULNERABILITIES),
    documents: zeros(DOCUMENT_STATES),
    notes: '',
    assignments: group.assignments.map((a) => ({ ...a, note: '' })),
  };
}

/**
 * The state an erased group's tombstone change logs: its id, crisis, version and who reported or
 * follows it up (so the change reaches their phones' personal rooms), and nothing else of it. The
 * protection flag is set so that, should anything project it, no embassy would see it.
 */
export function erasureTombstone(group: Group): Group {
  const purged = purgeDetails(group);
  return {
    ...purged,
    version: group.version + 1,
    location: { lat: 0, lon: 0, accuracyM: null, placeName: '', siteType: 'other', siteId: null },
    headcount: { ...purged.headcount, total: 1 },
    nationalities: [],
    intention: 'undecided',
    consentConsulate: 'not_asked',
    protectionConcern: true,
    needs: [],
    assignments: [],
    mergedInto: null,
  };
}
