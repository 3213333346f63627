import type { ErrorRequestHandler, RequestHandler } from 'express';
import { describeError, type Logger } from '../log';
import { failure } from '../../shared/protocol';

/**
 * The HTTP status a library error carries: body-parser, raw-body and the router raise http-errors
 * with `status` (and body-parser a `type`); an inflate error from zlib is wrapped with status 400.
 */
function clientErrorOf(error: unknown): { type: string | null; status: number } | null {
  if (typeof error !== 'object' || error === null) return null;
  const type = 'type' in error && typeof error.type === 'string' ? error.type : null;
  const status = 'status' in error && typeof error.status === 'number' ? error.status : null;
  return status !== null && status >= 400 && status < 500 ? { type, status } : null;
}

/** Unknown /api paths: JSON 404, never the SPA's index.html. */
export const apiNotFound: RequestHandler = (_req, res) => {
  res.status(404).json(failure('not_found', 'no such API route'));
};

/**
 * A path with a broken percent-escape (`/api/groups/%E0%A4%A`) is refused before any route sees
 * it: the router would throw decoding a parameter, and the SPA fallback would answer it with the
 * app as if it were a page.
 */
export const rejectMalformedPath: RequestHandler = (req, res, next) => {
  try {
    decodeURIComponent(req.path);
  } catch (error) {
    if (!(error instanceof URIError)) throw error;
    res.status(400).json(failure('invalid', 'the URL path is not valid percent-encoding'));
    return;
  }
  next();
};

/** Turns every error into a named JSON failure; stacks stay in the log. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    if (res.headersSent) return next(error);
    const client = clientErrorOf(error);
    if (client?.type === 'entity.parse.failed') {
      res.status(400).json(failure('invalid', 'the request body is not valid JSON'));
    } else if (client?.type === 'entity.too.large') {
      res.status(413).json(failure('too_large', 'the request body is too large'));
    } else if (client?.type === 'encoding.unsupported') {
      res.status(415).json(failure('invalid', "the request body's Content-Encoding is not supported (gzip, deflate, br or none)"));
    } else if (client?.type === 'charset.unsupported') {
      res.status(415).json(failure('invalid', "the request body's charset is not supported (utf-8)"));
    } else if (client) {
      // A body that does not inflate, a length that does not match, a parameter that does not decode.
      res.status(client.status).json(failure('invalid', 'the request cannot be read'));
    } else {
      logger.error('http.failed', { method: req.method, path: req.path, ...describeError(error) });
      res.status(500).json(failure('internal', 'the server could not handle this request'));
    }
  };
}
