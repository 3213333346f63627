import type { Role } from '../../../shared/schemas/user.schema';
import type { UserStore } from '../contract';
import { toUserRecord, toUserSummary, type UserRecord, type UserRow, type UserSummary } from '../user.repository';
import { changed, type Queryable } from './queryable';

/** User accounts on PostgreSQL; each method means what `UserRepository`'s (SQLite) does. */
export class PgUserRepository implements UserStore {
  readonly #db: Queryable;

  constructor(db: Queryable) {
    this.#db = db;
  }

  async insert(u: UserRecord): Promise<void> {
    await this.#db.query(
      `INSERT INTO users (id, username, password_hash, role, display_name, agency_id, crisis_id, disabled, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [u.id, u.username, u.passwordHash, u.role, u.displayName, u.agencyId, u.crisisId, u.disabled ? 1 : 0, u.createdAt],
    );
  }

  async findById(id: string): Promise<UserRecord | null> {
    const { rows } = await this.#db.query<UserRow>('SELECT * FROM users WHERE id = $1', [id]);
    return rows[0] ? toUserRecord(rows[0]) : null;
  }

  async findByUsername(username: string): Promise<UserRecord | null> {
    const { rows } = await this.#db.query<UserRow>('SELECT * FROM users WHERE username = $1', [username]);
    return rows[0] ? toUserRecord(rows[0]) : null;
  }

  async setDisabled(id: string, disabled: boolean): Promise<boolean> {
    return changed(await this.#db.query('UPDATE users SET disabled = $1 WHERE id = $2', [disabled ? 1 : 0, id])) > 0;
  }

  async setPasswordHash(id: string, hash: string): Promise<boolean> {
    return changed(await this.#db.query('UPDATE users SET password_hash = $1 WHERE id = $2', [hash, id])) > 0;
  }

  async setScope(id: string, scope: { role: Role; agencyId: string | null; crisisId: string | null }): Promise<boolean> {
    return (
      changed(
        await this.#db.query('UPDATE users SET role = $1, agency_id = $2, crisis_id = $3 WHERE id = $4', [scope.role, scope.agencyId, scope.crisisId, id]),
      ) > 0
    );
  }

  async listFieldTeams(crisisId: string): Promise<UserSummary[]> {
    const { rows } = await this.#db.query<UserRow>(
      "SELECT * FROM users WHERE role = 'field' AND crisis_id = $1 AND disabled = 0 ORDER BY display_name, username",
      [crisisId],
    );
    return rows.map(toUserSummary);
  }

  async list(): Promise<UserSummary[]> {
    const { rows } = await this.#db.query<UserRow>('SELECT * FROM users ORDER BY username');
    return rows.map(toUserSummary);
  }
}
