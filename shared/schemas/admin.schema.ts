import { z } from 'zod';
import { Agency } from './agency.schema';
import { Crisis } from './crisis.schema';
import { PublicUser, Role } from './user.schema';

/** A user as an admin lists it: never a password hash. */
export const UserSummary = PublicUser.extend({ disabled: z.boolean(), createdAt: z.string() });
export type UserSummary = z.infer<typeof UserSummary>;

/** A user's open sessions, as the admin screen lists them (counts, never session ids). */
export const UserSessions = z.object({ userId: z.string(), count: z.number().int().min(1), lastSeenAt: z.iso.datetime() });
export type UserSessions = z.infer<typeof UserSessions>;

/** Everything the admin screen lists. */
export const AdminOverview = z.object({
  crises: z.array(Crisis),
  agencies: z.array(Agency),
  users: z.array(UserSummary),
  sessions: z.array(UserSessions),
});
export type AdminOverview = z.infer<typeof AdminOverview>;

/** A new password, as an admin sets it. */
export const PasswordReset = z.object({ password: z.string().min(10).max(200) });

/** A user's role, agency and crisis, changed together. */
export const ScopeChange = z.object({
  role: Role,
  agency: z.string().min(1).nullable(),
  crisisId: z.string().nullable(),
});

/** How many sessions an "end sessions" ended. */
export const SessionsEnded = z.object({ ended: z.number().int().min(0) });

/** Audit entries as coordinators and admins read them: who, role, what, which record, when, outcome. */
export const AuditRow = z.object({
  id: z.number().int(),
  at: z.string(),
  userId: z.string().nullable(),
  /** The user's display name now (null: no user, or the account is gone). */
  userName: z.string().nullable().default(null),
  role: z.string().nullable(),
  action: z.string(),
  recordType: z.string().nullable(),
  recordId: z.string().nullable(),
  outcome: z.string(),
  /** An export's format, row count and filters as JSON (null for other actions). */
  detail: z.string().nullable().default(null),
});
export type AuditRow = z.infer<typeof AuditRow>;

/** Filters of the audit view; every one optional. `before` pages back by id. */
export const AuditQuery = z.object({
  userId: z.string().max(64).optional(),
  action: z.string().max(64).optional(),
  recordId: z.string().max(64).optional(),
  from: z.iso.datetime().optional(),
  to: z.iso.datetime().optional(),
  before: z.coerce.number().int().positive().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
export type AuditQuery = z.infer<typeof AuditQuery>;

/** A page of the audit log and how many entries match the filters in all (the screen says "N of M"). */
export const AuditPage = z.object({ entries: z.array(AuditRow), total: z.number().int().nonnegative() });
export type AuditPage = z.infer<typeof AuditPage>;
