import { API_TOKEN_ROUTES, ApiTokenList, IssuedApiToken, ApiTokenSummary, type IssueApiToken } from '../../../shared/schemas/api-v1.schema';
import { z } from 'zod';
import { json, request } from './api';

/** Every API token (admin). */
export const fetchApiTokens = () => request(ApiTokenList, API_TOKEN_ROUTES.list);

/** Issues a token: the answer holds it, this once. */
export const issueApiToken = (body: IssueApiToken) => request(IssuedApiToken, API_TOKEN_ROUTES.list, { method: 'POST', ...json(body) });

/** Revokes a token. */
export const revokeApiToken = (id: string) =>
  request(z.object({ ok: z.literal(true), token: ApiTokenSummary }), API_TOKEN_ROUTES.revoke(encodeURIComponent(id)), { method: 'POST' });
