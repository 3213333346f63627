import type { Repositories } from '../repositories/repositories';
import type { AuditAction } from '../repositories/audit.repository';
import type { AreaIndex } from '../../shared/aggregate';
import type { Sitrep } from '../../shared/exports/export.schema';
import { exportableGroups, groupsCsv, groupsGeoJson, type GroupExportQuery } from '../../shared/exports/group-export';
import { shareableAggregate, shareableCsv, shareableGeoJson } from '../../shared/exports/shareable-aggregate';
import { buildSitrep } from '../../shared/exports/sitrep';
import { can } from '../../shared/permissions';
import type { Audience } from '../../shared/projection';
import { failure, type Failure } from '../../shared/protocol';

export type ExportFormat = 'csv' | 'geojson';

/** A file to send: its body and how many data rows (features) it holds. */
export interface ExportFile {
  ok: true;
  body: string;
  rows: number;
}

/**
 * Exports (protection rules 5 and 7). Every one is scoped by `projectGroup` through
 * `exportableGroups` or is an aggregate with small counts suppressed, and every one that leaves
 * writes an audit row with its format, row count and filters.
 */
export class ExportService {
  readonly #repos: Repositories;
  readonly #areas: AreaIndex;
  readonly #now: () => number;

  constructor(repos: Repositories, areas: AreaIndex, now: () => number = Date.now) {
    this.#repos = repos;
    this.#areas = areas;
    this.#now = now;
  }

  /** The groups this audience sees in full, filtered, as CSV with HXL or as GeoJSON. */
  async groups(audience: Audience, format: ExportFormat, query: GroupExportQuery): Promise<ExportFile | Failure> {
    if (!can(audience.role, 'export.groups')) return failure('forbidden', 'your role does not export groups');
    if (audience.crisisId === null) return failure('forbidden', 'you are not assigned to a crisis');
    const crisis = await this.#repos.crises.findById(audience.crisisId);
    if (!crisis) return failure('forbidden', 'you are not assigned to a crisis');
    const groups = exportableGroups(audience, await this.#repos.groups.listByCrisis(audience.crisisId), query);
    const agencies = await this.#repos.agencies.list();
    const place = { hostCountry: crisis.hostCountry };
    const body = format === 'csv' ? groupsCsv(groups, agencies, place) : JSON.stringify(groupsGeoJson(groups, agencies, place));
    await this.#audit(audience, 'export.groups', { format, rows: groups.length, filters: query });
    return { ok: true, body, rows: groups.length };
  }

  /** Counts by area and nationality for people outside the response, "<5" for 1-4. */
  async shareable(audience: Audience, format: ExportFormat): Promise<ExportFile | Failure> {
    if (!can(audience.role, 'export.shareable')) return failure('forbidden', 'your role does not export the shareable aggregate');
    if (audience.crisisId === null) return failure('forbidden', 'you are not assigned to a crisis');
    const counts = shareableAggregate(await this.#repos.groups.listByCrisis(audience.crisisId), this.#areas);
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
   * answers the report as issued, still compared with N-1. One transaction, so two coordinators
   * issuing at once get N and N+1, never two N.
   */
  issueSitrep(audience: Audience): Promise<{ ok: true; sitrep: Sitrep } | Failure> {
    return this.#repos.transaction(async () => {
      const issuedAt = new Date(this.#now()).toISOString();
      const built = await this.#build(audience, issuedAt);
      if (!built.ok) return built;
      const s = built.sitrep;
      await this.#repos.sitreps.insert({ crisisId: s.crisis.id, number: s.number, issuedAt, issuedBy: audience.userId, figures: s.figures });
      await this.#audit(audience, 'export.sitrep', { format: 'sitrep', issued: true, number: s.number });
      return built;
    });
  }

  async #build(audience: Audience, issuedAt: string | null): Promise<{ ok: true; sitrep: Sitrep } | Failure> {
    if (!can(audience.role, 'export.sitrep')) return failure('forbidden', 'your role does not write situation reports');
    const crisis = audience.crisisId === null ? null : await this.#repos.crises.findById(audience.crisisId);
    if (!crisis) return failure('forbidden', 'you are not assigned to a crisis');
    const previous = await this.#repos.sitreps.latest(crisis.id);
    const sitrep = buildSitrep({
      crisis,
      groups: await this.#repos.groups.listByCrisis(crisis.id),
      agencies: await this.#repos.agencies.list(),
      now: this.#now(),
      number: (previous?.number ?? 0) + 1,
      issuedAt,
      previous,
      areas: this.#areas,
    });
    return { ok: true, sitrep };
  }

  async #audit(a: Audience, action: AuditAction, detail: Record<string, unknown>): Promise<void> {
    await this.#repos.audit.append({
      at: new Date(this.#now()).toISOString(),
      userId: a.userId,
      role: a.role,
      action,
      recordType: a.crisisId ? 'crisis' : null,
      recordId: a.crisisId,
      outcome: 'ok',
      detail: JSON.stringify(detail),
    });
  }
}
