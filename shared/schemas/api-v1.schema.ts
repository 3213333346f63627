import { z } from 'zod';
import { ErrorCode, Issue } from '../protocol';
import { Assignment } from './assignment.schema';
import { Group, GroupNationals, GroupReduced, NationalsNeed } from './group.schema';
import { CLUSTERS, Need } from './need.schema';

/**
 * The read-only API for agencies' own systems (`Authorization: Bearer <token>`). These schemas are
 * the contract both the routes and the OpenAPI description (`/api/v1/openapi.json`) are made from.
 */
export const API_V1_ROUTES = {
  groups: '/api/v1/groups',
  group: '/api/v1/groups/:id',
  needs: '/api/v1/needs',
  assignments: '/api/v1/assignments',
  openapi: '/api/v1/openapi.json',
} as const;

/** Admin management of API tokens. */
export const API_TOKEN_ROUTES = {
  list: '/api/admin/api-tokens',
  revoke: (id: string) => `/api/admin/api-tokens/${id}/revoke`,
} as const;

const Seq = z.number().int().min(0);

/** Query of every list: `since` for incremental pulls, `cursor` to page on, `limit` per page. */
export const ApiListQuery = z
  .object({
    since: z.coerce.number().int().min(0).default(0).describe('Only what changed after this change sequence number (0: everything).'),
    cursor: z.coerce.number().int().min(0).optional().describe('The `nextCursor` of the previous page.'),
    limit: z.coerce.number().int().min(1).max(500).default(100).describe('Items per page (1-500).'),
  })
  .strict();
export type ApiListQuery = z.infer<typeof ApiListQuery>;

/** A group as the token's agency sees it, with the sequence number of its latest change. */
export const ApiGroup = z.discriminatedUnion('view', [
  z.object({ view: z.literal('full'), seq: Seq, group: Group }),
  z.object({ view: z.literal('reduced'), seq: Seq, group: GroupReduced }),
  z.object({ view: z.literal('nationals'), seq: Seq, group: GroupNationals }),
]);
export type ApiGroup = z.infer<typeof ApiGroup>;

const page = {
  ok: z.literal(true),
  /** Pass as `cursor` for the next page; null when this was the last. */
  nextCursor: Seq.nullable(),
  /** The newest change sequence number: store it and pass it as `since` next time. */
  headSeq: Seq,
};

export const ApiGroupsPage = z.object({
  ...page,
  items: z.array(ApiGroup),
  /** With `since`: groups the agency could see before and no longer may (consent withdrawn, work ended). */
  removed: z.array(z.object({ id: z.uuid(), seq: Seq })),
});
export type ApiGroupsPage = z.infer<typeof ApiGroupsPage>;

export const ApiGroupAnswer = z.object({ ok: z.literal(true), item: ApiGroup });

/** A need of a group the agency sees in full, with its cluster. */
/** `people` is absent for an embassy: how many have a need may count other nationals. */
export const ApiNeed = NationalsNeed.extend({ people: Need.shape.people.optional(), groupId: z.uuid(), cluster: z.enum(CLUSTERS), seq: Seq });
export const ApiNeedsPage = z.object({ ...page, items: z.array(ApiNeed) });
export type ApiNeedsPage = z.infer<typeof ApiNeedsPage>;

/** An assignment inside a group the agency sees in full. */
export const ApiAssignment = Assignment.extend({ seq: Seq });
export const ApiAssignmentsPage = z.object({ ...page, items: z.array(ApiAssignment) });
export type ApiAssignmentsPage = z.infer<typeof ApiAssignmentsPage>;

/** Every error: a closed code and a message. */
export const ApiFailure = z.object({ ok: z.literal(false), code: ErrorCode, message: z.string(), issues: z.array(Issue).optional() });

/** A token as an admin lists it: never the token itself. */
export const ApiTokenSummary = z.object({
  id: z.uuid(),
  name: z.string(),
  agencyId: z.uuid(),
  crisisId: z.uuid(),
  createdBy: z.string().nullable(),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});
export type ApiTokenSummary = z.infer<typeof ApiTokenSummary>;

export const ApiTokenList = z.object({ ok: z.literal(true), tokens: z.array(ApiTokenSummary) });

/** What an admin asks for: a name (which system uses it), the agency and the crisis. */
export const IssueApiToken = z.object({ name: z.string().trim().min(1).max(100), agencyId: z.uuid(), crisisId: z.uuid() }).strict();
export type IssueApiToken = z.infer<typeof IssueApiToken>;

/** The token, shown this once. */
export const IssuedApiToken = z.object({ ok: z.literal(true), token: z.string(), summary: ApiTokenSummary });
export type IssuedApiToken = z.infer<typeof IssuedApiToken>;
