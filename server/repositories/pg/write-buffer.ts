import { GROUP_SUMMARY_FORMAT } from '../../../shared/packed-views';
import type { Group } from '../../../shared/schemas/group.schema';
import { GROUP_DATA_FORMAT, summaryJson } from '../group.repository';
import type { AuditEntry } from '../audit.repository';
import type { ChangeKind } from '../change-log.repository';
import type { IdempotencyRecord } from '../idempotency.repository';

/** What one flush sends: the rows a batch wrote since the last flush, as column arrays. */
export interface Flush {
  text: string;
  values: unknown[];
  /** How many group rows the UPDATE part must change (its version guard may find fewer). */
  updates: number;
}

/** A stored row as the transaction knows it: its version (for the guard) and its JSON (parsed on each read, as a read from the database would be). */
export interface KnownGroup {
  version: number;
  json: string;
}

interface GroupWrite {
  /** Whether the row is new in this transaction (INSERT) or was stored before it (UPDATE). */
  kind: 'insert' | 'update';
  /** For an update: the stored version the row must still have (the version guard). */
  base: number;
  group: Group;
  json: string;
}

interface LoggedChange {
  seq: number;
  /** 'group', or 'site' (issue 20): both take their numbers from this buffer. */
  entity: 'group' | 'site';
  crisisId: string;
  entityId: string;
  kind: ChangeKind;
  data: string;
  actor: string | null;
  at: string;
}

interface AppliedCommand {
  commandId: string;
  userId: string;
  firstSeq: number;
  lastSeq: number;
  at: string;
}

/** A nested transaction (the savepoint a command runs in), held in memory. */
interface Scope {
  /** Where the undo log stood when the scope began. */
  mark: number;
  /** A statement reached the database inside this scope: rolling it back in memory alone would be wrong. */
  touched: boolean;
}

/**
 * A batch transaction's writes to the group tables, held until one statement sends them all.
 *
 * Why: on PostgreSQL every statement is a round trip, and a report is eight of them (savepoint,
 * idempotency lookup, group lookup, group row, change-log row, audit row, idempotency record,
 * release) under the one write lock. The group-commit batch instead writes every row of every
 * command in one statement at COMMIT, and answers the lookups from what it read up front (the
 * prefetch) and what it wrote itself. Nothing is acknowledged before that statement and COMMIT
 * succeed, so durability is unchanged; what changes is only when the rows travel.
 *
 * The rules that keep it equal to the plain transaction:
 * - Point lookups (a group by id, a command id) are answered from here when this transaction
 *   knows the row (prefetched or written); otherwise the database answers, which is right because
 *   nothing pending touches that row.
 * - Any other statement on a table held here first flushes what is pending (`mustFlushFor`), so SQL
 *   always sees the transaction's own writes.
 * - A nested transaction is a mark in an undo log, rolled back in memory. If a statement reached
 *   the database inside it (a flush, an unbuffered statement), memory alone cannot undo it: the
 *   buffer is poisoned and the store runs the whole batch again as a plain transaction.
 * - Sequence numbers are handed out here, from the head read once under the write lock, and
 *   written back with the rows, so the log stays gap-free and a rolled-back command gives its
 *   numbers back.
 */
export class WriteBuffer {
  /** Rows this transaction knows: from the prefetch (null = not stored) or its own writes. */
  readonly #groups = new Map<string, KnownGroup | null>();
  readonly #records = new Map<string, IdempotencyRecord | null>();
  /** The JSON logged at each seq this transaction wrote (an idempotency record's ack points there). */
  readonly #logged = new Map<number, string>();

  #pendingGroups = new Map<string, GroupWrite>();
  #changes: LoggedChange[] = [];
  #audits: AuditEntry[] = [];
  #applied: AppliedCommand[] = [];
  /** The last sequence number handed out; null until read from change_head. */
  #head: number | null = null;
  #headMoved = false;

  #undo: (() => void)[] = [];
  readonly #scopes: Scope[] = [];
  /** Why the batch must run again as a plain transaction, once something made it so. */
  poisoned: Error | null = null;
  /**
   * Values read under the write lock that no command of a batch changes (a crisis's boundary
   * version), so a repository reads each once per batch instead of once per command.
   */
  readonly facts = new Map<string, unknown>();

  // --- what the transaction knows --------------------------------------------------------------

  /** A group row as this transaction knows it: the row, null (known absent), or undefined (ask the database). */
  knownGroup(id: string): KnownGroup | null | undefined {
    return this.#groups.get(id);
  }

  knownRecord(commandId: string): IdempotencyRecord | null | undefined {
    return this.#records.get(commandId);
  }

