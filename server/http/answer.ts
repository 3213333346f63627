import type { Response } from 'express';
import type { ErrorCode, Failure } from '../../shared/protocol';

/** The HTTP status each wire error code travels with over REST. */
export const HTTP_STATUS: Readonly<Record<ErrorCode, number>> = {
  invalid: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  rate_limited: 429,
  too_large: 413,
  internal: 500,
};

/** Sends a service result: the value as JSON, or the failure with its code's status. */
export function answer<T extends { ok: true }>(res: Response, result: T | Failure): void {
  if (result.ok) res.json(result);
  else res.status(HTTP_STATUS[result.code]).json(result);
}
