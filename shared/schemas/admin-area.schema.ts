import { z } from 'zod';
import { Bbox } from './crisis.schema';

/** The admin levels Waymark keeps: COD-AB's admin 1 (regions) and admin 2 (districts). */
export const ADMIN_LEVELS = [1, 2] as const;
export const AdminLevel = z.union([z.literal(1), z.literal(2)]);
export type AdminLevel = z.infer<typeof AdminLevel>;

/** A p-code as COD-AB writes them (LY01, LY0101): letters, digits, a few separators. */
export const Pcode = z
  .string()
  .trim()
  .min(1)
  .max(40)
  .regex(/^[A-Za-z0-9_.-]+$/, 'a p-code holds letters, digits, "_", "." or "-"');

/** A polygon or multipolygon in WGS84 [lon, lat] order (GeoJSON). Rings are checked by the loader. */
const Position = z.tuple([z.number().min(-180).max(180), z.number().min(-90).max(90)]).rest(z.number());
const Ring = z.array(Position).min(4);
export const AreaGeometry = z.discriminatedUnion('type', [
  z.object({ type: z.literal('Polygon'), coordinates: z.array(Ring).min(1) }),
  z.object({ type: z.literal('MultiPolygon'), coordinates: z.array(z.array(Ring).min(1)).min(1) }),
]);
export type AreaGeometry = z.infer<typeof AreaGeometry>;

/**
 * One admin area of a crisis. `geometry` is null for an admin 1 area known only as the parent of
 * admin 2 areas (a COD-AB admin 2 file names its parents but does not draw them).
 */
export const AdminArea = z.object({
  pcode: Pcode,
  level: AdminLevel,
  name: z.string().min(1).max(200),
  nameAr: z.string().max(200).nullable(),
  nameFr: z.string().max(200).nullable(),
  parentPcode: Pcode.nullable(),
  geometry: AreaGeometry.nullable(),
  bbox: Bbox.nullable(),
});
export type AdminArea = z.infer<typeof AdminArea>;

/** How a group names an area it lies in: not personal, the same for every audience that sees the group. */
export const AdminAreaRef = z.object({ pcode: Pcode, name: z.string().min(1).max(200) });
export type AdminAreaRef = z.infer<typeof AdminAreaRef>;

/** A group's admin 1 and 2, computed by the server from its location; null outside the loaded boundaries. */
export const GroupAdminAreas = z.object({ admin1: AdminAreaRef.nullable(), admin2: AdminAreaRef.nullable() });
export type GroupAdminAreas = z.infer<typeof GroupAdminAreas>;
export const NO_ADMIN_AREAS: GroupAdminAreas = { admin1: null, admin2: null };

/** The boundary set of a crisis: which load is current, and how far its recomputation of groups has gone. */
export const BoundarySet = z.object({
  /** Starts at 1 and grows by one with every load; groups are recomputed against the newest. */
  version: z.number().int().min(1),
  /** The file names loaded, or "synthetic ..." for the demo's made-up boundaries. */
  source: z.string().max(500),
  synthetic: z.boolean(),
  loadedAt: z.string(),
  loadedBy: z.string().nullable(),
  /** The report-order key the recomputation has reached; null once every group is done. */
  recomputeAfter: z.number().int().min(0).nullable(),
});
export type BoundarySet = z.infer<typeof BoundarySet>;

/** Problem codes a boundary file can have; `error`s stop the load, `warning`s do not. */
export const AREA_PROBLEM_CODES = [
  'not_json',
  'not_geojson',
  'not_feature_collection',
  'bad_geometry',
  'not_polygon',
  'missing_pcode',
  'bad_pcode',
  'missing_name',
  'duplicate_pcode',
  'unknown_level',
  'level_skipped',
  'parent_missing',
  'parent_mismatch',
  'no_areas',
  'too_large',
] as const;
export const AreaProblem = z.object({
  code: z.enum(AREA_PROBLEM_CODES),
  severity: z.enum(['error', 'warning']),
  /** Which file and feature (0-based index), when it is about one. */
  file: z.string().max(300).nullable(),
  feature: z.number().int().min(0).nullable(),
  pcode: z.string().max(40).nullable(),
  message: z.string().max(500),
});
export type AreaProblem = z.infer<typeof AreaProblem>;

/** What a load found, shown before it is committed. */
export const AreaPreview = z.object({
  levels: z.array(
    z.object({ level: AdminLevel, count: z.number().int().min(0), names: z.array(z.string()).max(50), withoutGeometry: z.number().int().min(0) }),
  ),
  problems: z.array(AreaProblem).max(200),
  /** Problems beyond the first 200 are counted, not listed. */
  moreProblems: z.number().int().min(0),
  /** Whether the load may be committed (no error among the problems). */
  ok: z.boolean(),
});
export type AreaPreview = z.infer<typeof AreaPreview>;

/** One uploaded boundary file: its name and text. */
export const BoundaryFile = z.object({ name: z.string().trim().min(1).max(300), text: z.string().min(1) });
export type BoundaryFile = z.infer<typeof BoundaryFile>;

/** A load request: the files (COD-AB GeoJSON, one per level or both in one) and whether to commit. */
export const BoundaryLoadRequest = z.object({ files: z.array(BoundaryFile).min(1).max(4), dryRun: z.boolean().default(false) });
export type BoundaryLoadRequest = z.infer<typeof BoundaryLoadRequest>;

/** What a load answers: its preview; when committed, the new version and how many groups moved area. */
export const BoundaryLoadResult = z.object({
  preview: AreaPreview,
  committed: z.boolean(),
  version: z.number().int().min(1).nullable(),
  groupsChanged: z.number().int().min(0),
  groupsChecked: z.number().int().min(0),
});
export type BoundaryLoadResult = z.infer<typeof BoundaryLoadResult>;

/** Where the boundaries are loaded (admin) and drawn from (any user of the crisis). */
export const ADMIN_AREA_ROUTES = {
  /** GET: the boundary set and its areas' names; POST (BOUNDARY_UPLOAD_TYPE body): preview or load. */
  boundaries: (crisisId: string) => `/api/admin/crises/${encodeURIComponent(crisisId)}/boundaries`,
  /** GET: AreaFeatureCollection, simplified for drawing. */
  drawable: (crisisId: string) => `/api/crises/${encodeURIComponent(crisisId)}/admin-areas`,
  /** GET: the same for the caller's own crisis (what every map draws). */
  ownDrawable: '/api/admin-areas',
} as const;

/**
 * The upload's content type: its own, so the 64 kB JSON limit of every other request does not
 * apply, and the route takes a body this large only from a signed-in admin.
 */
export const BOUNDARY_UPLOAD_TYPE = 'application/vnd.waymark.boundaries+json';
/** Largest boundary upload: a country's admin 2 from HDX is usually 1-20 MB. */
export const BOUNDARY_UPLOAD_MAX_BYTES = 48 * 1024 * 1024;

/** The summary an admin sees of a crisis's stored boundaries. */
export const BoundarySummary = z.object({
  set: BoundarySet.nullable(),
  areas: z.array(AdminArea.pick({ pcode: true, level: true, name: true, parentPcode: true }).extend({ drawn: z.boolean() })),
});
export type BoundarySummary = z.infer<typeof BoundarySummary>;
