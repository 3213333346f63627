import { describeError, type Logger } from '../log';
import type { AuthService } from '../services/auth.service';
import type { SyncService } from '../services/sync.service';
import type { SyncAck } from '../../shared/events';
import { can } from '../../shared/permissions';
import { projectionKey } from '../../shared/projection';
import { failure, toIssues } from '../../shared/protocol';
import { SyncRequest } from '../../shared/schemas/sync.schema';
import { guardedHandler, liveSession } from './handler-support';
import type { WaymarkSocket } from './socket-server';

export interface SyncHandlerDeps {
  auth: AuthService;
  sync: SyncService;
  logger: Logger;
}

/**
 * Handles `sync`: a snapshot or the changes missed since a sequence number, projected for this connection.
 * A packed snapshot of a big crisis can take longer than the client waits for it; the client then
 * asks again. Only the connection's newest ask is answered with the snapshot: an older one, given
 * up on, gets a short refusal instead of megabytes no one reads.
 */
export function registerSyncHandler(socket: WaymarkSocket, deps: SyncHandlerDeps): void {
  let asks = 0;
  socket.on(
    'sync',
    guardedHandler(
      socket,
      deps.logger,
      'sync',
      async (payload, reply: (result: SyncAck) => void): Promise<SyncAck | undefined> => {
        if (!(await liveSession(socket, deps.auth))) return failure('unauthorized', 'your session has ended; sign in again');
        const parsed = SyncRequest.safeParse(payload);
        if (!parsed.success) return failure('invalid', 'not a valid sync request', toIssues(parsed.error));
        const audience = socket.data.audience;
        if (!can(audience.role, 'group.read')) return failure('forbidden', 'your role does not read groups');
        // A position taken under another projection (the user's scope changed) is no position now:
        // a snapshot replaces everything the device held under the old one.
        const projection = projectionKey(audience);
        const request = parsed.data;
        const sinceSeq = request.projection !== undefined && request.projection !== projection ? null : request.sinceSeq;
        const stamp = (ack: SyncAck): SyncAck => (ack.ok ? { ...ack, projection } : ack);
        if (!request.packed) return stamp(await deps.sync.sync(audience, sinceSeq));
        // A packed snapshot is compressed off the event loop: answered when ready.
        const ask = ++asks;
        deps.sync.syncPacked(audience, sinceSeq).then(
          (ack) => reply(ask === asks ? stamp(ack) : failure('conflict', 'a newer sync request from this connection replaced this one')),
          (error: unknown) => {
            deps.logger.error('socket.handler_failed', { event: 'sync', socketId: socket.id, ...describeError(error) });
            reply(failure('internal', 'the server could not handle this request; it was not applied'));
          },
        );
        return undefined;
      },
      socket.data.bucket,
    ),
  );
}
