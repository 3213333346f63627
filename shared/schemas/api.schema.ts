import { z } from 'zod';
import { Agency } from './agency.schema';
import { Crisis } from './crisis.schema';
import { PublicUser } from './user.schema';

/** REST routes, in one place so both ends use the same paths. */
export const API_ROUTES = {
  session: '/api/session',
  config: '/api/config',
  health: '/api/health',
  /** Admin: GET overview; POST users, agencies; POST users/:id/{disable,enable,password,end-sessions}; PUT users/:id/scope. */
  admin: '/api/admin',
  /** Coordinators and admins: GET with AuditQuery filters. */
  audit: '/api/audit',
  /** GET /api/groups/:id: a group's details as the caller may see them (audited). */
  groups: '/api/groups',
  /** GET: the embassy's aggregate counts of its nationals. */
  aggregates: '/api/aggregates',
  /** GET: the same counts as CSV with HXL hashtags (audited as an export). */
  aggregatesCsv: '/api/exports/aggregates.csv',
  /** GET with Range: the deployment's street-level PMTiles archive, to signed-in users (when configured). */
  basemapTiles: '/api/basemap/tiles.pmtiles',
} as const;

export const SignInRequest = z.object({
  username: z.string().min(1).max(64),
  password: z.string().min(1).max(200),
});
export type SignInRequest = z.infer<typeof SignInRequest>;

/** Who is signed in, with the crisis and agency they work in. */
export const SessionInfo = z.object({
  user: PublicUser,
  crisis: Crisis.nullable(),
  agency: Agency.nullable(),
});
export type SessionInfo = z.infer<typeof SessionInfo>;

/**
 * "Who am I?" with nobody signed in. A normal 200 answer, not a 401: browsers print every 4xx as a
 * console error, and asking is what the sign-in screen does first.
 */
export const SignedOut = z.object({ signedIn: z.literal(false) });
export type SignedOut = z.infer<typeof SignedOut>;
/** The answer to GET on the session route: the session, or that nobody is signed in. */
export const SessionProbe = z.union([SignedOut, SessionInfo]);
export type SessionProbe = z.infer<typeof SessionProbe>;

/** Public configuration the client needs before signing in. */
export const ClientConfig = z.object({
  protocolVersion: z.number().int(),
  /** An online MapLibre style URL, only when a deployment opts in; null means the bundled basemap. */
  basemapStyleUrl: z.string().url().nullable(),
  /**
   * Where the street-level PMTiles archive is served (same origin, signed-in users), only when a
   * deployment has one; null means the bundled basemap alone. A fixed route, never the file's path.
   */
  basemapPmtilesUrl: z.string().startsWith('/').nullable(),
});
export type ClientConfig = z.infer<typeof ClientConfig>;
