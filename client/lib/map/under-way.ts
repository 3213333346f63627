/**
 * The batches of groups on their way to one map's worker (GroupMap): how many, and how many groups
 * they draw. Two questions depend on them:
 * - the town names and boundaries wait until no batch is on its way (a big first batch would
 *   otherwise queue beside them in the worker);
 * - a first snapshot's points (`firstPoints`) may go only onto a map that neither has groups nor
 *   has groups on their way. A batch of no groups does not count: it is what a map sends before
 *   anything is held, and its reply can wait behind the page's busy main thread for seconds. When
 *   it held the points back, the points went only after the whole decode, and the worker then
 *   clustered 100,000 groups on the critical path (the cold start took 9.6-10.4 s instead of
 *   7.8-8.0 s, 2026-12-07).
 * One per map: a map made anew starts from none, and a batch of the old one arriving later changes
 * nothing here.
 */
export class BatchesUnderWay {
  #batches = 0;
  #groups = 0;

  /** Whether any batch is on its way. */
  get any(): boolean {
    return this.#batches > 0;
  }

  /** Whether a batch on its way draws groups. */
  get drawsGroups(): boolean {
    return this.#groups > 0;
  }

  /** A batch drawing `groups` groups sets off; call what is returned when it arrives or fails (once counts). */
  depart(groups: number): () => void {
    this.#batches++;
    this.#groups += groups;
    let arrived = false;
    return () => {
      if (arrived) return;
      arrived = true;
      this.#batches--;
      this.#groups -= groups;
    };
  }
}
