import type { Repositories } from '../repositories/repositories';
import { can } from '../../shared/permissions';
import { failure, type Failure } from '../../shared/protocol';
import type { RetentionPolicy } from '../../shared/retention';
import type { PurgeLedgerEntry, RetentionOverview, RetentionPolicyBody } from '../../shared/schemas/retention.schema';
import type { Role } from '../../shared/schemas/user.schema';
import { RetentionInputError, type RetentionRun, type RetentionService } from './retention.service';

/** Who asks, from the session. */
export interface RetentionAdminActor {
  userId: string;
  role: Role;
}

const forbidden = (): Failure => failure('forbidden', 'only an admin manages retention');
const noCrisis = (): Failure => failure('not_found', 'no such crisis');

/**
 * Retention from the admin screen: the same policies, closing and purge runs as the admin command,
 * for a signed-in admin. Each method authorizes on its first line and answers a named failure
 * (never a throw) for what a person can get wrong; the audit rows name the admin.
 */
export class RetentionAdminService {
  readonly #repos: Repositories;
  readonly #retention: RetentionService;
  /** The app's one retention run (shared with its timer, so runs never overlap). */
  readonly #run: () => Promise<RetentionRun[]>;

  constructor(repos: Repositories, retention: RetentionService, run: () => Promise<RetentionRun[]>) {
    this.#repos = repos;
    this.#retention = retention;
    this.#run = run;
  }

  /** Every crisis with its policy, and the ledger newest first. */
  async overview(actor: RetentionAdminActor): Promise<RetentionOverview | Failure> {
    if (!can(actor.role, 'admin.manage')) return forbidden();
    const [crises, policies, ledger] = await Promise.all([this.#repos.crises.list(), this.#retention.policies(), this.#retention.ledger()]);
    const byCrisis = new Map(policies.map((p) => [p.crisisId, p]));
    return {
      ok: true,
      crises: crises.map((c) => ({ id: c.id, name: c.name, policy: byCrisis.get(c.id) ?? null })),
      // Newest first: what an admin checks is what happened lately. Reason codes were checked on the way in.
      ledger: ledger.reverse() as PurgeLedgerEntry[],
    };
  }

  async setPolicy(actor: RetentionAdminActor, crisisId: string, body: RetentionPolicyBody): Promise<{ ok: true; policy: RetentionPolicy } | Failure> {
    if (!can(actor.role, 'admin.manage')) return forbidden();
    return this.#named(async () => ({ ok: true as const, policy: await this.#retention.setPolicy({ crisisId, ...body }, actor) }), noCrisis);
  }

  async clearPolicy(actor: RetentionAdminActor, crisisId: string): Promise<{ ok: true; cleared: boolean } | Failure> {
    if (!can(actor.role, 'admin.manage')) return forbidden();
    return this.#named(async () => ({ ok: true as const, cleared: await this.#retention.clearPolicy(crisisId, actor) }), noCrisis);
  }

  /** Closing needs a policy first (a crisis without one keeps everything, so closing it would mean nothing). */
  async closeCrisis(actor: RetentionAdminActor, crisisId: string): Promise<{ ok: true; policy: RetentionPolicy } | Failure> {
    if (!can(actor.role, 'admin.manage')) return forbidden();
    if (!(await this.#repos.crises.findById(crisisId))) return noCrisis();
    return this.#named(
      async () => ({ ok: true as const, policy: await this.#retention.closeCrisis(crisisId, actor) }),
      () => failure('invalid', 'this crisis has no retention policy: set one first'),
    );
  }

  /** Purges what is due in every crisis now; the totals over every crisis. */
  async purgeNow(actor: RetentionAdminActor): Promise<{ ok: true; groups: number; imports: number } | Failure> {
    if (!can(actor.role, 'admin.manage')) return forbidden();
    const runs = await this.#run();
    return { ok: true, groups: runs.reduce((n, r) => n + r.groups, 0), imports: runs.reduce((n, r) => n + r.imports, 0) };
  }

  /** The service's input errors (the only thing a person can get wrong there) as a named failure. */
  async #named<T>(action: () => Promise<T>, onInput: () => Failure): Promise<T | Failure> {
    try {
      return await action();
    } catch (error) {
      if (error instanceof RetentionInputError) return onInput();
      throw error;
    }
  }
}
