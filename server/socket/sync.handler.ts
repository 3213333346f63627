import type { Logger } from '../log';
import type { AuthService } from '../services/auth.service';
import type { SyncService } from '../services/sync.service';
import type { SyncAck } from '../../shared/events';
import { can } from '../../shared/permissions';
import { failure, toIssues } from '../../shared/protocol';
import { SyncRequest } from '../../shared/schemas/sync.schema';
import { guardedHandler, liveSession } from './handler-support';
import type { WaymarkSocket } from './socket-server';

export interface SyncHandlerDeps {
  auth: AuthService;
  sync: SyncService;
  logger: Logger;
}

/** Handles `sync`: a snapshot or the changes missed since a sequence number, projected for this connection. */
export function registerSyncHandler(socket: WaymarkSocket, deps: SyncHandlerDeps): void {
  socket.on(
    'sync',
    guardedHandler(socket, deps.logger, 'sync', (payload): SyncAck => {
      if (!liveSession(socket, deps.auth)) return failure('unauthorized', 'your session has ended; sign in again');
      const parsed = SyncRequest.safeParse(payload);
      if (!parsed.success) return failure('invalid', 'not a valid sync request', toIssues(parsed.error));
      const audience = socket.data.audience;
      if (!can(audience.role, 'group.read')) return failure('forbidden', 'your role does not read groups');
      return deps.sync.sync(audience, parsed.data.sinceSeq);
    }, socket.data.bucket),
  );
}
