import type { Repositories } from '../repositories/repositories';
import type { AuditAction, AuditOutcome } from '../repositories/audit.repository';
import { eachGroup } from '../repositories/contract';
import { areaIndexFor, cellIndexOf, type AreaIndexSource } from './aggregate-area-indexes';
import type { Sitrep } from '../../shared/exports/export.schema';
import { exportableGroups, type GroupExportQuery } from '../../shared/exports/group-export';
import { groupsCsvChunks, groupsGeoJsonChunks } from '../../shared/exports/group-export-chunks';
import { shareableCsv, shareableFold, shareableGeoJson } from '../../shared/exports/shareable-aggregate';
import { sitrepFold } from '../../shared/exports/sitrep';
import { manifestCsv, manifestHtml, manifestLines, sitrepMovements } from '../../shared/exports/movement-exports';
import { carrierManifest, projectMovement } from '../../shared/movements';
import type { Movement } from '../../shared/schemas/movement.schema';
import { eachMovement } from './movement.service';
import { can } from '../../shared/permissions';
import type { Audience } from '../../shared/projection';
import { failure, type Failure } from '../../shared/protocol';
import { foldEach, inBatches } from './page-fold';

export type ExportFormat = 'csv' | 'geojson';

/** Groups per page read and per piece written: one indexed query and a few hundred kB of text. */
export const EXPORT_PAGE_SIZE = 1_000;

/** A file to send: its body and how many data rows (features) it holds. */
export interface ExportFile {
  ok: true;
  body: string;
  rows: number;
}

/** Takes one piece of a streamed file; resolves when the piece may be followed (backpressure). */
export type ExportSink = (chunk: string) => Promise<void>;

/**
 * A file too large to hold, written piece by piece. `write` reads the crisis a page at a time,
 * hands each page's text to the sink, and resolves with the data rows written; it audits the
 * export when it ends, as failed (with the rows written so far) when the sink or a read fails.
 */
export interface ExportStream {
  ok: true;
  write(sink: ExportSink): Promise<number>;
}

/**
 * Exports (protection rules 5 and 7). Every one is scoped by `projectGroup` through
 * `exportableGroups` or is an aggregate with small counts suppressed, and every one that leaves
 * writes an audit row with its format, row count and filters.
 */
/** How often an issue is built again when another report was issued while it was being folded. */
const ISSUE_ATTEMPTS = 3;

export class ExportService {
  readonly #repos: Repositories;
  readonly #areas: AreaIndexSource;
  readonly #now: () => number;

  constructor(repos: Repositories, areas: AreaIndexSource, now: () => number = Date.now) {
    this.#repos = repos;
    this.#areas = areas;
    this.#now = now;
  }

