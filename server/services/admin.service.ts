import { v7 as uuidv7 } from 'uuid';
import { z } from 'zod';
import type { Repositories } from '../repositories/repositories';
import type { AuditAction, AuditEntry } from '../repositories/audit.repository';
import { toPublicUser, type UserRecord, type UserSummary } from '../repositories/user.repository';
import { Agency } from '../../shared/schemas/agency.schema';
import { Crisis } from '../../shared/schemas/crisis.schema';
import type { AdminOverview } from '../../shared/schemas/admin.schema';
import { AGENCY_ROLES, PublicUser, Role, Username } from '../../shared/schemas/user.schema';
import { can } from '../../shared/permissions';
import { hashPassword, type ScryptParams } from './password';

/** A request an admin made that cannot be carried out; its message is safe to show them. */
export class AdminInputError extends Error {
  override readonly name = 'AdminInputError';
}

/** The caller may not administer (not an admin). */
export class AdminForbiddenError extends Error {
  override readonly name = 'AdminForbiddenError';
}

/** The user (or other record) named does not exist. */
export class AdminNotFoundError extends Error {
  override readonly name = 'AdminNotFoundError';
}

/** Who asks: a signed-in user, or the admin command on the server's own machine (no user id). */
export interface AdminActor {
  userId: string | null;
  role: Role;
}

/** The admin command: whoever can run it already holds the database file. */
export const LOCAL_OPERATOR: AdminActor = { userId: null, role: 'admin' };

/** What a user may be changed into: role, agency (acronym or id) and crisis, checked together. */
export const UserScopeInput = z.object({
  role: Role,
  agency: z.string().min(1).nullable().default(null),
  crisisId: z.string().nullable().default(null),
});
export type UserScopeInput = z.input<typeof UserScopeInput>;

function authorize(actor: AdminActor): void {
  if (!can(actor.role, 'admin.manage')) throw new AdminForbiddenError('only an admin may do this');
}

export const NewCrisisInput = z.object({
  name: Crisis.shape.name,
  type: Crisis.shape.type,
  hostCountry: Crisis.shape.hostCountry,
  phase: Crisis.shape.phase,
  area: Crisis.shape.area,
  isDemo: z.boolean().default(false),
});
export type NewCrisisInput = z.input<typeof NewCrisisInput>;

export const NewAgencyInput = z.object({
  name: z.string().min(1).max(200),
  acronym: z.string().min(1).max(20),
  type: z.string(),
  servesState: z.string().nullable().default(null),
});
export type NewAgencyInput = z.input<typeof NewAgencyInput>;

/** A new password: long enough that a passphrase is the easy choice. */
export const NewPassword = z.string().min(10, 'at least 10 characters').max(200);

export const NewUserInput = z.object({
  username: Username,
  password: NewPassword,
  role: Role,
  displayName: PublicUser.shape.displayName,
  /** The agency, by acronym (what an admin knows) or by id (what code knows). */
  agency: z.string().min(1).nullable().default(null),
  crisisId: z.string().nullable().default(null),
});
export type NewUserInput = z.input<typeof NewUserInput>;

/** Parses admin input, turning every issue into one AdminInputError message. */
export function parseOrThrow<T>(schema: z.ZodType<T>, input: unknown, what: string): T {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((i) => `${i.path.join('.') || what}: ${i.message}`);
  throw new AdminInputError(`invalid ${what}: ${lines.join('; ')}`);
}

/** Crises, agencies and users: what the admin command and the seeds create. */
export class AdminService {
  readonly #repos: Repositories;
  readonly #scrypt: ScryptParams | undefined;
  readonly #onAccessRevoked: (userId: string) => void;

  /**
   * `onAccessRevoked` runs after the commit whenever a user's sessions end or what they may see
   * changes (disabled, role/agency/crisis changed, password reset): the server closes their sockets.
   */
  constructor(repos: Repositories, options: { scrypt?: ScryptParams; onAccessRevoked?: (userId: string) => void } = {}) {
    this.#repos = repos;
    this.#scrypt = options.scrypt;
    this.#onAccessRevoked = options.onAccessRevoked ?? (() => undefined);
  }

