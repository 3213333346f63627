import type { ErrorRequestHandler, RequestHandler } from 'express';
import { describeError, type Logger } from '../log';
import { failure } from '../../shared/protocol';

/** body-parser marks its errors with a `type` and an HTTP status. */
function bodyParserError(error: unknown): { type: string; status: number } | null {
  if (typeof error !== 'object' || error === null) return null;
  const type = 'type' in error && typeof error.type === 'string' ? error.type : null;
  const status = 'status' in error && typeof error.status === 'number' ? error.status : null;
  return type && status ? { type, status } : null;
}

/** Unknown /api paths: JSON 404, never the SPA's index.html. */
export const apiNotFound: RequestHandler = (_req, res) => {
  res.status(404).json(failure('not_found', 'no such API route'));
};

/** Turns every error into a named JSON failure; stacks stay in the log. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    if (res.headersSent) return next(error);
    const parser = bodyParserError(error);
    if (parser?.type === 'entity.parse.failed') {
      res.status(400).json(failure('invalid', 'the request body is not valid JSON'));
    } else if (parser?.type === 'entity.too.large') {
      res.status(413).json(failure('too_large', 'the request body is too large'));
    } else if (parser && parser.status >= 400 && parser.status < 500) {
      res.status(parser.status).json(failure('invalid', 'the request body cannot be read'));
    } else {
      logger.error('http.failed', { method: req.method, path: req.path, ...describeError(error) });
      res.status(500).json(failure('internal', 'the server could not handle this request'));
    }
  };
}
