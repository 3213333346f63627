/**
 * The boundary version the server last announced for this crisis (`boundariesChanged`, after an
 * admin loaded boundaries). The socket and the map are mounted apart (the sync client by the app,
 * the map by the workspace): this carries the notice between them, and the map fetches and draws
 * the boundaries again when it moves. `seq` makes each notice a new one, even for the same version.
 */
class BoundaryNotice {
  latest = $state.raw<{ version: number; seq: number } | null>(null);
  #seq = 0;

  announced(version: number): void {
    this.latest = { version, seq: ++this.#seq };
  }
}

export const boundaryNotice = new BoundaryNotice();