  /** Creates a crisis. */
  async createCrisis(input: NewCrisisInput, actor: AdminActor = LOCAL_OPERATOR): Promise<Crisis> {
    authorize(actor);
    const fields = parseOrThrow(NewCrisisInput, input, 'crisis');
    const crisis = parseOrThrow(Crisis, { ...fields, id: uuidv7(), createdAt: new Date().toISOString() }, 'crisis');
    await this.#repos.transaction(async () => {
      await this.#repos.crises.insert(crisis);
      await this.#audit(actor, 'admin.create_crisis', 'crisis', crisis.id);
    });
    return crisis;
  }

  /** Creates an agency; acronyms are unique (case-insensitive). */
  async createAgency(input: NewAgencyInput, actor: AdminActor = LOCAL_OPERATOR): Promise<Agency> {
    authorize(actor);
    const fields = parseOrThrow(NewAgencyInput, input, 'agency');
    const agency = parseOrThrow(Agency, { ...fields, id: uuidv7() }, 'agency');
    return this.#repos.transaction(async () => {
      if (await this.#repos.agencies.findByAcronym(agency.acronym)) {
        throw new AdminInputError(`an agency with acronym ${agency.acronym} already exists`);
      }
      await this.#repos.agencies.insert(agency, new Date().toISOString());
      await this.#audit(actor, 'admin.create_agency', 'agency', agency.id);
      return agency;
    });
  }

  /**
   * Checks a new user's role against its agency and crisis (without the password, so the admin
   * command can refuse before asking for one); returns the agency.
   */
  async checkUserScope(input: Omit<NewUserInput, 'password'>, actor: AdminActor = LOCAL_OPERATOR): Promise<Agency | null> {
    authorize(actor);
    const fields = parseOrThrow(NewUserInput.omit({ password: true }), input, 'user');
    if (await this.#repos.users.findByUsername(fields.username)) throw new AdminInputError(`username ${fields.username} is taken`);
    return await this.#checkScope(fields);
  }

  async #checkScope(fields: z.output<typeof UserScopeInput>): Promise<Agency | null> {
    const agency = fields.agency ? ((await this.#repos.agencies.findByAcronym(fields.agency)) ?? (await this.#repos.agencies.findById(fields.agency))) : null;
    if (fields.agency && !agency) throw new AdminInputError(`no agency ${fields.agency}`);
    if (AGENCY_ROLES.includes(fields.role) && !agency) throw new AdminInputError(`a ${fields.role} user needs an agency`);
    if (fields.role === 'embassy' && agency?.type !== 'consulate') {
      throw new AdminInputError('an embassy user needs a consulate agency');
    }
    if (fields.role !== 'admin' && !fields.crisisId) throw new AdminInputError(`a ${fields.role} user needs a crisis`);
    if (fields.crisisId && !(await this.#repos.crises.findById(fields.crisisId))) {
      throw new AdminInputError(`no crisis ${fields.crisisId}`);
    }
    return agency;
  }

  /**
   * Creates a user. Responders and embassy staff act for an agency (an embassy's must be a
   * consulate); everyone but an admin works in one crisis.
   */
  async createUser(input: NewUserInput, actor: AdminActor = LOCAL_OPERATOR): Promise<PublicUser> {
    authorize(actor);
    const fields = parseOrThrow(NewUserInput, input, 'user');
    const agency = await this.checkUserScope(fields, actor);
    const passwordHash = await hashPassword(fields.password, this.#scrypt);
    const record = {
      id: uuidv7(),
      username: fields.username,
      displayName: fields.displayName,
      role: fields.role,
      agencyId: agency?.id ?? null,
      crisisId: fields.crisisId,
      passwordHash,
      disabled: false,
      createdAt: new Date().toISOString(),
    };
    await this.#repos.transaction(async () => {
      // Checked inside the transaction: the hash above took time in which another admin could act.
      if (await this.#repos.users.findByUsername(record.username)) {
        throw new AdminInputError(`username ${record.username} is taken`);
      }
      await this.#repos.users.insert(record);
      await this.#audit(actor, 'admin.create_user', 'user', record.id);
    });
    return toPublicUser(record);
  }

  /** Everything an admin lists: crises, agencies, users without hashes, and how many sessions each user has open. */
  async list(actor: AdminActor = LOCAL_OPERATOR): Promise<AdminOverview> {
    authorize(actor);
    const sessions = (await this.#repos.sessions.countByUser()).map((s) => ({
      userId: s.userId,
      count: s.count,
      lastSeenAt: new Date(s.lastSeenAtMs).toISOString(),
    }));
    return { crises: await this.#repos.crises.list(), agencies: await this.#repos.agencies.list(), users: await this.#repos.users.list(), sessions };
  }

  /** Disables (or re-enables) an account; disabling ends its sessions and closes its sockets. */
  async setDisabled(userRef: string, disabled: boolean, actor: AdminActor = LOCAL_OPERATOR): Promise<UserSummary> {
    authorize(actor);
    const user = await this.#user(userRef);
    if (disabled && user.id === actor.userId) throw new AdminInputError('you cannot disable your own account');
    await this.#repos.transaction(async () => {
      await this.#repos.users.setDisabled(user.id, disabled);
      if (disabled) await this.#repos.sessions.deleteByUser(user.id);
      await this.#audit(actor, disabled ? 'admin.disable_user' : 'admin.enable_user', 'user', user.id);
    });
    if (disabled) this.#onAccessRevoked(user.id);
    return await this.#summary(user.id);
  }

  /** Sets a new password; every session of the account ends (whoever held it is out). */
  async resetPassword(userRef: string, password: string, actor: AdminActor = LOCAL_OPERATOR): Promise<UserSummary> {
    authorize(actor);
    const user = await this.#user(userRef);
    const hash = await hashPassword(parseOrThrow(NewPassword, password, 'password'), this.#scrypt);
    await this.#repos.transaction(async () => {
      await this.#repos.users.setPasswordHash(user.id, hash);
      await this.#repos.sessions.deleteByUser(user.id);
      await this.#audit(actor, 'admin.reset_password', 'user', user.id);
    });
    this.#onAccessRevoked(user.id);
    return await this.#summary(user.id);
  }

  /** Ends every session of an account and closes its sockets; returns how many sessions ended. */
  async endSessions(userRef: string, actor: AdminActor = LOCAL_OPERATOR): Promise<number> {
    authorize(actor);
    const user = await this.#user(userRef);
    const ended = this.#repos.transaction(async () => {
      const n = await this.#repos.sessions.deleteByUser(user.id);
      await this.#audit(actor, 'admin.end_sessions', 'user', user.id);
      return n;
    });
    this.#onAccessRevoked(user.id);
    return ended;
  }

  /** Changes a user's role, agency and crisis (checked like a new user's); their sockets close. */
  async changeScope(userRef: string, input: UserScopeInput, actor: AdminActor = LOCAL_OPERATOR): Promise<UserSummary> {
    authorize(actor);
    const user = await this.#user(userRef);
    const fields = parseOrThrow(UserScopeInput, input, 'user');
    const agency = await this.#checkScope(fields);
    await this.#repos.transaction(async () => {
      await this.#repos.users.setScope(user.id, { role: fields.role, agencyId: agency?.id ?? null, crisisId: fields.crisisId });
      await this.#audit(actor, 'admin.change_user', 'user', user.id);
    });
    this.#onAccessRevoked(user.id);
    return await this.#summary(user.id);
  }

  async #user(ref: string): Promise<UserRecord> {
    const user = (await this.#repos.users.findById(ref)) ?? (await this.#repos.users.findByUsername(ref));
    if (!user) throw new AdminNotFoundError('no such user');
    return user;
  }

  async #summary(id: string): Promise<UserSummary> {
    const { passwordHash: _hash, ...summary } = await this.#user(id);
    return summary;
  }

  async #audit(actor: AdminActor, action: AuditAction, recordType: AuditEntry['recordType'], recordId: string): Promise<void> {
    // The admin command (LOCAL_OPERATOR) runs on the server's own machine with no signed-in user.
    await this.#repos.audit.append({ at: new Date().toISOString(), userId: actor.userId, role: actor.role, action, recordType, recordId, outcome: 'ok' });
  }
}
