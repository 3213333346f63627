import { z } from 'zod';
import { Uuid } from '../ids';

export const ROLES = ['field', 'coordinator', 'responder', 'embassy', 'admin'] as const;
export const Role = z.enum(ROLES);
export type Role = z.infer<typeof Role>;

export const Username = z
  .string()
  .min(3)
  .max(64)
  .regex(/^[a-z0-9._-]+$/, 'lower-case letters, digits, dot, dash and underscore only');

/** Roles whose users act for an agency (and must belong to one). */
export const AGENCY_ROLES: readonly Role[] = ['responder', 'embassy'];

/** The public part of a user: what the server may tell a client about who is signed in. */
export const PublicUser = z.object({
  id: Uuid,
  username: Username,
  displayName: z.string().min(1).max(120),
  role: Role,
  agencyId: Uuid.nullable(),
  crisisId: Uuid.nullable(),
});
export type PublicUser = z.infer<typeof PublicUser>;
