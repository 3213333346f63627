import type { ServerResponse } from 'node:http';

/** The client went away (closed the connection) before a streamed response was written whole. */
export class ResponseClosedError extends Error {
  constructor() {
    super('the client closed the connection before the response was written whole');
    this.name = 'ResponseClosedError';
  }
}

/**
 * Writes chunks to a response, waiting for the socket to drain when its buffer is full, so a
 * slow download holds one page in memory rather than the whole file queued behind it. Rejects
 * with `ResponseClosedError` once the client has gone, so the producer stops reading pages.
 */
export function responseSink(res: ServerResponse): (chunk: string) => Promise<void> {
  return async (chunk) => {
    if (res.destroyed || res.writableEnded) throw new ResponseClosedError();
    if (chunk === '' || res.write(chunk)) return;
    await new Promise<void>((resolve, reject) => {
      const done = () => {
        res.off('drain', done);
        res.off('close', closed);
        resolve();
      };
      const closed = () => {
        res.off('drain', done);
        res.off('close', closed);
        reject(new ResponseClosedError());
      };
      res.on('drain', done);
      res.on('close', closed);
    });
  };
}
