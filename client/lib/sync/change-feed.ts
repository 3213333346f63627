import type { GroupView } from '../../../shared/schemas/group.schema';
import type { MovementView } from '../../../shared/schemas/movement.schema';
import type { ChangeEvent } from '../../../shared/schemas/sync.schema';
import type { Site } from '../../../shared/schemas/site.schema';
import { ChangeLog } from '../state/change-log';
import type { HeldView } from './held-view';

/**
 * The groups this user may see and the change-log position they reflect. Pure (no Svelte, no
 * socket) so the ordering rules can be tested alone:
 *
 * - a sync reply (snapshot or catch-up) is the base; live changes that arrive while it is in flight
 *   are buffered and applied after it, skipping those it already covers;
 * - in steady state, a change at or below the applied sequence number is stale and ignored. This
 *   relies on the server sending each connection its changes in sequence order, which it does with
 *   several server processes too (server/socket/change-publisher.ts); a gap could not be detected
 *   here anyway, since each audience receives only the sequence numbers it may see.
 *
 * Every method returns whether the groups changed, so the caller knows when to bump a revision.
 */
export class ChangeFeed {
  readonly groups = new Map<string, HeldView>();
  /** The crisis's sites (issue 20), as projected for this user. */
  readonly sites = new Map<string, Site>();
  /** The movements this user may see (issue 20), as projected for them; replaced by every snapshot that lists them. */
  readonly movements = new Map<string, MovementView>();
  /** Which groups changed since a reader last looked (see ChangeLog): every change to `groups` is written here. */
  readonly log = new ChangeLog();
  #lastAppliedSeq: number | null = null;
  #syncing = false;
  #buffer: ChangeEvent[] = [];
  /** Groups a removal took away since the last `takeRemoved` (see there). */
  #removed = new Set<string>();
  /** Groups a snapshot left out that were held before it, since the last `takeRemoved`. */
  #left = new Set<string>();

  /**
   * `onApplied` hears each change at the moment it is applied (never a stale or skipped one), so a
   * test can tell that a feed received every sequence number once; the app passes none.
   */
  constructor(private readonly onApplied?: (change: ChangeEvent) => void) {}

  get lastAppliedSeq(): number | null {
    return this.#lastAppliedSeq;
  }
  get syncing(): boolean {
    return this.#syncing;
  }

  /**
   * A sync request is about to go out (again, after a failed one): buffer live changes until its
   * reply is applied. Dropping what an earlier attempt buffered is safe: the reply covers every
   * change committed before the server read the request, and later ones arrive after the reply.
   */
  beginSync(): void {
    this.#syncing = true;
    this.#buffer = [];
  }