  /**
   * The groups this audience sees in full, filtered, as CSV with HXL or as GeoJSON, streamed a page
   * at a time (issue 15: no whole-crisis read per request). Pages are separate reads, not one
   * snapshot: a long download must not hold a read transaction open against the writers. Paging
   * by report order still gives each group exactly once, as it stood when its page was read.
   */
  async groups(audience: Audience, format: ExportFormat, query: GroupExportQuery): Promise<ExportStream | Failure> {
    if (!can(audience.role, 'export.groups')) return failure('forbidden', 'your role does not export groups');
    if (audience.crisisId === null) return failure('forbidden', 'you are not assigned to a crisis');
    const crisis = await this.#repos.crises.findById(audience.crisisId);
    if (!crisis) return failure('forbidden', 'you are not assigned to a crisis');
    const agencies = await this.#repos.agencies.list();
    const place = { hostCountry: crisis.hostCountry };
    const chunks = format === 'csv' ? groupsCsvChunks(agencies, place) : groupsGeoJsonChunks(agencies, place);
    const write = async (sink: ExportSink): Promise<number> => {
      let rows = 0;
      let outcome: AuditOutcome = 'failed';
      try {
        await sink(chunks.head());
        for await (const page of inBatches(eachGroup(this.#repos, crisis.id, EXPORT_PAGE_SIZE), EXPORT_PAGE_SIZE)) {
          const groups = exportableGroups(audience, page, query);
          if (groups.length === 0) continue;
          await sink(chunks.page(groups));
          rows += groups.length;
        }
        await sink(chunks.tail());
        outcome = 'ok';
        return rows;
      } finally {
        // Rule 5 holds for a download cut short too: who took how many rows before it stopped.
        await this.#audit(audience, 'export.groups', { format, rows, filters: query }, outcome);
      }
    };
    return { ok: true, write };
  }

  /** Counts by area and nationality for people outside the response, "<5" for 1-4, folded over the crisis's pages. */
  async shareable(audience: Audience, format: ExportFormat): Promise<ExportFile | Failure> {
    if (!can(audience.role, 'export.shareable')) return failure('forbidden', 'your role does not export the shareable aggregate');
    if (audience.crisisId === null) return failure('forbidden', 'you are not assigned to a crisis');
    const counts = await foldEach(
      shareableFold(await areaIndexFor(this.#areas, audience.crisisId)),
      eachGroup(this.#repos, audience.crisisId, EXPORT_PAGE_SIZE),
    );
    const body = format === 'csv' ? shareableCsv(counts) : JSON.stringify(shareableGeoJson(counts));
    await this.#audit(audience, 'export.shareable', { format, rows: counts.length, filters: {} });
    return { ok: true, body, rows: counts.length };
  }

  /** The situation report as it stands now, compared with the last issued one. Audited as read. */
  async sitrep(audience: Audience): Promise<{ ok: true; sitrep: Sitrep } | Failure> {
    const built = await this.#build(audience, null);
    if (!built.ok) return built;
    await this.#audit(audience, 'export.sitrep', { format: 'sitrep', issued: false, number: built.sitrep.number });
    return built;
  }

  /**
   * Issues the report: stores its figures as number N (the next report compares with them) and
   * answers the report as issued, still compared with N-1. The figures are folded in a read
   * transaction (one snapshot, page by page), not in the write transaction: a 100,000-group fold
   * takes seconds, and holding the write lock for it would stall every field report meanwhile. The
   * short write transaction then stores it only if no other report was issued since it was read;
   * otherwise it is built again, so two coordinators issuing at once get N and N+1, never two N.
   */
  async issueSitrep(audience: Audience): Promise<{ ok: true; sitrep: Sitrep } | Failure> {
    for (let attempt = 0; attempt < ISSUE_ATTEMPTS; attempt++) {
      const issuedAt = new Date(this.#now()).toISOString();
      const built = await this.#repos.readTransaction(() => this.#build(audience, issuedAt));
      if (!built.ok) return built;
      const s = built.sitrep;
      const stored = await this.#repos.transaction(async () => {
        if (((await this.#repos.sitreps.latest(s.crisis.id))?.number ?? 0) !== s.number - 1) return false;
        await this.#repos.sitreps.insert({ crisisId: s.crisis.id, number: s.number, issuedAt, issuedBy: audience.userId, figures: s.figures });
        await this.#audit(audience, 'export.sitrep', { format: 'sitrep', issued: true, number: s.number });
        return true;
      });
      if (stored) return built;
    }
    return failure('conflict', 'other situation reports were being issued at the same moment; issue it again');
  }

  async #build(audience: Audience, issuedAt: string | null): Promise<{ ok: true; sitrep: Sitrep } | Failure> {
    if (!can(audience.role, 'export.sitrep')) return failure('forbidden', 'your role does not write situation reports');
    const crisis = audience.crisisId === null ? null : await this.#repos.crises.findById(audience.crisisId);
    if (!crisis) return failure('forbidden', 'you are not assigned to a crisis');
    const previous = await this.#repos.sitreps.latest(crisis.id);
    const fold = sitrepFold({
      crisis,
      agencies: await this.#repos.agencies.list(),
      now: this.#now(),
      number: (previous?.number ?? 0) + 1,
      issuedAt,
      previous,
      // The map's bands stay on cells: a density map, not a table of named areas.
      areas: cellIndexOf(this.#areas),
    });
    const sitrep = await foldEach(fold, eachGroup(this.#repos, crisis.id, EXPORT_PAGE_SIZE));
    const movements: Movement[] = [];
    for await (const m of eachMovement(this.#repos, crisis.id)) movements.push(m);
    return { ok: true, sitrep: { ...sitrep, ...sitrepMovements(movements) } };
  }

  /**
   * A movement's manifest for its carrier (issue 20), CSV or a printable page: built from the
   * carrier's projection, so it holds reference, headcount, special needs and pickup point only,
   * whoever downloads it. A coordinator or the carrier's responders; anyone else is answered "not
   * found". Audited as an export.
   */
  async manifest(audience: Audience, movementId: string, format: 'csv' | 'html'): Promise<ExportFile | Failure> {
    const movement = await this.#repos.movements.findById(movementId);
    const view = movement ? projectMovement(audience, movement) : null;
    if (!movement || !view || (view.view !== 'full' && view.view !== 'carrier')) return failure('not_found', 'no such movement in your crisis');
    const lines = manifestLines(carrierManifest(movement));
    await this.#audit(audience, 'export.manifest', { format, rows: lines.length, movement: movement.id });
    return { ok: true, body: format === 'csv' ? manifestCsv(lines) : manifestHtml(movement, lines), rows: lines.length };
  }

  async #audit(a: Audience, action: AuditAction, detail: Record<string, unknown>, outcome: AuditOutcome = 'ok'): Promise<void> {
    await this.#repos.audit.append({
      at: new Date(this.#now()).toISOString(),
      userId: a.userId,
      role: a.role,
      action,
      recordType: a.crisisId ? 'crisis' : null,
      recordId: a.crisisId,
      outcome,
      detail: JSON.stringify(detail),
    });
  }
}