  /** Records what the prefetch read (facts under the write lock, so not undone). */
  learnGroup(id: string, row: KnownGroup | null): void {
    if (!this.#groups.has(id)) this.#groups.set(id, row);
  }

  learnRecord(commandId: string, record: IdempotencyRecord | null): void {
    if (!this.#records.has(commandId)) this.#records.set(commandId, record);
  }

  get hasHead(): boolean {
    return this.#head !== null;
  }

  learnHead(seq: number): void {
    this.#head ??= seq;
  }

  // --- writes ------------------------------------------------------------------------------------

  insertGroup(group: Group, json: string): void {
    // The same refusal the primary key would give, before anything is sent.
    if (this.#groups.get(group.id)) throw new Error(`group ${group.id} is already stored`);
    this.#setGroup(group, json, { kind: 'insert', base: 0, group, json });
  }

  updateGroup(group: Group, json: string): void {
    const known = this.#groups.get(group.id);
    // As the plain UPDATE's version guard: a lost update is refused, never written.
    if (known === null || (known && known.version !== group.version - 1)) {
      throw new Error(`group update lost a race (expected version ${group.version - 1})`);
    }
    const pending = this.#pendingGroups.get(group.id);
    this.#setGroup(group, json, pending ? { ...pending, group, json } : { kind: 'update', base: group.version - 1, group, json });
  }

  #setGroup(group: Group, json: string, write: GroupWrite): void {
    this.#remember(this.#groups, group.id);
    this.#remember(this.#pendingGroups, group.id);
    this.#groups.set(group.id, { version: group.version, json });
    this.#pendingGroups.set(group.id, write);
  }

  /** Hands out the next sequence number for a change (the head must have been read). */
  appendChange(
    kind: ChangeKind,
    record: { crisisId: string; id: string },
    actor: string | null,
    at: string,
    json: string,
    entity: 'group' | 'site' = 'group',
  ): number {
    if (this.#head === null) throw new Error('the change head was not read before appending');
    const before = { head: this.#head, moved: this.#headMoved };
    const seq = before.head + 1;
    this.#head = seq;
    this.#headMoved = true;
    this.#changes.push({ seq, entity, crisisId: record.crisisId, entityId: record.id, kind, data: json, actor, at });
    this.#logged.set(seq, json);
    const changes = this.#changes;
    this.#undo.push(() => {
      this.#head = before.head;
      this.#headMoved = before.moved;
      changes.pop();
      this.#logged.delete(seq);
    });
    return seq;
  }

  appendAudit(entry: AuditEntry): void {
    const audits = this.#audits;
    audits.push(entry);
    this.#undo.push(() => void audits.pop());
  }

  recordCommand(command: AppliedCommand): void {
    if (this.#records.get(command.commandId)) throw new Error(`command ${command.commandId} is already recorded`);
    const logged = this.#logged.get(command.firstSeq);
    // The record as the database's lookup would return it (idempotency.repository.ts).
    const record: IdempotencyRecord = {
      commandId: command.commandId,
      userId: command.userId,
      result: { ok: true, seq: command.lastSeq, group: logged === undefined ? null : JSON.parse(logged) },
      at: command.at,
    };
    this.#remember(this.#records, command.commandId);
    this.#records.set(command.commandId, record);
    const applied = this.#applied;
    applied.push(command);
    this.#undo.push(() => void applied.pop());
  }

  /** Pushes an undo step that puts `map`'s entry for `key` back as it is now. */
  #remember<V>(map: Map<string, V>, key: string): void {
    const had = map.has(key);
    const previous = map.get(key);
    this.#undo.push(() => {
      if (had) map.set(key, previous as V);
      else map.delete(key);
    });
  }

  // --- nested transactions -----------------------------------------------------------------------

  begin(): void {
    this.#scopes.push({ mark: this.#undo.length, touched: false });
  }

  release(): void {
    this.#scopes.pop();
  }

