import type { AuthService } from '../services/auth.service';
import { describeError, type Logger } from '../log';
import { failure, type Failure } from '../../shared/protocol';
import type { WaymarkSocket } from './socket-server';

/**
 * Whether the connection may still act, and as which user; otherwise the socket is closed (the
 * client signs in again and gets fresh rooms) and null.
 *
 * The session is not read here for every command: it was checked at the handshake; a command's
 * group commit reads the sessions of all its commands in one query inside its transaction (see
 * GroupCommit); the periodic sweep checks every connection's session and user (one read for all,
 * closing within a second the sockets of a session ended by another process); and ending a session
 * or changing a user in this process closes its sockets at once through the `session:`/`user:`
 * rooms. Here only what the connection knows is judged (the absolute limit, the idle clock); the
 * session is read again, and touched, when its last-seen time is due for refreshing, so at most
 * once a minute per connection.
 */
export async function liveSession(socket: WaymarkSocket, auth: AuthService): Promise<{ userId: string } | null> {
  if (!socket.connected) return null;
  const known = socket.data.session;
  if (auth.knownStillFresh(known)) return { userId: socket.data.audience.userId };
  const session = await auth.resolveSession(socket.data.sessionId);
  const audience = socket.data.audience;
  const fresh = session ? await auth.audienceOf(session.user) : null;
  if (
    !session ||
    !fresh ||
    fresh.userId !== audience.userId ||
    fresh.role !== audience.role ||
    fresh.crisisId !== audience.crisisId ||
    fresh.agencyId !== audience.agencyId ||
    fresh.servesState !== audience.servesState
  ) {
    socket.disconnect(true);
    return null;
  }
  socket.data.session = { createdAtMs: session.createdAtMs, lastSeenAtMs: session.lastSeenAtMs };
  return { userId: session.user.id };
}

/**
 * Runs an event handler so that nothing a client sends can crash the server. Socket.IO passes the
 * ack as the last argument; without one the event is dropped (its sender could never learn the
 * result, and a real client's outbox resends with an ack). Anything but exactly one payload is
 * `invalid`, and any exception becomes the named `internal` answer, logged with the error's class
 * but never the payload. With a `limiter`, an event over the connection's rate is answered
 * `rate_limited` before anything else is done with it. A handler may answer with a promise (it
 * reads the database); one that answers some other way returns undefined and calls `reply` itself,
 * once, catching its own failures.
 */
export function guardedHandler<R>(
  socket: Pick<WaymarkSocket, 'id'>,
  logger: Logger,
  event: string,
  handle: (payload: unknown, reply: (result: R | Failure) => void) => R | Failure | undefined | Promise<R | Failure | undefined>,
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
    const failed = (error: unknown) => {
      logger.error('socket.handler_failed', { event, socketId: socket.id, ...describeError(error) });
      return failure('internal', 'the server could not handle this request; it was not applied');
    };
    let result: R | Failure | undefined | Promise<R | Failure | undefined>;
    try {
      result = args.length === 2 ? handle(args[0], ack as (result: R | Failure) => void) : failure('invalid', `${event} takes exactly one payload and an ack`);
    } catch (error) {
      result = failed(error);
    }
    if (result instanceof Promise) {
      result.then(
        (answer) => {
          if (answer !== undefined) ack(answer);
        },
        (error: unknown) => ack(failed(error)),
      );
    } else if (result !== undefined) ack(result);
  };
}
