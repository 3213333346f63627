import type { Db } from '../db/database';
import { PublicUser, Role } from '../../shared/schemas/user.schema';

/** A user as stored: the public part plus what only the server may see. */
export interface UserRecord extends PublicUser {
  passwordHash: string;
  disabled: boolean;
  createdAt: string;
}

/** A user as listings show it: never the hash. */
export type UserSummary = PublicUser & { disabled: boolean; createdAt: string };

/** A users row, as either engine returns it (`disabled` is 0 or 1 on both). */
export interface UserRow {
  id: string;
  username: string;
  password_hash: string;
  role: string;
  display_name: string;
  agency_id: string | null;
  crisis_id: string | null;
  disabled: number;
  created_at: string;
}

/** A stored user from its row. */
export const toUserRecord = (row: UserRow): UserRecord => ({
  id: row.id,
  username: row.username,
  displayName: row.display_name,
  role: Role.parse(row.role),
  agencyId: row.agency_id,
  crisisId: row.crisis_id,
  passwordHash: row.password_hash,
  disabled: row.disabled === 1,
  createdAt: row.created_at,
});

/** A user from its row, for listings: without the password hash. */
export const toUserSummary = (row: UserRow): UserSummary => {
  const { passwordHash: _hash, ...summary } = toUserRecord(row);
  return summary;
};

/** Strips a stored user down to what may leave the server. */
export function toPublicUser(user: UserRecord | UserSummary): PublicUser {
  return {
    id: user.id,
    username: user.username,
    displayName: user.displayName,
    role: user.role,
    agencyId: user.agencyId,
    crisisId: user.crisisId,
  };
}

/** User accounts. */
export class UserRepository {
  readonly #insert;
  readonly #byId;
  readonly #byUsername;
  readonly #all;
  readonly #fieldTeams;
  readonly #setDisabled;
  readonly #setPassword;
  readonly #setScope;

  constructor(db: Db) {
    this.#insert = db.prepare<[string, string, string, string, string, string | null, string | null, number, string]>(
      `INSERT INTO users (id, username, password_hash, role, display_name, agency_id, crisis_id, disabled, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.#byId = db.prepare<[string], UserRow>('SELECT * FROM users WHERE id = ?');
    this.#byUsername = db.prepare<[string], UserRow>('SELECT * FROM users WHERE username = ?');
    this.#all = db.prepare<[], UserRow>('SELECT * FROM users ORDER BY username');
    this.#fieldTeams = db.prepare<[string], UserRow>(
      "SELECT * FROM users WHERE role = 'field' AND crisis_id = ? AND disabled = 0 ORDER BY display_name, username",
    );
    this.#setDisabled = db.prepare<[number, string]>('UPDATE users SET disabled = ? WHERE id = ?');
    this.#setPassword = db.prepare<[string, string]>('UPDATE users SET password_hash = ? WHERE id = ?');
    this.#setScope = db.prepare<[string, string | null, string | null, string]>('UPDATE users SET role = ?, agency_id = ?, crisis_id = ? WHERE id = ?');
  }

  /** Stores a new user. */
  insert(u: UserRecord): void {
    this.#insert.run(u.id, u.username, u.passwordHash, u.role, u.displayName, u.agencyId, u.crisisId, u.disabled ? 1 : 0, u.createdAt);
  }

  /** The user with this id, or null. */
  findById(id: string): UserRecord | null {
    const row = this.#byId.get(id);
    return row ? toUserRecord(row) : null;
  }

  /** The user with this username, or null. */
  findByUsername(username: string): UserRecord | null {
    const row = this.#byUsername.get(username);
    return row ? toUserRecord(row) : null;
  }

  /** Disables or enables an account; returns whether it exists. */
  setDisabled(id: string, disabled: boolean): boolean {
    return this.#setDisabled.run(disabled ? 1 : 0, id).changes > 0;
  }

  /** Replaces an account's password hash; returns whether it exists. */
  setPasswordHash(id: string, hash: string): boolean {
    return this.#setPassword.run(hash, id).changes > 0;
  }

  /** Changes what an account is: role, agency and crisis together (they are checked together). */
  setScope(id: string, scope: { role: Role; agencyId: string | null; crisisId: string | null }): boolean {
    return this.#setScope.run(scope.role, scope.agencyId, scope.crisisId, id).changes > 0;
  }

  /** Enabled field users of a crisis, by display name, without password hashes. */
  listFieldTeams(crisisId: string): UserSummary[] {
    return this.#fieldTeams.all(crisisId).map(toUserSummary);
  }

  /** Every user, without password hashes. */
  list(): UserSummary[] {
    return this.#all.all().map(toUserSummary);
  }
}
