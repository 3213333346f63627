import { z } from 'zod';
import { Timestamp } from '../../../shared/ids';
import { EmbassyAggregates } from '../../../shared/aggregate';
import { AdminOverview, AuditPage, SessionsEnded, UserSummary } from '../../../shared/schemas/admin.schema';
import { Agency } from '../../../shared/schemas/agency.schema';
import { API_ROUTES } from '../../../shared/schemas/api.schema';
import { GroupView } from '../../../shared/schemas/group.schema';
import { json, request, type ApiResult } from './api';

const admin = API_ROUTES.admin;
const user = (id: string, action: string) => `${admin}/users/${encodeURIComponent(id)}/${action}`;

/** Crises, agencies and users (admin only). */
export const fetchOverview = (): Promise<ApiResult<AdminOverview>> => request(AdminOverview, `${admin}/overview`);

/** What a new user needs; the agency by acronym or id. */
export interface NewUser {
  username: string;
  password: string;
  role: string;
  displayName: string;
  agency: string | null;
  crisisId: string | null;
}
export const createUser = (u: NewUser) => request(UserSummary.omit({ disabled: true, createdAt: true }), `${admin}/users`, { method: 'POST', ...json(u) });

export interface NewAgency {
  name: string;
  acronym: string;
  type: string;
  servesState: string | null;
}
export const createAgency = (a: NewAgency) => request(Agency, `${admin}/agencies`, { method: 'POST', ...json(a) });

export const setDisabled = (id: string, disabled: boolean) => request(UserSummary, user(id, disabled ? 'disable' : 'enable'), { method: 'POST', ...json({}) });
export const resetPassword = (id: string, password: string) => request(UserSummary, user(id, 'password'), { method: 'POST', ...json({ password }) });
/** A user's new role, agency (id) and crisis, changed together; their sessions' connections close. */
export interface NewScope {
  role: string;
  agency: string | null;
  crisisId: string | null;
}
export const changeScope = (id: string, scope: NewScope) => request(UserSummary, user(id, 'scope'), { method: 'PUT', ...json(scope) });
export const endSessions = (id: string) => request(SessionsEnded, user(id, 'end-sessions'), { method: 'POST', ...json({}) });

/** Audit filters as the screen holds them (empty strings mean "any"). */
export interface AuditFilters {
  userId: string;
  action: string;
  recordId: string;
}
/** Audit entries asked for per page. */
export const AUDIT_PAGE = 200;

/** A page of the audit log, newest first; `before` (an entry's id) asks for the entries older than it. */
export function fetchAudit(filters: AuditFilters, before?: number): Promise<ApiResult<AuditPage>> {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(filters)) if (value.trim() !== '') query.set(key, value.trim());
  query.set('limit', String(AUDIT_PAGE));
  if (before !== undefined) query.set('before', String(before));
  return request(AuditPage, `${API_ROUTES.audit}?${query.toString()}`);
}

/** One group's details, read (and audited) on the server as this user may see them. */
export const fetchGroup = (id: string) =>
  request(z.object({ ok: z.literal(true), group: GroupView, purgedAt: Timestamp.optional() }), `${API_ROUTES.groups}/${encodeURIComponent(id)}`);

/** The embassy's aggregate counts of its nationals. */
export const fetchAggregates = () => request(z.object({ ok: z.literal(true), aggregates: EmbassyAggregates }), API_ROUTES.aggregates);
