import type { ServerOptions } from 'socket.io';

/**
 * Several server processes on one database: a Socket.IO adapter carries what one process must
 * tell the others (a change committed, close this user's or session's sockets). Redis
 * (redis-cluster.ts) and PostgreSQL (postgres-cluster.ts) both provide one.
 */
export interface Cluster {
  /** For `new Server(..., { adapter })`. */
  adapter: ServerOptions['adapter'];
  /** Whether a message to the other processes can go out now; while false it would only queue in memory or be lost. */
  connected(): boolean;
  /** Closes the cluster's connections; never throws, never waits for a server that is gone. */
  close(): Promise<void>;
}
