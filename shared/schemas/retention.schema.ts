import { z } from 'zod';
import { ErasureReason } from '../retention';

/** REST routes of retention and erasure (issue 21). */
export const RETENTION_ROUTES = {
  /** POST /api/groups/:id/erase: a coordinator erases one group of their crisis on request. */
  erase: (groupId: string) => `/api/groups/${groupId}/erase`,
} as const;

/** The body of an erasure: why, as a code (never free text: it goes to the audit log). */
export const EraseGroupRequest = z.object({ reason: ErasureReason }).strict();
export type EraseGroupRequest = z.infer<typeof EraseGroupRequest>;

/** The answer to an erasure: the tombstone's sequence number. */
export const EraseGroupResult = z.object({ ok: z.literal(true), seq: z.number().int().min(1) });
export type EraseGroupResult = z.infer<typeof EraseGroupResult>;
