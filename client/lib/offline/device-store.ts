import type { ClientConfig, SessionInfo } from '../../../shared/schemas/api.schema';
import type { GroupView } from '../../../shared/schemas/group.schema';
import type { Site } from '../../../shared/schemas/site.schema';
import type { OutboxEntry } from '../sync/outbox.svelte';

// What the device keeps between visits, in IndexedDB (a tiny promise wrapper here rather than the
// `idb` package: four operations do not justify a dependency). Two stores:
// - `outbox`: one record per command (keyed by its id), so saving a report rewrites nothing else
//   and a crash mid-write loses at most the record being written, never the others;
// - `cache`: the last session, configuration and groups seen, so the app can start with no
//   connection. Everything here is the signed-in person's and is deleted at sign-out.
// Only plain objects go in (structured clone cannot copy Svelte's $state proxies).

const DB_NAME = 'waymark-device';
const DB_VERSION = 1;
const OUTBOX = 'outbox';
const CACHE = 'cache';
const SESSION_KEY = 'session';
const GROUPS_KEY = 'groups';

/** One outbox record: the entry and whose it is. */
interface OutboxRecord {
  commandId: string;
  userId: string;
  entry: OutboxEntry;
}

/** The session and configuration of the last sign-in on this device. */
export interface CachedSession {
  session: SessionInfo;
  config: ClientConfig;
}

/**
 * Which projection a device copy was made under. 2: protection rule 11 (a field phone holds in full
 * only its user's own and followed-up groups). 3: rule 9 (an embassy holds only its nationals' part
 * of a group). A copy made under an older projection may hold what its user may no longer hold, and
 * a catch-up from its seq would never take back a group that has not changed since: such a copy is
 * deleted unread.
 */
export const DEVICE_COPY_PROJECTION = 3;

/** The last groups this user saw and the change-log position they reflect. */
export interface CachedGroups {
  /** DEVICE_COPY_PROJECTION when it was saved; any other copy is deleted unread. */
  projection?: number;
  userId: string;
  seq: number;
  /** The projection the groups came under (`projectionKey`), sent back at the next sync. */
  audience?: string;
  groups: GroupView[];
  /** The crisis's sites (issue 20): a field team reports a site offline from this copy. */
  sites?: Site[];
  /**
   * For a big crisis, instead of `groups` (writing 100,000 objects blocks the page for a second):
   * the packed snapshot as the server sent it, at `seq`; the next sync catches up from there.
   */
  packed?: ArrayBuffer | Uint8Array;
}

const request = <T>(req: IDBRequest<T>): Promise<T> =>
  new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB request failed'));
  });

const done = (tx: IDBTransaction): Promise<void> =>
  new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onabort = tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'));
  });

/** The device's own storage. Every method resolves once the data is committed to disk. */
export class DeviceStore {
  #db: Promise<IDBDatabase> | null = null;

  /** True where IndexedDB exists (not in Node, not in some private modes). */
  static available(): boolean {
    return typeof indexedDB !== 'undefined';
  }

  #open(): Promise<IDBDatabase> {
    this.#db ??= new Promise((resolve, reject) => {
      const req = indexedDB.open(DB_NAME, DB_VERSION);
      req.onupgradeneeded = () => {
        const db = req.result;
        if (!db.objectStoreNames.contains(OUTBOX)) db.createObjectStore(OUTBOX, { keyPath: 'commandId' });
        if (!db.objectStoreNames.contains(CACHE)) db.createObjectStore(CACHE);
      };
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error ?? new Error('IndexedDB open failed'));
    });
    return this.#db;
  }

  async #write(store: string, action: (s: IDBObjectStore) => void): Promise<void> {
    const tx = (await this.#open()).transaction(store, 'readwrite', { durability: 'strict' });
    action(tx.objectStore(store));
    await done(tx);
  }

  async #read<T>(store: string, action: (s: IDBObjectStore) => IDBRequest<T>): Promise<T> {
    const tx = (await this.#open()).transaction(store, 'readonly');
    return request(action(tx.objectStore(store)));
  }

  /** Every outbox entry of this user, oldest first (command ids are UUIDv7: time-ordered). */
  async loadOutbox(userId: string): Promise<OutboxEntry[]> {
    const all = (await this.#read(OUTBOX, (s) => s.getAll())) as OutboxRecord[];
    return all
      .filter((r) => r.userId === userId)
      .sort((a, b) => (a.commandId < b.commandId ? -1 : a.commandId > b.commandId ? 1 : 0))
      .map((r) => r.entry);
  }

  putEntry(userId: string, entry: OutboxEntry): Promise<void> {
    const record: OutboxRecord = { commandId: entry.command.commandId, userId, entry };
    return this.#write(OUTBOX, (s) => s.put(record));
  }

  deleteEntry(commandId: string): Promise<void> {
    return this.#write(OUTBOX, (s) => s.delete(commandId));
  }

  saveSession(value: CachedSession): Promise<void> {
    return this.#write(CACHE, (s) => s.put(value, SESSION_KEY));
  }

  async loadSession(): Promise<CachedSession | null> {
    return ((await this.#read(CACHE, (s) => s.get(SESSION_KEY))) as CachedSession | undefined) ?? null;
  }

  saveGroups(value: CachedGroups): Promise<void> {
    return this.#write(CACHE, (s) => s.put({ ...value, projection: DEVICE_COPY_PROJECTION }, GROUPS_KEY));
  }

  /** Deletes the last groups (a copy this version must not show), keeping the outbox and session. */
  forgetGroups(): Promise<void> {
    return this.#write(CACHE, (s) => s.delete(GROUPS_KEY));
  }

  async loadGroups(userId: string): Promise<CachedGroups | null> {
    const value = (await this.#read(CACHE, (s) => s.get(GROUPS_KEY))) as CachedGroups | undefined;
    return value && value.userId === userId ? value : null;
  }

  /** Sign-out: nothing of this person stays on the device. */
  async clear(): Promise<void> {
    const tx = (await this.#open()).transaction([OUTBOX, CACHE], 'readwrite', { durability: 'strict' });
    tx.objectStore(OUTBOX).clear();
    tx.objectStore(CACHE).clear();
    await done(tx);
  }
}
