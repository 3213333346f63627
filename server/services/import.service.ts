import { randomUUID } from 'node:crypto';
import type { Repositories } from '../repositories/repositories';
import type { GroupService } from './group.service';
import type { PublishedChange } from './command.service';
import { decodeText, detectDelimiter, detectEncoding, type ImportDelimiter, type ImportEncoding } from '../../shared/import-detect';
import { records, unreadable } from './import-file';
import {
  choiceColumns,
  countFromChoice,
  dayMonthKind,
  guessMapping,
  importIds,
  isHxlRow,
  rowToGroup,
  type ImportMapping,
  type RowContext,
} from '../../shared/import-mapping';
import { Uuid } from '../../shared/ids';
import { can } from '../../shared/permissions';
import type { Audience } from '../../shared/projection';
import { failure, type Failure } from '../../shared/protocol';
import type { ImportJob, ImportPreview, ImportReadOptions, ImportRequest, ImportUpload, InvalidRow } from '../../shared/schemas/import.schema';

/** How an import runs: rows per transaction, and how many uploads a user may keep waiting. */
export interface ImportPolicy {
  /**
   * Rows applied per transaction. One transaction per row would mean one fsync per row
   * (synchronous=FULL); one for the whole file would hold the write lock and the event loop for
   * the whole file. Between chunks the loop is given back (setImmediate), so sockets are answered.
   */
  chunkSize: number;
  /**
   * A chunk also ends when it has run this long, so the loop (and, with several processes, the
   * write lock) is never held for long: measured on this loaded 2-core machine, 500 rows took
   * 216 ms at the median and 783 ms at worst; 50 ms chunks bound that stall at about 50 ms.
   */
  chunkBudgetMs: number;
  /** Uploads kept in memory per user (the oldest not running is dropped). */
  uploadsPerUser: number;
}
export const DEFAULT_IMPORT_POLICY: ImportPolicy = { chunkSize: 500, chunkBudgetMs: 50, uploadsPerUser: 2 };

export interface ImportDeps {
  repos: Repositories;
  groups: GroupService;
  /** Publishes a committed change to the live rooms (after its transaction). */
  publish: (change: PublishedChange) => void;
  /** Tells the importing user how far a run has got. */
  progress: (userId: string, job: ImportJob) => void;
  policy?: Partial<ImportPolicy>;
  now?: () => number;
}

interface Upload {
  importId: string;
  userId: string;
  crisisId: string;
  fileName: string;
  /** The file as UTF-8, whatever it was sent in. */
  csv: Buffer;
  encoding: ImportEncoding;
  delimiter: ImportDelimiter;
  headers: string[];
  choiceColumns: number[];
  hxl: string[] | null;
  dataRows: number;
  job: ImportJob | null;
}

interface DataRow {
  row: number;
  cells: string[];
}

const isRunning = (upload: Upload) => upload.job?.state === 'running';

/** Lets sockets and other requests in: a macrotask, after pending I/O callbacks. */
const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));
const notFound = () => failure('not_found', 'no such import (uploads are kept until a newer one replaces them)');

/**
 * CSV imports of groups (KoboToolbox/ODK exports or any spreadsheet), for coordinators: upload,
 * check with a mapping (every invalid row and why), then apply the valid rows as ordinary
 * `group.report` commands in chunks, with progress, without holding the event loop. Each row's
 * command and group ids derive from its submission id (or content), so a second import of the
 * same file adds nothing.
 */
export class ImportService {
  readonly #deps: ImportDeps;
  readonly #policy: ImportPolicy;
  readonly #now: () => number;
  readonly #uploads = new Map<string, Upload>();

  constructor(deps: ImportDeps) {
    this.#deps = deps;
    this.#policy = { ...DEFAULT_IMPORT_POLICY, ...deps.policy };
    this.#now = deps.now ?? Date.now;
  }

