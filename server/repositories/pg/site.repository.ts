import type { Site } from '../../../shared/schemas/site.schema';
import type { SiteStore } from '../contract';
import { parseStoredSite, siteColumns } from '../site.repository';
import { changed, type BufferedQueryable } from './queryable';

/**
 * Sites on PostgreSQL; each method means what `SiteRepository`'s (SQLite) does. Not held in a
 * batch's write buffer: a site command is rare, and its row goes out as one statement of its own.
 */
export class PgSiteRepository implements SiteStore {
  readonly #db: BufferedQueryable;

  constructor(db: BufferedQueryable) {
    this.#db = db;
  }

  async insert(site: Site, json: string = JSON.stringify(site)): Promise<void> {
    await this.#db.query('INSERT INTO sites (id, crisis_id, version, type, status, lat, lon, updated_at, data) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)', [
      ...siteColumns(site),
      json,
    ]);
  }

  async update(site: Site, json: string = JSON.stringify(site)): Promise<void> {
    const [id, , version, type, status, lat, lon, updatedAt] = siteColumns(site);
    const result = await this.#db.query(
      'UPDATE sites SET version = $1, type = $2, status = $3, lat = $4, lon = $5, updated_at = $6, data = $7 WHERE id = $8 AND version = $9',
      [version, type, status, lat, lon, updatedAt, json, id, version - 1],
    );
    if (changed(result) !== 1) throw new Error(`site update lost a race (expected version ${version - 1})`);
  }

  async findById(id: string): Promise<Site | null> {
    const { rows } = await this.#db.query<{ data: string }>('SELECT data FROM sites WHERE id = $1', [id]);
    return rows[0] ? parseStoredSite(rows[0].data) : null;
  }

  async pageByCrisis(crisisId: string, afterId: string, limit: number): Promise<Site[]> {
    const { rows } = await this.#db.query<{ data: string }>('SELECT data FROM sites WHERE crisis_id = $1 AND id > $2 ORDER BY id LIMIT $3', [
      crisisId,
      afterId,
      limit,
    ]);
    return rows.map((row) => parseStoredSite(row.data));
  }
}
