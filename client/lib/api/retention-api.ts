import type { ErasureReason } from '../../../shared/retention';
import {
  EraseGroupResult,
  RETENTION_ROUTES,
  RetentionClearResult,
  RetentionOverview,
  RetentionPolicyResult,
  RetentionPurgeResult,
  type RetentionPolicyBody,
} from '../../../shared/schemas/retention.schema';
import { json, request } from './api';

/** Erases one group of the coordinator's crisis, with a reason code (audited; every device is told to delete its copy). */
export const eraseGroup = (groupId: string, reason: ErasureReason) =>
  request(EraseGroupResult, RETENTION_ROUTES.erase(encodeURIComponent(groupId)), { method: 'POST', ...json({ reason }) });

/** Every crisis with its retention policy, and the purge ledger (admins). */
export const fetchRetention = () => request(RetentionOverview, RETENTION_ROUTES.overview);

/** Sets or replaces a crisis's policy (admins). */
export const setRetention = (crisisId: string, body: RetentionPolicyBody) =>
  request(RetentionPolicyResult, RETENTION_ROUTES.policy(encodeURIComponent(crisisId)), { method: 'PUT', ...json(body) });

/** Removes a crisis's policy: it keeps everything again (admins). */
export const clearRetention = (crisisId: string) => request(RetentionClearResult, RETENTION_ROUTES.policy(encodeURIComponent(crisisId)), { method: 'DELETE' });

/** Closes a crisis now: its crisis-closed period starts (admins). */
export const closeCrisis = (crisisId: string) =>
  request(RetentionPolicyResult, RETENTION_ROUTES.close(encodeURIComponent(crisisId)), { method: 'POST', ...json({}) });

/** Purges what the policies make due now, as the server's hourly run does (admins). */
export const purgeDueNow = () => request(RetentionPurgeResult, RETENTION_ROUTES.purge, { method: 'POST', ...json({}) });