  rollback(): void {
    const scope = this.#scopes.pop();
    if (!scope) return;
    if (scope.touched) {
      this.poisoned ??= new Error('a nested transaction that reached the database rolled back');
      return;
    }
    while (this.#undo.length > scope.mark) this.#undo.pop()?.();
  }

  /** A statement is about to reach the database: an open scope can no longer be undone in memory. */
  touch(): void {
    for (const scope of this.#scopes) scope.touched = true;
  }

  // --- flushing ----------------------------------------------------------------------------------

  get pending(): boolean {
    return this.#pendingGroups.size > 0 || this.#changes.length > 0 || this.#audits.length > 0 || this.#applied.length > 0 || this.#headMoved;
  }

  /**
   * The one statement that writes everything pending, and forgets it (the rows are then the
   * database's; what this transaction knows stays known). Null when nothing is pending.
   */
  takeFlush(): Flush | null {
    if (!this.pending) return null;
    const parts: string[] = [];
    const values: unknown[] = [];
    const param = (value: unknown, type: string): string => {
      values.push(value);
      return `$${values.length}::${type}`;
    };
    /** One column of rows as an array parameter, for unnest. */
    const col = <T>(rows: readonly T[], type: string, pick: (row: T) => unknown): string => param(rows.map(pick), type);
    /**
     * A column of JSON documents, for unnest: one text parameter with the documents joined by a
     * character JSON.stringify never writes as itself (it escapes every control character), split
     * again by PostgreSQL; a null (a change whose document is its group's, below) is an empty field,
     * which no document is. As a text[] parameter, pg wrote each document into an array literal,
     * escaping its every quote: for a batch of 200 reports (0.9 MB) that took 3 to 70 ms of this
     * process's event loop, under the write lock. A column with the separator in it anyway goes as
     * text[].
     */
    let separator: string | null = null;
    const docs = <T>(rows: readonly T[], pick: (row: T, i: number) => string | null): string => {
      const texts = rows.map(pick);
      // (All null: string_to_array would make an empty array of an empty text, not one of nulls.)
      if (texts.every((t) => t === null) || texts.some((t) => t !== null && t.includes(DOCUMENT_SEPARATOR))) return param(texts, 'text[]');
      separator ??= param(DOCUMENT_SEPARATOR, 'text');
      return `string_to_array(${param(texts.map((t) => t ?? '').join(DOCUMENT_SEPARATOR), 'text')}, ${separator}, '')`;
    };
    const inserts: GroupWrite[] = [];
    const updates: GroupWrite[] = [];
    for (const w of this.#pendingGroups.values()) (w.kind === 'insert' ? inserts : updates).push(w);
    // Every group document once, inserts' then updates' (`gd`): the rows take theirs by position,
    // and so does each change that logs its group's final document of the batch (most do: a report,
    // an edit), which would otherwise send the same 1-2 KB again, a third of the statement's bytes.
    const written = [...inserts, ...updates];
    const position = new Map(written.map((w, i) => [w.group.id, i + 1]));
    if (written.length > 0) parts.push(`gd AS (SELECT ${docs(written, (w) => w.json)} AS a)`);
    /** The rows' places in `gd`, from `first`. */
    const positions = (list: readonly GroupWrite[], first: number) =>
      param(
        Array.from(list, (_, i) => first + i),
        'int[]',
      );
    const groupColumns = (list: GroupWrite[], first: number) =>
      [
        col(list, 'text[]', (w) => w.group.id),
        col(list, 'text[]', (w) => w.group.crisisId),
        col(list, 'int[]', (w) => w.group.version),
        col(list, 'text[]', (w) => w.group.status),
        col(list, 'float8[]', (w) => w.group.location.lat),
        col(list, 'float8[]', (w) => w.group.location.lon),
        col(list, 'text[]', (w) => w.group.updatedAt),
        positions(list, first),
        docs(list, (w) => summaryJson(w.group)),
        col(list, 'text[]', (w) => w.group.location.siteId),
      ].join(', ');
    const GROUP_FIELDS = 'id, crisis_id, version, status, lat, lon, updated_at, doc, summary, site_id';
    if (inserts.length > 0) {
      // unnest yields rows in array order, so report_order follows the order of the reports.
      parts.push(
        `g_new AS (INSERT INTO groups (id, crisis_id, version, status, lat, lon, updated_at, data, summary, site_id, summary_format)
           SELECT u.id, u.crisis_id, u.version, u.status, u.lat, u.lon, u.updated_at, (SELECT a FROM gd)[u.doc], u.summary, u.site_id,
                  ${param(GROUP_SUMMARY_FORMAT, 'int')}
           FROM unnest(${groupColumns(inserts, 1)}) AS u(${GROUP_FIELDS}))`,
      );
    }
    if (updates.length > 0) {
      const columns = groupColumns(updates, inserts.length + 1);
      const bases = col(updates, 'int[]', (w) => w.base);
      parts.push(
        `g_upd AS (UPDATE groups g SET version = u.version, status = u.status, lat = u.lat, lon = u.lon, updated_at = u.updated_at,
                  data = (SELECT a FROM gd)[u.doc], summary = u.summary, site_id = u.site_id, summary_format = ${param(GROUP_SUMMARY_FORMAT, 'int')}
           FROM unnest(${columns}, ${bases}) AS u(${GROUP_FIELDS}, base)
          WHERE g.id = u.id AND g.version = u.base RETURNING 1)`,
      );
    }
    if (this.#changes.length > 0) {
      const c = this.#changes;
      // The position of the group document a change logs as it is, or null: its own document goes.
      const sameAs = c.map((x) => {
        const at = x.entity === 'group' ? position.get(x.entityId) : undefined;
        return at !== undefined && written[at - 1]!.json === x.data ? at : null;
      });
      const data = sameAs.some((at) => at !== null) ? 'COALESCE(data, (SELECT a FROM gd)[doc])' : 'data';
      parts.push(
        `c_new AS (INSERT INTO change_log (seq, crisis_id, entity, entity_id, kind, data, data_format, actor, at)
           SELECT seq, crisis_id, entity, entity_id, kind, ${data}, CASE WHEN entity = 'group' THEN ${GROUP_DATA_FORMAT} END, actor, at FROM unnest(${[
             col(c, 'bigint[]', (x) => x.seq),
             col(c, 'text[]', (x) => x.crisisId),
             col(c, 'text[]', (x) => x.entity),
             col(c, 'text[]', (x) => x.entityId),
             col(c, 'text[]', (x) => x.kind),
             docs(c, (x, i) => (sameAs[i] === null ? x.data : null)),
             param(sameAs, 'int[]'),
             col(c, 'text[]', (x) => x.actor),
             col(c, 'text[]', (x) => x.at),
           ].join(', ')}) AS r(seq, crisis_id, entity, entity_id, kind, data, doc, actor, at))`,
      );
    }
    if (this.#audits.length > 0) {
      const a = this.#audits;
      const column = (pick: (e: AuditEntry) => string | null) => col(a, 'text[]', pick);
      parts.push(
        `a_new AS (INSERT INTO audit (at, user_id, role, action, record_type, record_id, outcome, detail)
           SELECT * FROM unnest(${[
             column((e) => e.at),
             column((e) => e.userId),
             column((e) => e.role),
             column((e) => e.action),
             column((e) => e.recordType),
             column((e) => e.recordId),
             column((e) => e.outcome),
             column((e) => e.detail ?? null),
           ].join(', ')}))`,
      );
    }
    if (this.#applied.length > 0) {
      const r = this.#applied;
      parts.push(
        `i_new AS (INSERT INTO idempotency (command_id, user_id, first_seq, last_seq, at) SELECT * FROM unnest(${[
          col(r, 'text[]', (x) => x.commandId),
          col(r, 'text[]', (x) => x.userId),
          col(r, 'bigint[]', (x) => x.firstSeq),
          col(r, 'bigint[]', (x) => x.lastSeq),
          col(r, 'text[]', (x) => x.at),
        ].join(', ')}))`,
      );
    }
    if (this.#headMoved) parts.push(`h_set AS (UPDATE change_head SET seq = ${param(this.#head, 'bigint')})`);
    const counted = updates.length > 0 ? '(SELECT COUNT(*) FROM g_upd)' : '0';
    const flush: Flush = { text: `WITH ${parts.join(',\n')}\nSELECT ${counted} AS updated`, values, updates: updates.length };
    this.#pendingGroups = new Map();
    this.#changes = [];
    this.#audits = [];
    this.#applied = [];
    this.#headMoved = false;
    // What was undoable is now in the database: scopes open across the flush are touched.
    this.#undo = [];
    this.touch();
    return flush;
  }
}

/** Between the JSON documents of a column sent as one text (see `takeFlush`): the ASCII record separator. */
export const DOCUMENT_SEPARATOR = '\u001e';

/** Tables whose writes a WriteBuffer may hold: a statement naming one must see them, so it flushes first. */
const BUFFERED_TABLES = /\b(groups|change_log|change_head|idempotency|audit)\b/i;

/** Whether a statement may read or write a table the buffer holds rows for. */
export const mustFlushFor = (text: string): boolean => BUFFERED_TABLES.test(text);

/**
 * Whether a statement only reads: it changes nothing a nested transaction's in-memory rollback
 * would have to undo. Anything else (or a read that locks or calls a function with effects) counts
 * as a write.
 */
export const onlyReads = (text: string): boolean =>
  /^\s*SELECT\b/i.test(text) && !/\b(INSERT|UPDATE|DELETE|FOR\s+UPDATE|FOR\s+SHARE|nextval|setval|pg_advisory\w*)\b/i.test(text);