  #scope(audience: Audience): { crisisId: string } | Failure {
    if (!can(audience.role, 'group.import')) return failure('forbidden', 'your role may not import groups');
    if (audience.crisisId === null) return failure('forbidden', 'you are not assigned to a crisis');
    return { crisisId: audience.crisisId };
  }

  #own(audience: Audience, importId: string): Upload | Failure {
    const scope = this.#scope(audience);
    if ('ok' in scope) return scope;
    const upload = this.#uploads.get(importId);
    // Someone else's upload answers like a missing one.
    return upload && upload.userId === audience.userId && upload.crisisId === scope.crisisId ? upload : notFound();
  }

  /**
   * Reads an uploaded file's header (and HXL row), counts its rows and guesses the mapping. The
   * encoding and delimiter are detected unless the person chose them (`options`); both are answered.
   */
  async upload(audience: Audience, fileName: string, raw: Buffer, options: ImportReadOptions = {}): Promise<ImportUpload | Failure> {
    const scope = this.#scope(audience);
    if ('ok' in scope) return scope;
    const detectedEncoding = detectEncoding(raw);
    const encoding = options.encoding ?? detectedEncoding;
    const text = decodeText(raw, encoding);
    const detectedDelimiter = detectDelimiter(text);
    const delimiter = options.delimiter ?? detectedDelimiter;
    const csv = Buffer.from(text, 'utf8');
    let headers: string[] | null = null;
    let hxl: string[] | null = null;
    const sample: string[][] = [];
    let dataRows = 0;
    try {
      let index = 0;
      for await (const cells of records(csv, delimiter)) {
        if (index === 0) headers = cells;
        else if (index === 1 && isHxlRow(cells)) hxl = cells;
        else {
          dataRows += 1;
          if (sample.length < 3) sample.push(cells);
        }
        index += 1;
        if (index % 2000 === 0) await yieldToLoop();
      }
    } catch (error) {
      return unreadable(error, delimiter, encoding);
    }
    if (!headers || dataRows === 0) return failure('invalid', 'the file has no data rows under its header');
    const choices = choiceColumns(headers);
    const upload: Upload = {
      importId: randomUUID(),
      userId: audience.userId,
      crisisId: scope.crisisId,
      fileName: fileName.slice(0, 200),
      csv,
      encoding,
      delimiter,
      headers,
      choiceColumns: choices,
      hxl,
      dataRows,
      job: null,
    };
    this.#keep(upload);
    return {
      ok: true,
      importId: upload.importId,
      fileName: upload.fileName,
      headers,
      hxl,
      mapping: guessMapping(headers, hxl),
      sample,
      encoding,
      delimiter,
      detected: { encoding: detectedEncoding, delimiter: detectedDelimiter },
      choiceColumns: choices,
    };
  }

  /** Memory is bounded: a user keeps their newest uploads; one being applied stays until it ends. */
  #keep(upload: Upload): void {
    this.#uploads.set(upload.importId, upload);
    const mine = [...this.#uploads.values()].filter((u) => u.userId === upload.userId && u.job?.state !== 'running');
    for (const old of mine.slice(0, Math.max(0, mine.length - this.#policy.uploadsPerUser))) this.#uploads.delete(old.importId);
  }

  async *#dataRows(upload: Upload): AsyncGenerator<DataRow> {
    const skip = upload.hxl ? 2 : 1;
    let index = 0;
    for await (const cells of records(upload.csv, upload.delimiter)) {
      index += 1;
      if (index > skip) yield { row: index, cells };
    }
  }

  /** A request's mapping is refused when it reads a select-multiple's yes/no column as a count of people. */
  #mappingProblem(upload: Upload, request: ImportRequest): Failure | null {
    const field = countFromChoice(request.mapping, upload.choiceColumns);
    const header = field === null ? '' : (upload.headers[request.mapping[field] ?? -1] ?? '');
    return field === null ? null : failure('invalid', `column "${header}" holds yes/no answers of a multiple choice, not a number of people (${field})`);
  }

  /** What rows are checked against: the crisis area, and the day/month order the person chose. */
  async #context(upload: Upload, request: ImportRequest): Promise<RowContext> {
    return { area: (await this.#deps.repos.crises.findById(upload.crisisId))?.area ?? null, dateOrder: request.dateOrder };
  }

  /**
   * Checks every row with a mapping: the count that would go in, every refused row with all its
   * reasons, how many are already in the crisis, and the day/month dates that need an order.
   */
  async preview(audience: Audience, importId: string, request: ImportRequest): Promise<ImportPreview | Failure> {
    const upload = this.#own(audience, importId);
    if ('ok' in upload) return upload;
    const problem = this.#mappingProblem(upload, request);
    if (problem) return problem;
    const context = await this.#context(upload, request);
    const invalid: InvalidRow[] = [];
    const seen = new Map<string, number>();
    const dates = { ambiguous: 0, dayFirst: 0, monthFirst: 0 };
    const seenCol = request.mapping.seenAt;
    let total = 0;
    let alreadyPresent = 0;
    try {
      for await (const { row, cells } of this.#dataRows(upload)) {
        total += 1;
        const kind = seenCol === null ? null : dayMonthKind(cells[seenCol] ?? '');
        if (kind === 'ambiguous') dates.ambiguous += 1;
        else if (kind === 'day_first') dates.dayFirst += 1;
        else if (kind === 'month_first') dates.monthFirst += 1;
        const checked = await this.#check(upload.crisisId, row, cells, request.mapping, seen, context);
        if (!checked.ok) invalid.push(checked.refusal);
        else if (checked.present || (await this.#deps.repos.groups.findById(checked.input.id))) alreadyPresent += 1;
        if (total % this.#policy.chunkSize === 0) await yieldToLoop();
      }
    } catch (error) {
      return unreadable(error, upload.delimiter, upload.encoding);
    }
    return { ok: true, total, valid: total - invalid.length, invalid, alreadyPresent, dates, dateOrder: request.dateOrder };
  }

  /**
   * A row's report, or why not; the same row twice in one file is refused the second time. A row
   * whose submission id is the id of a group of this crisis is that group (Waymark's own export
   * coming back): present, nothing to add or change.
   */
  async #check(crisisId: string, row: number, cells: string[], mapping: ImportMapping, seen: Map<string, number>, context: RowContext) {
    const result = rowToGroup(cells, mapping, crisisId, context);
    if (!result.ok) return { ok: false as const, refusal: { row, reasons: result.reasons } };
    const earlier = seen.get(result.input.id);
    if (earlier !== undefined) {
      const reasons = [{ code: 'duplicate_row' as const, field: null, value: String(earlier), detail: null }];
      return { ok: false as const, refusal: { row, reasons } };
    }
    seen.set(result.input.id, row);
    const source = mapping.sourceId === null ? null : Uuid.safeParse((cells[mapping.sourceId] ?? '').trim().toLowerCase());
    const own = source?.success ? await this.#deps.repos.groups.findById(source.data) : null;
    return { ok: true as const, key: result.key, input: result.input, present: own?.crisisId === crisisId };
  }

  /**
   * Starts applying the valid rows; progress goes to the user and is answered by `status`. Refused
   * while the file has day/month dates and the person has not said which comes first.
   */
  async start(audience: Audience, importId: string, request: ImportRequest): Promise<{ ok: true; job: ImportJob } | Failure> {
    const upload = this.#own(audience, importId);
    if ('ok' in upload) return upload;
    if (isRunning(upload)) return failure('conflict', 'this import is already running');
    const problem = this.#mappingProblem(upload, request);
    if (problem) return problem;
    if (request.dateOrder === null && (await this.#hasDayMonthDates(upload, request.mapping))) {
      return failure('invalid', 'the dates could be day/month or month/day: choose which before importing');
    }
    // Checked again: another start may have begun while the file was read.
    if (isRunning(upload)) return failure('conflict', 'this import is already running');
    const at = new Date(this.#now()).toISOString();
    // A re-run of the same upload is a new run (its rows are then already present).
    const job: ImportJob = {
      importId: upload.job ? randomUUID() : upload.importId,
      fileName: upload.fileName,
      state: 'running',
      startedAt: at,
      finishedAt: null,
      total: upload.dataRows,
      processed: 0,
      imported: 0,
      alreadyPresent: 0,
      refused: 0,
    };
    await this.#deps.repos.imports.start(job.importId, upload.crisisId, audience.userId, upload.fileName, at);
    upload.job = job;
    if (job.importId !== upload.importId) this.#uploads.set(job.importId, upload);
    void this.#run(audience, upload, job, request.mapping, await this.#context(upload, request));
    return { ok: true, job: { ...job } };
  }

  async #hasDayMonthDates(upload: Upload, mapping: ImportMapping): Promise<boolean> {
    const col = mapping.seenAt;
    if (col === null) return false;
    let n = 0;
    for await (const { cells } of this.#dataRows(upload)) {
      if (dayMonthKind(cells[col] ?? '') !== null) return true;
      n += 1;
      if (n % 2000 === 0) await yieldToLoop();
    }
    return false;
  }

  /** A run's progress, for its own user. */
  async status(audience: Audience, importId: string): Promise<{ ok: true; job: ImportJob } | Failure> {
    const scope = this.#scope(audience);
    if ('ok' in scope) return scope;
    const record = await this.#deps.repos.imports.findById(importId);
    if (!record || record.userId !== audience.userId) return notFound();
    const live = this.#uploads.get(importId)?.job;
    const { crisisId: _c, userId: _u, ...job } = record;
    return { ok: true, job: live && live.importId === importId ? { ...live } : job };
  }

  async #run(audience: Audience, upload: Upload, job: ImportJob, mapping: ImportMapping, context: RowContext): Promise<void> {
    const seen = new Map<string, number>();
    let batch: DataRow[] = [];
    const flush = async () => {
      const { committed, used } = await this.#applyChunk(audience, upload.crisisId, batch, mapping, seen, job, context);
      batch = batch.slice(used);
      // After the chunk's commit, like any report: live to every room, projected for it.
      for (const change of committed) this.#deps.publish(change);
      this.#deps.progress(audience.userId, { ...job });
      await yieldToLoop();
    };
    try {
      for await (const row of this.#dataRows(upload)) {
        batch.push(row);
        while (batch.length >= this.#policy.chunkSize) await flush();
      }
      const rest = async () => {
        while (batch.length > 0) await flush();
      };
      await this.#finish(audience, upload, job, 'done', rest);
    } catch {
      // The rows already committed stay (each chunk is its own transaction); the run says it stopped.
      await this.#finish(audience, upload, job, 'failed', null);
    }
  }

  async #finish(audience: Audience, upload: Upload, job: ImportJob, state: 'done' | 'failed', last: (() => Promise<void>) | null): Promise<void> {
    if (last) await last();
    job.state = state;
    job.finishedAt = new Date(this.#now()).toISOString();
    if (state === 'done') job.total = job.processed;
    await this.#deps.repos.transaction(async () => {
      await this.#deps.repos.imports.save(job);
      await this.#deps.repos.audit.append({
        at: job.finishedAt ?? job.startedAt,
        userId: audience.userId,
        role: audience.role,
        action: 'import.groups',
        recordType: 'import',
        recordId: job.importId,
        outcome: state === 'done' ? 'ok' : 'failed',
      });
    });
    this.#deps.progress(audience.userId, { ...job });
    if (upload.job === job) upload.job = { ...job };
  }

  /**
   * One transaction for the chunk: each valid row through GroupService.execute (its own savepoint).
   * Counts go on a copy that replaces the job's only once the chunk has committed, so a chunk that
   * rolls back leaves the run's figures true.
   */
  async #applyChunk(
    audience: Audience,
    crisisId: string,
    rows: DataRow[],
    mapping: ImportMapping,
    seen: Map<string, number>,
    job: ImportJob,
    context: RowContext,
  ): Promise<{ committed: PublishedChange[]; used: number }> {
    const { repos, groups } = this.#deps;
    const next = { ...job };
    const started = performance.now();
    let used = 0;
    const committed = await repos.transaction(async () => {
      const changes: PublishedChange[] = [];
      for (const { row, cells } of rows) {
        // At least one row per chunk, so a slow machine still makes progress.
        if (used > 0 && performance.now() - started > this.#policy.chunkBudgetMs) break;
        used += 1;
        next.processed += 1;
        const result = await this.#check(crisisId, row, cells, mapping, seen, context);
        if (!result.ok) {
          next.refused += 1;
          continue;
        }
        // Imported before (by anyone), or exported from this crisis: the group is there, the row adds nothing.
        if (result.present || (await repos.groups.findById(result.input.id))) {
          next.alreadyPresent += 1;
          continue;
        }
        const { commandId } = importIds(crisisId, result.key);
        let outcome;
        try {
          outcome = await groups.execute({ userId: audience.userId, audience }, { type: 'group.report', commandId, group: result.input });
        } catch {
          // Its savepoint rolled back; the rest of the chunk goes on.
          next.refused += 1;
          continue;
        }
        if (outcome.ack.ok && outcome.committed.length > 0) next.imported += 1;
        else if (outcome.ack.ok) next.alreadyPresent += 1;
        else next.refused += 1;
        changes.push(...outcome.committed);
      }
      await repos.imports.save(next);
      return changes;
    });
    Object.assign(job, next);
    return { committed, used };
  }
}
