import { describe, expect, it } from 'vitest';
import type { LogFields, Logger } from '../../server/log';
import { guardedHandler } from '../../server/socket/handler-support';

function recordingLogger(): Logger & { lines: { event: string; fields?: LogFields }[] } {
  const lines: { event: string; fields?: LogFields }[] = [];
  const record = (event: string, fields?: LogFields) => void lines.push(fields ? { event, fields } : { event });
  return { lines, debug: record, info: record, warn: record, error: record };
}

const socket = { id: 'socket-1' };

describe(guardedHandler.name, () => {
  it('acks what the handler returns', () => {
    const acks: unknown[] = [];
    guardedHandler(socket, recordingLogger(), 'sync', (payload) => ({ ok: true, echo: payload }))({ a: 1 }, (r: unknown) => acks.push(r));

    expect(acks).toEqual([{ ok: true, echo: { a: 1 } }]);
  });

  it('turns an exception into internal, and logs the error class but not the payload', () => {
    const logger = recordingLogger();
    const acks: unknown[] = [];
    const handler = guardedHandler(socket, logger, 'command', () => {
      throw new TypeError('boom');
    });

    handler({ notes: 'a personal note' }, (r: unknown) => acks.push(r));

    expect(acks).toEqual([{ ok: false, code: 'internal', message: expect.any(String) }]);
    expect(logger.lines).toEqual([{ event: 'socket.handler_failed', fields: expect.objectContaining({ errorName: 'TypeError' }) }]);
    expect(JSON.stringify(logger.lines)).not.toContain('personal');
  });

  it('drops an event without an ack, without calling the handler', () => {
    let called = false;
    const handler = guardedHandler(socket, recordingLogger(), 'command', () => {
      called = true;
      return { ok: true };
    });

    handler({ a: 1 });
    handler();
    handler({ a: 1 }, 'not a function');

    expect(called).toBe(false);
  });

  it('answers invalid when the payload is missing or followed by extra arguments', () => {
    const acks: unknown[] = [];
    const handler = guardedHandler(socket, recordingLogger(), 'command', () => ({ ok: true }));

    handler((r: unknown) => acks.push(r));
    handler({}, 'extra', (r: unknown) => acks.push(r));

    expect(acks).toEqual([expect.objectContaining({ ok: false, code: 'invalid' }), expect.objectContaining({ ok: false, code: 'invalid' })]);
  });
});
