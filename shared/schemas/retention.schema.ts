import { z } from 'zod';
import { Timestamp, Uuid } from '../ids';
import { ErasureReason, RetentionBasis } from '../retention';

const ADMIN_RETENTION = '/api/admin/retention';

/** REST routes of retention and erasure (issue 21). */
export const RETENTION_ROUTES = {
  /** POST /api/groups/:id/erase: a coordinator erases one group of their crisis on request. */
  erase: (groupId: string) => `/api/groups/${groupId}/erase`,
  /** GET: every crisis with its policy, and the purge ledger (admins). */
  overview: ADMIN_RETENTION,
  /** PUT a policy (RetentionPolicyBody), DELETE it (admins). */
  policy: (crisisId: string) => `${ADMIN_RETENTION}/crises/${crisisId}`,
  /** POST: the crisis is closed now; its crisis-closed period starts (admins). */
  close: (crisisId: string) => `${ADMIN_RETENTION}/crises/${crisisId}/close`,
  /** POST: purge what the policies make due now, as the server's hourly run does (admins). */
  purge: `${ADMIN_RETENTION}/purge`,
} as const;

/** The body of an erasure: why, as a code (never free text: it goes to the audit log). */
export const EraseGroupRequest = z.object({ reason: ErasureReason }).strict();
export type EraseGroupRequest = z.infer<typeof EraseGroupRequest>;

/** The answer to an erasure: the tombstone's sequence number. */
export const EraseGroupResult = z.object({ ok: z.literal(true), seq: z.number().int().min(1) });
export type EraseGroupResult = z.infer<typeof EraseGroupResult>;

/** A policy as the admin screen sends it; the crisis is in the path. */
export const RetentionPolicyBody = z.object({ keepDays: z.number().int().min(1).max(36_500), after: RetentionBasis }).strict();
export type RetentionPolicyBody = z.infer<typeof RetentionPolicyBody>;

/** A stored policy on the wire. */
export const RetentionPolicyView = z.object({
  crisisId: Uuid,
  keepDays: z.number().int(),
  after: RetentionBasis,
  crisisClosedAt: Timestamp.nullable(),
  setAt: Timestamp,
});
export type RetentionPolicyView = z.infer<typeof RetentionPolicyView>;

/** One purge of the ledger on the wire: ids, counts, times and a reason code, nothing about a person. */
export const PurgeLedgerEntry = z.object({
  id: Uuid,
  crisisId: Uuid,
  kind: z.enum(['retention', 'erasure']),
  groupId: Uuid.nullable(),
  groups: z.number().int().min(0),
  cutoff: Timestamp.nullable(),
  reason: ErasureReason.nullable(),
  at: Timestamp,
});
export type PurgeLedgerEntry = z.infer<typeof PurgeLedgerEntry>;

/** The admin screen's retention section: every crisis with its policy (null: keeps everything), and the ledger, newest first. */
export const RetentionOverview = z.object({
  ok: z.literal(true),
  crises: z.array(z.object({ id: Uuid, name: z.string(), policy: RetentionPolicyView.nullable() })),
  ledger: z.array(PurgeLedgerEntry),
});
export type RetentionOverview = z.infer<typeof RetentionOverview>;

/** The answer to setting or closing: the policy as stored. */
export const RetentionPolicyResult = z.object({ ok: z.literal(true), policy: RetentionPolicyView });
/** The answer to removing a policy: whether there was one. */
export const RetentionClearResult = z.object({ ok: z.literal(true), cleared: z.boolean() });
/** The answer to "purge now": groups purged and import file names blanked, over every crisis. */
export const RetentionPurgeResult = z.object({ ok: z.literal(true), groups: z.number().int().min(0), imports: z.number().int().min(0) });
