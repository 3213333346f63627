import type { ImportMapping } from '../../../shared/import-mapping';
import type { ImportJob, ImportPreview, ImportUpload } from '../../../shared/schemas/import.schema';
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

  /** Uploads a file and takes the server's guess as the starting mapping. */
  async choose(file: File): Promise<void> {
    this.reset();
    this.step = 'uploading';
    const result = await uploadImport(file);
    if (!result.ok) {
      this.error = result.message;
      this.step = 'choose';
      return;
    }
    this.upload = result.value;
    this.mapping = { ...result.value.mapping };
    this.step = 'mapping';
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
    const result = await previewImport(this.upload.importId, $state.snapshot(this.mapping));
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
    const result = await startImport(this.upload.importId, $state.snapshot(this.mapping));
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
  }
}