  /**
   * What the device must now forget (issue 21): `removed`, the groups a removal change took away
   * (an erasure's tombstone, or the group leaving this user's view); `left`, the groups held before
   * a snapshot that it no longer holds. Each call returns what happened since the previous one.
   */
  takeRemoved(): { removed: ReadonlySet<string>; left: ReadonlySet<string> } {
    const taken = { removed: this.#removed, left: this.#left };
    this.#removed = new Set();
    this.#left = new Set();
    return taken;
  }

  /** A snapshot replaces every group and every site. */
  applySnapshot(seq: number, groups: readonly HeldView[], sites: readonly Site[] = []): boolean {
    this.#replaceAll(groups);
    this.#replaceSites(sites);
    this.#lastAppliedSeq = seq;
    this.#endSync();
    return true;
  }

  /**
   * A snapshot a little behind the log (a packed one shared by many connections): it replaces
   * every group, but the sync is not over; live changes stay buffered until the catch-up from its
   * `seq` (the caller asks for it next) is applied.
   */
  applyBase(seq: number, groups: readonly HeldView[], sites: readonly Site[] = []): boolean {
    this.#replaceAll(groups);
    this.#replaceSites(sites);
    this.#lastAppliedSeq = seq;
    return true;
  }

  /** A catch-up applies each missed change in order, then the buffered live ones. */
  applyCatchUp(seq: number, changes: readonly ChangeEvent[]): boolean {
    let changed = false;
    for (const change of [...changes].sort((a, b) => a.seq - b.seq)) changed = this.#apply(change) || changed;
    this.#lastAppliedSeq = Math.max(this.#lastAppliedSeq ?? 0, seq);
    return this.#endSync() || changed;
  }

  /** A live change: buffered during a sync, ignored when stale, applied otherwise. */
  receive(change: ChangeEvent): boolean {
    if (this.#syncing) {
      this.#buffer.push(change);
      return false;
    }
    return this.#apply(change);
  }

  /**
   * The state a command's acknowledgement carries. It does not move the sequence number (changes
   * between ours and this one may still be on their way); a view never replaces a newer version.
   */
  applyAcknowledged(view: GroupView, seq: number): boolean {
    if (this.#lastAppliedSeq !== null && seq <= this.#lastAppliedSeq) return false;
    return this.#upsert(view);
  }

  /** A site a command's acknowledgement carries: as `applyAcknowledged`, a newer version held stays. */
  applyAcknowledgedSite(site: Site, seq: number): boolean {
    if (this.#lastAppliedSeq !== null && seq <= this.#lastAppliedSeq) return false;
    return this.#upsertSite(site);
  }

  /**
   * A group read on its own (its details): it replaces what is held unless that is a newer
   * version. It carries no sequence number, so it moves none.
   */
  applyRead(view: GroupView): boolean {
    return this.#upsert(view);
  }

  #replaceAll(groups: readonly HeldView[]): void {
    const before = new Set(this.groups.keys());
    this.groups.clear();
    this.log.resetAll();
    for (const view of groups) {
      this.groups.set(view.group.id, view);
      before.delete(view.group.id);
    }
    for (const id of before) this.#left.add(id);
  }

  /** Forgets everything (sign-out). */
  reset(): void {
    this.groups.clear();
    this.sites.clear();
    this.movements.clear();
    this.log.resetAll();
    this.#lastAppliedSeq = null;
    this.#syncing = false;
    this.#buffer = [];
    this.#removed = new Set();
    this.#left = new Set();
  }

  #endSync(): boolean {
    this.#syncing = false;
    const buffered = this.#buffer.sort((a, b) => a.seq - b.seq);
    this.#buffer = [];
    let changed = false;
    for (const change of buffered) changed = this.#apply(change) || changed;
    return changed;
  }

  #apply(change: ChangeEvent): boolean {
    if (this.#lastAppliedSeq !== null && change.seq <= this.#lastAppliedSeq) return false;
    this.#lastAppliedSeq = change.seq;
    this.onApplied?.(change);
    switch (change.kind) {
      case 'group.upsert':
        return this.#upsert(change.group);
      case 'group.remove':
        this.#removed.add(change.groupId);
        if (!this.groups.delete(change.groupId)) return false;
        this.log.touch(change.groupId);
        return true;
      case 'site.upsert':
        return this.#upsertSite(change.site);
      case 'movement.upsert': {
        const held = this.movements.get(change.movement.movement.id);
        if (held && held.movement.version > change.movement.movement.version) return false;
        this.movements.set(change.movement.movement.id, change.movement);
        return true;
      }
      case 'movement.remove':
        return this.movements.delete(change.movementId);
    }
  }

  #replaceSites(sites: readonly Site[]): void {
    this.sites.clear();
    for (const site of sites) this.sites.set(site.id, site);
  }

  #upsertSite(site: Site): boolean {
    const existing = this.sites.get(site.id);
    if (existing && existing.version > site.version) return false;
    this.sites.set(site.id, site);
    return true;
  }

  /** The movements a snapshot lists replace those held (a snapshot from a server without movements lists none: kept). */
  applyMovements(movements: readonly MovementView[] | undefined): boolean {
    if (movements === undefined) return false;
    this.movements.clear();
    for (const view of movements) this.movements.set(view.movement.id, view);
    return true;
  }

  /**
   * Only ever a view the server projected (a change, an answer, a read), never a summary: it replaces
   * a summary of the same version too, since it carries everything the summary left out.
   */
  #upsert(view: GroupView): boolean {
    const existing = this.groups.get(view.group.id);
    if (existing && existing.group.version > view.group.version) return false;
    this.groups.set(view.group.id, view);
    this.log.touch(view.group.id);
    return true;
  }
}
