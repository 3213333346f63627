import { z } from 'zod';
import { ClientConfig, SessionInfo, SessionProbe, SignInRequest, API_ROUTES } from '../../../shared/schemas/api.schema';
import { ErrorCode } from '../../../shared/protocol';

/** A REST failure as the client shows it: the server's code and message, or a network problem. */
export type ApiResult<T> = { ok: true; value: T } | { ok: false; code: ErrorCode | 'network'; message: string };

const FailureBody = z.object({ ok: z.literal(false), code: ErrorCode, message: z.string() });

export async function request<T>(schema: z.ZodType<T>, path: string, init?: RequestInit): Promise<ApiResult<T>> {
  let response: Response;
  try {
    response = await fetch(path, { credentials: 'same-origin', ...init, headers: { accept: 'application/json', ...init?.headers } });
  } catch (error) {
    return { ok: false, code: 'network', message: error instanceof Error ? error.message : String(error) };
  }
  if (response.status === 204) {
    const empty = schema.safeParse(undefined);
    return empty.success ? { ok: true, value: empty.data } : { ok: false, code: 'internal', message: 'empty response' };
  }
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    return { ok: false, code: response.status === 401 ? 'unauthorized' : 'internal', message: `HTTP ${response.status}` };
  }
  if (!response.ok) {
    const failure = FailureBody.safeParse(body);
    if (failure.success) return { ok: false, code: failure.data.code, message: failure.data.message };
    return { ok: false, code: response.status === 401 ? 'unauthorized' : 'internal', message: `HTTP ${response.status}` };
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) return { ok: false, code: 'internal', message: `unexpected response from ${path}` };
  return { ok: true, value: parsed.data };
}

export const json = (body: unknown): RequestInit => ({
  body: JSON.stringify(body),
  headers: { 'content-type': 'application/json' },
});

/** Public configuration, read before anything else. */
export function fetchConfig(): Promise<ApiResult<ClientConfig>> {
  return request(ClientConfig, API_ROUTES.config);
}

/** The current session; `unauthorized` when nobody is signed in (which the server answers with 200). */
export async function fetchSession(): Promise<ApiResult<SessionInfo>> {
  const probe = await request(SessionProbe, API_ROUTES.session);
  if (!probe.ok) return probe;
  if ('signedIn' in probe.value) return { ok: false, code: 'unauthorized', message: 'not signed in' };
  return { ok: true, value: probe.value };
}

/** Signs in; the server sets the session cookie and answers with the session. */
export function signIn(credentials: SignInRequest): Promise<ApiResult<SessionInfo>> {
  return request(SessionInfo, API_ROUTES.session, { method: 'POST', ...json(credentials) });
}

/** Signs out; succeeds whatever the body says, since the cookie is what matters. */
export function signOut(): Promise<ApiResult<unknown>> {
  return request(z.unknown(), API_ROUTES.session, { method: 'DELETE' });
}
