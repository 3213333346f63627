/**
 * One write per socket per group commit.
 *
 * A commit sends each socket that sees it a live batch (`changesPacked` is two WebSocket frames:
 * Socket.IO's header and the binary attachment) and, to each writer, its ack. Left to itself,
 * engine.io writes each frame to the kernel as it comes, and once a write is under way it holds
 * back the socket's next packets until that write's callback (the next tick), so a commit cost each
 * of the 200 field sockets of the ingest bench three `writev` calls: a fifth of the server's time.
 *
 * While `run` runs, engine.io's flush of each socket is held back (its packets wait in engine.io's
 * own write buffer, in order, as they do whenever a write is under way); when it returns, each
 * socket that was given something is flushed once with its TCP socket corked, so all its frames
 * leave in one `writev`. Every flush of an attached socket is corked the same way, so the packets
 * a socket gathers while a write is under way also leave together.
 *
 * It reaches into engine.io's socket (`flush`, `transport.socket._socket`, the `ws` connection's
 * TCP socket). Where those are not there (another transport, another engine.io), it does nothing:
 * the packets go as engine.io sends them, only in more writes.
 */
export class OutputHold {
  #depth = 0;
  readonly #held = new Set<EngineSocket>();
  readonly #onError: (error: unknown) => void;

  /** @param onError told of a held socket whose flush threw; the other sockets are still flushed. */
  constructor(onError: (error: unknown) => void) {
    this.#onError = onError;
  }

  /** Holds and corks the sockets this engine.io server accepts from now on (`io.engine`). */
  attach(engine: { on(event: 'connection', listener: (socket: EngineSocket) => void): unknown }): void {
    engine.on('connection', (socket) => this.#wrap(socket));
  }

  /** Runs `work` (publish, answer), then flushes each socket it wrote to once. */
  run(work: () => void): void {
    this.#depth += 1;
    try {
      work();
    } finally {
      this.#depth -= 1;
      if (this.#depth === 0) this.#release();
    }
  }

  #wrap(socket: EngineSocket): void {
    const flush = socket.flush;
    if (typeof flush !== 'function') return;
    socket.flush = () => {
      if (this.#depth > 0) this.#held.add(socket);
      else corked(socket, flush);
    };
  }

  #release(): void {
    if (this.#held.size === 0) return;
    const held = [...this.#held];
    this.#held.clear();
    for (const socket of held) {
      try {
        socket.flush();
      } catch (error) {
        // Engine.io would have thrown this into the publish or the answer it came from; here it
        // would strand the sockets after it, and end the commit's flush after its commit.
        this.#onError(error);
      }
    }
  }
}

/** The parts of engine.io's socket this reaches. */
export interface EngineSocket {
  flush: () => void;
  transport?: { socket?: { _socket?: { cork?: () => void; uncork?: () => void } } };
}

function corked(socket: EngineSocket, flush: () => void): void {
  const tcp = socket.transport?.socket?._socket;
  if (typeof tcp?.cork !== 'function' || typeof tcp.uncork !== 'function') return flush.call(socket);
  tcp.cork();
  try {
    flush.call(socket);
  } finally {
    tcp.uncork();
  }
}
