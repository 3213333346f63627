import type { AuthService } from '../services/auth.service';
import type { ConnectionState } from '../repositories/session.repository';
import { describeError, type Logger } from '../log';
import type { WaymarkSocket } from './socket-server';

/** setTimeout's longest delay (about 24.8 days); a later deadline is re-armed when this one fires. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Closes each socket when its session ends by time: a timer per socket to the session's next
 * deadline (its absolute end, or its idle end), so it closes within milliseconds, not at the next
 * one-second sweep. When the timer fires the session is read again: another connection or request
 * may have touched it, and then the idle end moved and the timer is set again. Receiving changes is
 * not activity (an unattended screen is what the idle limit is for); what the person sends is:
 * REST requests, socket commands and sync requests, recorded at most once a minute (AuthService).
 * Each process closes its own sockets: expiry follows from the stored times every process reads,
 * so no message between processes is needed. The periodic sweep checks expiry too (`expired`), as
 * a backstop and for a clock a test moves by hand.
 */
export class SessionExpiry {
  readonly #auth: AuthService;
  readonly #now: () => number;
  readonly #logger: Logger;

  constructor(auth: AuthService, now: () => number, logger: Logger) {
    this.#auth = auth;
    this.#now = now;
    this.#logger = logger;
  }

  /** Arms the socket's timer; it is cleared when the socket disconnects. */
  watch(socket: WaymarkSocket): void {
    let timer: NodeJS.Timeout | undefined;
    const arm = () => {
      const delay = this.#auth.connectionDeadline(socket.data.session) - this.#now() + 1;
      timer = setTimeout(fire, Math.min(Math.max(0, delay), MAX_TIMER_MS));
      timer.unref();
    };
    const fire = () => {
      if (!socket.connected) return;
      this.#auth.liveConnections([socket.data.sessionId]).then(
        (states) => {
          if (!socket.connected) return;
          if (this.expired(socket, states.get(socket.data.sessionId))) socket.disconnect(true);
          else arm();
        },
        // Not re-armed: the periodic sweep closes it within a second.
        (error: unknown) => this.#logger.error('socket.expiry_failed', describeError(error)),
      );
    };
    arm();
    socket.once('disconnect', () => clearTimeout(timer));
  }

  /**
   * Whether the socket's session has ended by time, given its stored state (undefined: it no longer
   * exists). A newer stored last-seen time is kept on the socket first.
   */
  expired(socket: WaymarkSocket, state: ConnectionState | undefined): boolean {
    if (!state) return true;
    const known = socket.data.session;
    if (state.lastSeenAtMs > known.lastSeenAtMs) socket.data.session = { ...known, lastSeenAtMs: state.lastSeenAtMs };
    return this.#auth.connectionExpired(socket.data.session);
  }
}
