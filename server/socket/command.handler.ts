import type { Logger } from '../log';
import type { AuthService } from '../services/auth.service';
import type { GroupService } from '../services/group.service';
import type { CommandAck } from '../../shared/events';
import { can } from '../../shared/permissions';
import { failure, toIssues } from '../../shared/protocol';
import { Command } from '../../shared/schemas/command.schema';
import type { ChangePublisher } from './change-publisher';
import { guardedHandler, liveSession } from './handler-support';
import type { WaymarkSocket } from './socket-server';

export interface CommandHandlerDeps {
  auth: AuthService;
  groups: GroupService;
  publisher: ChangePublisher;
  logger: Logger;
}

/** Handles `command`: parse, authorize, apply, then (after commit) publish and ack. */
export function registerCommandHandler(socket: WaymarkSocket, deps: CommandHandlerDeps): void {
  socket.on(
    'command',
    guardedHandler(socket, deps.logger, 'command', (payload): CommandAck => {
      const session = liveSession(socket, deps.auth);
      if (!session) return failure('unauthorized', 'your session has ended; sign in again');
      const parsed = Command.safeParse(payload);
      if (!parsed.success) return failure('invalid', 'not a valid command', toIssues(parsed.error));
      const audience = socket.data.audience;
      if (!can(audience.role, parsed.data.type)) return failure('forbidden', `your role may not ${parsed.data.type}`);
      const outcome = deps.groups.execute({ userId: session.user.id, audience }, parsed.data);
      // Publish before acking: a writer that has its ack knows every room has been sent the change.
      for (const change of outcome.committed) deps.publisher.publish(change);
      return outcome.ack;
    }, socket.data.bucket),
  );
}
