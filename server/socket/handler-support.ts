import type { ActiveSession, AuthService } from '../services/auth.service';
import { describeError, type Logger } from '../log';
import { failure, type Failure } from '../../shared/protocol';
import type { WaymarkSocket } from './socket-server';

/**
 * The connection's session if it is still valid and its user still is who the rooms were computed
 * for; otherwise the socket is closed (the client signs in again and gets fresh rooms) and null.
 */
export function liveSession(socket: WaymarkSocket, auth: AuthService): ActiveSession | null {
  const session = auth.resolveSession(socket.data.sessionId);
  const audience = socket.data.audience;
  const fresh = session ? auth.audienceOf(session.user) : null;
  if (
    !session ||
    !fresh ||
    fresh.role !== audience.role ||
    fresh.crisisId !== audience.crisisId ||
    fresh.agencyId !== audience.agencyId ||
    fresh.servesState !== audience.servesState
  ) {
    socket.disconnect(true);
    return null;
  }
  return session;
}

/**
 * Runs an event handler so that nothing a client sends can crash the server. Socket.IO passes the
 * ack as the last argument; without one the event is dropped (its sender could never learn the
 * result, and a real client's outbox resends with an ack). Anything but exactly one payload is
 * `invalid`, and any exception becomes the named `internal` answer, logged with the error's class
 * but never the payload. With a `limiter`, an event over the connection's rate is answered
 * `rate_limited` before anything else is done with it. A handler that answers later (work off the
 * event loop) returns undefined and calls `reply` itself, once, catching its own failures.
 */
export function guardedHandler<R>(
  socket: Pick<WaymarkSocket, 'id'>,
  logger: Logger,
  event: string,
  handle: (payload: unknown, reply: (result: R | Failure) => void) => R | Failure | undefined,
  limiter?: { take(): boolean },
): (...args: unknown[]) => void {
  return (...args) => {
    const ack = args[args.length - 1];
    if (typeof ack !== 'function') {
      logger.warn('socket.event_without_ack', { event, socketId: socket.id });
      return;
    }
    if (limiter && !limiter.take()) {
      ack(failure('rate_limited', 'too many requests on this connection; slow down and retry'));
      return;
    }
    let result: R | Failure | undefined;
    try {
      result = args.length === 2 ? handle(args[0], ack as (result: R | Failure) => void) : failure('invalid', `${event} takes exactly one payload and an ack`);
    } catch (error) {
      logger.error('socket.handler_failed', { event, socketId: socket.id, ...describeError(error) });
      result = failure('internal', 'the server could not handle this request; it was not applied');
    }
    if (result !== undefined) ack(result);
  };
}
