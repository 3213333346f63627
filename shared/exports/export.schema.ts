import { z } from 'zod';
import { Timestamp } from '../ids';
import { Crisis } from '../schemas/crisis.schema';
import { NeedType } from '../schemas/need.schema';
import { MovedLine, MovementLine } from './movement-export.schema';

/** REST routes of the exports and the situation report, in one place for both ends. */
export const EXPORT_ROUTES = {
  /** GET: groups the caller sees in full, CSV with HXL (?status=&need=&nationality=). */
  groupsCsv: '/api/exports/groups.csv',
  /** GET: the same groups as GeoJSON points. */
  groupsGeoJson: '/api/exports/groups.geojson',
  /** GET: counts by area and nationality for people outside the response (coordinators). */
  shareableCsv: '/api/exports/shareable.csv',
  shareableGeoJson: '/api/exports/shareable.geojson',
  /** GET: the situation report as it stands now; POST: issue it (stores its figures). Coordinators. */
  sitrep: '/api/sitrep',
} as const;

/** The client view of the situation report has its own URL, so it can be opened in a tab and printed. */
export const SITREP_PATH = '/sitrep';

/** The key figures a report carries and stores, so that the next one can say how they moved. */
export const SitrepFigures = z.object({
  stranded: z.number().int().min(0),
  inNeed: z.number().int().min(0),
  assisted: z.number().int().min(0),
  evacuated: z.number().int().min(0),
  openGroups: z.number().int().min(0),
  unassignedNeeds: z.number().int().min(0),
  overdueAssignments: z.number().int().min(0),
});
export type SitrepFigures = z.infer<typeof SitrepFigures>;
export const FIGURE_KEYS = SitrepFigures.keyof().options;

export const ClusterLine = z.object({
  cluster: z.string(),
  /** People with an open need of this cluster (a group's total when the need was not counted). */
  people: z.number().int().min(0),
  needs: z.number().int().min(0),
  unassigned: z.number().int().min(0),
});

/** Who does what: one agency in one cluster, over all its assignments. */
export const WhoWhatLine = z.object({
  agency: z.string(),
  cluster: z.string(),
  active: z.number().int().min(0),
  completed: z.number().int().min(0),
  reached: z.number().int().min(0),
  overdue: z.number().int().min(0),
  lastUpdate: Timestamp,
});

/**
 * A gap's place: empty, with `placeWithheld`, for a group carrying the protection flag, because a
 * situation report is printed and passed on.
 */
export const UnassignedGap = z.object({
  place: z.string(),
  placeWithheld: z.boolean(),
  need: NeedType,
  severity: z.number().int(),
  people: z.number().int(),
  since: Timestamp,
});
export const OverdueGap = z.object({ agency: z.string(), need: NeedType, place: z.string(), placeWithheld: z.boolean(), due: Timestamp });

/** The map's data: the crisis area and, per area, a band of how many people are there (no counts). */
/**
 * One admin 1's line of the report: its key figures, by the same rules as the report's own, so the
 * lines sum to the report's figures. `pcode` null for groups outside the loaded areas.
 */
export const AdminLine = SitrepFigures.extend({ pcode: z.string().nullable(), name: z.string().nullable() });
export type AdminLine = z.infer<typeof AdminLine>;

export const SitrepMap = z.object({
  area: z.tuple([z.number(), z.number(), z.number(), z.number()]),
  cells: z.array(z.object({ outline: z.array(z.tuple([z.number(), z.number()])), band: z.number().int().min(1).max(4) })),
});
export type SitrepMap = z.infer<typeof SitrepMap>;

export const Sitrep = z.object({
  ok: z.literal(true),
  crisis: Crisis,
  /** This report's number: the next one for a draft, its own once issued. */
  number: z.number().int().min(1),
  /** Null while it is a draft. */
  issuedAt: Timestamp.nullable(),
  generatedAt: Timestamp,
  /** The report the figures are compared with; null for the first (compared with the crisis start). */
  previous: z.object({ number: z.number().int(), issuedAt: Timestamp }).nullable(),
  /** When the comparison starts: the previous report's issue, or the crisis's creation. */
  since: Timestamp,
  figures: SitrepFigures,
  baseline: SitrepFigures,
  clusters: z.array(ClusterLine),
  whoWhat: z.array(WhoWhatLine),
  gaps: z.object({
    unassigned: z.array(UnassignedGap),
    unassignedTotal: z.number().int(),
    overdue: z.array(OverdueGap),
    overdueTotal: z.number().int(),
  }),
  map: SitrepMap,
  /** The key figures by admin 1 (empty while the crisis has no boundaries): most stranded first, outside last. */
  byAdmin1: z.array(AdminLine).default([]),
  /** Movements of the crisis (issue 20), and the people they took, by nationality and destination. */
  movements: z.array(MovementLine).default([]),
  moved: z.array(MovedLine).default([]),
});
export type Sitrep = z.infer<typeof Sitrep>;
