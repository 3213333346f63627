import type { ImportDelimiter, ImportEncoding } from '../../../shared/schemas/import-read.schema';
import type { DateOrder, ImportMapping } from '../../../shared/import-mapping';
import type { ImportJob, ImportPreview, ImportReadOptions, ImportUpload } from '../../../shared/schemas/import.schema';
import { importStatus, previewImport, startImport, uploadImport } from '../../lib/api/import-api';

export type ImportStep = 'choose' | 'uploading' | 'mapping' | 'checking' | 'checked' | 'running' | 'done';

/**
 * The import screen's state: the uploaded file's columns, the mapping the person adjusts, the
 * preview of that mapping, and the run's progress (fed by `importProgress` events).
 */
export class ImportState {
  step = $state<ImportStep>('choose');
  upload = $state.raw<ImportUpload | null>(null);
  mapping = $state<ImportMapping | null>(null);
  preview = $state.raw<ImportPreview | null>(null);
  job = $state.raw<ImportJob | null>(null);
  error = $state<string | null>(null);
  /** The day/month order of `03/04/2026` dates: null until the person says (never guessed). */
  dateOrder = $state<DateOrder | null>(null);
  #file: File | null = null;

  /** Whether the last preview found day/month dates whose order the person has not chosen yet. */
  get dateOrderNeeded(): boolean {
    const d = this.preview?.dates;
    return !!d && d.ambiguous + d.dayFirst + d.monthFirst > 0 && this.preview?.dateOrder === null;
  }

  /** Uploads a file and takes the server's guess as the starting mapping. */
  async choose(file: File): Promise<void> {
    this.reset();
    this.#file = file;
    await this.#read({});
  }

  /** Reads the same file again with another encoding or delimiter than the detected one. */
  async reread(change: { encoding?: ImportEncoding; delimiter?: ImportDelimiter }): Promise<void> {
    if (!this.#file || !this.upload) return;
    await this.#read({ encoding: this.upload.encoding, delimiter: this.upload.delimiter, ...change });
  }

  async #read(options: ImportReadOptions): Promise<void> {
    if (!this.#file) return;
    this.step = 'uploading';
    this.error = null;
    this.preview = null;
    const result = await uploadImport(this.#file, options);
    if (!result.ok) {
      this.error = result.message;
      this.step = this.upload ? 'mapping' : 'choose';
      return;
    }
    this.upload = result.value;
    this.mapping = { ...result.value.mapping };
    this.step = 'mapping';
  }

  /** The person's answer to "day/month or month/day?": the preview is checked again with it. */
  async setDateOrder(order: DateOrder): Promise<void> {
    this.dateOrder = order;
    await this.check();
  }

  /** A changed mapping makes the last preview stale. */
  setColumn(field: keyof ImportMapping, column: number | null): void {
    if (!this.mapping) return;
    this.mapping[field] = column;
    this.preview = null;
    if (this.step === 'checked') this.step = 'mapping';
  }

  /** Checks every row with the current mapping. */
  async check(): Promise<void> {
    if (!this.upload || !this.mapping) return;
    this.step = 'checking';
    this.error = null;
    const result = await previewImport(this.upload.importId, { mapping: $state.snapshot(this.mapping), dateOrder: this.dateOrder });
    if (result.ok) {
      this.preview = result.value;
      this.step = 'checked';
    } else {
      this.error = result.message;
      this.step = 'mapping';
    }
  }

  /** Applies the valid rows. */
  async start(): Promise<void> {
    if (!this.upload || !this.mapping) return;
    this.error = null;
    const result = await startImport(this.upload.importId, { mapping: $state.snapshot(this.mapping), dateOrder: this.dateOrder });
    if (!result.ok) {
      this.error = result.message;
      return;
    }
    this.job = result.value.job;
    this.step = result.value.job.state === 'running' ? 'running' : 'done';
  }

  /** A progress event: only this run's, and never backwards. */
  progress(job: ImportJob): void {
    if (!this.job || job.importId !== this.job.importId) return;
    if (this.job.state !== 'running' || job.processed < this.job.processed) return;
    this.job = job;
    if (job.state !== 'running') this.step = 'done';
  }

  /** Asks for the run's state (after a reconnection an event may have been missed). */
  async refresh(): Promise<void> {
    if (!this.job || this.job.state !== 'running') return;
    const result = await importStatus(this.job.importId);
    if (result.ok) this.progress(result.value.job);
  }

  reset(): void {
    this.step = 'choose';
    this.upload = null;
    this.mapping = null;
    this.preview = null;
    this.job = null;
    this.error = null;
    this.dateOrder = null;
    this.#file = null;
  }
}
