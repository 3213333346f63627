import type { Logger } from '../log';
import type { AuthService } from '../services/auth.service';
import type { WritePath } from '../write/group-commit';
import type { CommandAck } from '../../shared/events';
import { can } from '../../shared/permissions';
import { failure, toIssues } from '../../shared/protocol';
import { Command } from '../../shared/schemas/command.schema';
import { guardedHandler, liveSession } from './handler-support';
import type { WaymarkSocket } from './socket-server';

export interface CommandHandlerDeps {
  auth: AuthService;
  /** Applies commands in batches: one transaction, one commit, then publish, then the acks. */
  writes: WritePath;
  logger: Logger;
}

/** Handles `command`: parse, authorize, queue for the next group commit; acked once committed and published. */
export function registerCommandHandler(socket: WaymarkSocket, deps: CommandHandlerDeps): void {
  // A socket's commands reach the write path in the order they arrived, even when one of them
  // waits for a session read: a report and the edit right after it must not swap.
  let previous: Promise<unknown> = Promise.resolve();
  socket.on(
    'command',
    guardedHandler(
      socket,
      deps.logger,
      'command',
      (payload, reply: (ack: CommandAck) => void): Promise<CommandAck | undefined> => {
        const turn = previous.then(() => submit(payload, reply));
        previous = turn.catch(() => undefined);
        return turn;
      },
      socket.data.bucket,
    ),
  );

  async function submit(payload: unknown, reply: (ack: CommandAck) => void): Promise<CommandAck | undefined> {
    const session = await liveSession(socket, deps.auth);
    if (!session) return failure('unauthorized', 'your session has ended; sign in again');
    const parsed = Command.safeParse(payload);
    if (!parsed.success) return failure('invalid', 'not a valid command', toIssues(parsed.error));
    const audience = socket.data.audience;
    if (!can(audience.role, parsed.data.type)) return failure('forbidden', `your role may not ${parsed.data.type}`);
    // Answered once the batch has committed and published: a writer that has its ack knows every
    // room has been sent the change. The batch answers every command, refused or failed ones too.
    // The batch checks the session again, in its transaction (one read for all its commands):
    // a session ended or a user changed by another process is refused, and the socket closed.
    deps.writes.submit(
      { userId: session.userId, audience },
      parsed.data,
      (outcome) => {
        reply(outcome.ack);
        if (!outcome.ack.ok && outcome.ack.code === 'unauthorized') socket.disconnect(true);
      },
      socket.data.sessionId,
    );
    return undefined;
  }
}
