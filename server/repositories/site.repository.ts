import type { Db } from '../db/database';
import { Site } from '../../shared/schemas/site.schema';

/** Stored JSON is parsed with the shared schema on the way out, as groups are: a bad row fails loudly here. */
export const parseStoredSite = (json: string): Site => Site.parse(JSON.parse(json));

/** The columns a site row keeps beside its JSON, in the order both engines' statements take them. */
export const siteColumns = (s: Site): [string, string, number, string, string, number, number, string] => [
  s.id,
  s.crisisId,
  s.version,
  s.type,
  s.status,
  s.location.lat,
  s.location.lon,
  s.updatedAt,
];

/** Sites (issue 20): shelters, transit centres and other places, the current state of each. */
export class SiteRepository {
  readonly #insert;
  readonly #update;
  readonly #byId;
  readonly #page;

  constructor(db: Db) {
    this.#insert = db.prepare<[string, string, number, string, string, number, number, string, string]>(
      'INSERT INTO sites (id, crisis_id, version, type, status, lat, lon, updated_at, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.#update = db.prepare<[number, string, string, number, number, string, string, string, number]>(
      // The version guard makes a lost update impossible even if a caller forgot to check.
      'UPDATE sites SET version = ?, type = ?, status = ?, lat = ?, lon = ?, updated_at = ?, data = ? WHERE id = ? AND version = ?',
    );
    this.#byId = db.prepare<[string], { data: string }>('SELECT data FROM sites WHERE id = ?');
    this.#page = db.prepare<[string, string, number], { data: string }>('SELECT data FROM sites WHERE crisis_id = ? AND id > ? ORDER BY id LIMIT ?');
  }

  /** Stores a new site (version 1). */
  insert(site: Site, json: string = JSON.stringify(site)): void {
    this.#insert.run(...siteColumns(site), json);
  }

  /** Stores a site's next version; throws if the stored one is not the version before it. */
  update(site: Site, json: string = JSON.stringify(site)): void {
    const [id, , version, type, status, lat, lon, updatedAt] = siteColumns(site);
    const result = this.#update.run(version, type, status, lat, lon, updatedAt, json, id, version - 1);
    if (result.changes !== 1) throw new Error(`site update lost a race (expected version ${version - 1})`);
  }

  /** The site with this id (of any crisis: the caller checks the crisis), or null. */
  findById(id: string): Site | null {
    const row = this.#byId.get(id);
    return row ? parseStoredSite(row.data) : null;
  }

  /** The sites of a crisis in id order (UUIDv7: creation order) after `afterId` ('' for the first page), at most `limit`. */
  pageByCrisis(crisisId: string, afterId: string, limit: number): Site[] {
    return this.#page.all(crisisId, afterId, limit).map((row) => parseStoredSite(row.data));
  }
}
