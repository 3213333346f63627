import { z } from 'zod';

/**
 * Wire protocol version. The client sends it in the Socket.IO handshake; the server refuses any
 * other value with the named reason `protocol_mismatch`, so an old tab tells its user to reload
 * instead of sending commands the server would misread. Version 2 added the `changes` event (a
 * batch of changes in one message), which a version-1 client would ignore and so miss changes.
 */
export const PROTOCOL_VERSION = 2;

/** The closed set of error codes that travel over the wire. */
export const ERROR_CODES = [
  'invalid',
  'unauthorized',
  'forbidden',
  'not_found',
  'conflict',
  'rate_limited',
  /** An upload larger than the server takes (e.g. a CSV import over its limit). */
  'too_large',
  'internal',
] as const;
export const ErrorCode = z.enum(ERROR_CODES);
export type ErrorCode = z.infer<typeof ErrorCode>;

/** Reasons a Socket.IO handshake is refused; sent as `err.message` on `connect_error`. */
export const HANDSHAKE_ERRORS = ['unauthorized', 'protocol_mismatch', 'forbidden_origin'] as const;
export type HandshakeError = (typeof HANDSHAKE_ERRORS)[number];

/** One problem with a payload, addressed by its path so a form can show it beside the field. */
export const Issue = z.object({
  path: z.array(z.union([z.string(), z.number()])),
  message: z.string(),
  code: z.string(),
});
export type Issue = z.infer<typeof Issue>;

/** An error as data: never a thrown stack. */
export interface Failure<C extends ErrorCode = ErrorCode> {
  ok: false;
  code: C;
  message: string;
  issues?: Issue[];
}

/** Builds a {@link Failure}. */
export function failure<C extends ErrorCode>(code: C, message: string, issues?: Issue[]): Failure<C> {
  return issues ? { ok: false, code, message, issues } : { ok: false, code, message };
}

/** Converts zod issues to wire issues (zod's own objects carry functions and class instances). */
export function toIssues(error: z.ZodError): Issue[] {
  return error.issues.map((i) => ({
    path: i.path.map((p) => (typeof p === 'symbol' ? String(p) : p)),
    message: i.message,
    code: i.code,
  }));
}

/** Largest Socket.IO message the server accepts (bytes); larger ones are refused by the engine. */
export const MAX_SOCKET_PAYLOAD_BYTES = 64 * 1024;
/** Largest JSON body the REST API accepts. */
export const MAX_REST_BODY_BYTES = '64kb';
