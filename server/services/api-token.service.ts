import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Repositories } from '../repositories/repositories';
import type { ApiTokenRecord } from '../repositories/api-token.repository';
import type { AuditEntry } from '../repositories/audit.repository';
import { TokenBucket, type SocketRatePolicy } from '../security/token-bucket';
import { can } from '../../shared/permissions';
import type { Audience } from '../../shared/projection';
import { failure, type Failure } from '../../shared/protocol';
import type { ApiTokenSummary, IssueApiToken, IssuedApiToken } from '../../shared/schemas/api-v1.schema';

/** Requests per second (and burst) one token may make; over it: 429 `rate_limited`. */
export const DEFAULT_API_RATE: SocketRatePolicy = { perSecond: 10, burst: 60 };

/**
 * Unknown tokens one client address may try (and have audited) per second; over it: 429 without an
 * audit row, so guessing tokens cannot fill the audit log.
 */
export const UNKNOWN_TOKEN_RATE: SocketRatePolicy = { perSecond: 1, burst: 20 };

/** Prefix that makes a leaked token recognisable by secret scanners and people alike. */
const TOKEN_PREFIX = 'wmk_';

/** SHA-256 is right here: the token is 256 random bits, so there is nothing for a slow hash to protect. */
const hashToken = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');

const summary = ({ tokenHash: _hash, ...s }: ApiTokenRecord): ApiTokenSummary => s;

/** A token that may read: its record and the audience it reads as. */
export interface ApiCaller {
  tokenId: string;
  audience: Audience;
}

/**
 * API tokens: an admin issues one per agency and crisis (shown once, stored hashed), lists and
 * revokes them; every issue, revocation and use is audited. A token reads exactly as that agency's
 * users do: a consulate's as its embassy users, any other agency's as its responders.
 */
export class ApiTokenService {
  readonly #repos: Repositories;
  readonly #now: () => number;
  readonly #rate: SocketRatePolicy;
  readonly #buckets = new Map<string, TokenBucket>();
  readonly #unknownByAddress = new Map<string, TokenBucket>();

  constructor(repos: Repositories, now: () => number = Date.now, rate: SocketRatePolicy = DEFAULT_API_RATE) {
    this.#repos = repos;
    this.#now = now;
    this.#rate = rate;
  }

  #at = () => new Date(this.#now()).toISOString();

  async #audit(entry: Omit<AuditEntry, 'at'>): Promise<void> {
    await this.#repos.audit.append({ at: this.#at(), ...entry });
  }

  /** Issues a token; the answer is the only time the token itself is ever shown. */
  async issue(admin: Audience, request: IssueApiToken): Promise<IssuedApiToken | Failure> {
    if (!can(admin.role, 'admin.manage')) return failure('forbidden', 'only admins issue API tokens');
    const agency = await this.#repos.agencies.findById(request.agencyId);
    if (!agency) return failure('invalid', 'no such agency');
    if (!(await this.#repos.crises.findById(request.crisisId))) return failure('invalid', 'no such crisis');
    const token = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
    const record: ApiTokenRecord = {
      id: randomUUID(),
      name: request.name,
      agencyId: agency.id,
      crisisId: request.crisisId,
      tokenHash: hashToken(token),
      createdBy: admin.userId,
      createdAt: this.#at(),
      lastUsedAt: null,
      revokedAt: null,
    };
    await this.#repos.transaction(async () => {
      await this.#repos.apiTokens.insert(record);
      await this.#audit({ userId: admin.userId, role: admin.role, action: 'api_token.issue', recordType: 'api_token', recordId: record.id, outcome: 'ok' });
    });
    return { ok: true, token, summary: summary(record) };
  }

  /** Every token (never the token itself), newest first. */
  async list(admin: Audience): Promise<{ ok: true; tokens: ApiTokenSummary[] } | Failure> {
    if (!can(admin.role, 'admin.manage')) return failure('forbidden', 'only admins manage API tokens');
    return { ok: true, tokens: (await this.#repos.apiTokens.list()).map(summary) };
  }

  /** Revokes a token at once: its next request is refused. */
  async revoke(admin: Audience, tokenId: string): Promise<{ ok: true; token: ApiTokenSummary } | Failure> {
    if (!can(admin.role, 'admin.manage')) return failure('forbidden', 'only admins manage API tokens');
    return this.#repos.transaction(async () => {
      const current = await this.#repos.apiTokens.findById(tokenId);
      if (!current) return failure('not_found', 'no such API token');
      if (current.revokedAt !== null) return { ok: true as const, token: summary(current) };
      await this.#repos.apiTokens.revoke(tokenId, admin.userId, this.#at());
      await this.#audit({ userId: admin.userId, role: admin.role, action: 'api_token.revoke', recordType: 'api_token', recordId: tokenId, outcome: 'ok' });
      const revoked = await this.#repos.apiTokens.findById(tokenId);
      return revoked ? { ok: true as const, token: summary(revoked) } : failure('not_found', 'no such API token');
    });
  }

  /**
   * The caller behind an `Authorization: Bearer` header, or why not (401 missing/unknown/revoked,
   * 429 over its rate). Each use of a known token is audited, refused ones included; unknown tokens
   * are audited up to UNKNOWN_TOKEN_RATE per client address, and refused 429 past it.
   */
  async authenticate(header: string | undefined, address = 'unknown'): Promise<ApiCaller | Failure> {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
    if (!match?.[1]) return failure('unauthorized', 'an API token is required: Authorization: Bearer <token>');
    const record = await this.#repos.apiTokens.findByHash(hashToken(match[1]));
    if (!record) {
      let guesses = this.#unknownByAddress.get(address);
      if (!guesses) {
        if (this.#unknownByAddress.size > 10_000) this.#unknownByAddress.clear();
        this.#unknownByAddress.set(address, (guesses = new TokenBucket(UNKNOWN_TOKEN_RATE, this.#now)));
      }
      if (!guesses.take()) return failure('rate_limited', 'too many unknown API tokens from this address; slow down');
      await this.#audit({ userId: null, role: null, action: 'api.read', recordType: 'api_token', recordId: null, outcome: 'refused' });
      return failure('unauthorized', 'unknown API token');
    }
    const agency = await this.#repos.agencies.findById(record.agencyId);
    const consulate = agency?.type === 'consulate';
    const audience: Audience = {
      userId: `api-token:${record.id}`,
      role: consulate ? 'embassy' : 'responder',
      crisisId: record.crisisId,
      agencyId: record.agencyId,
      servesState: consulate ? (agency.servesState ?? null) : null,
    };
    const use = (outcome: AuditEntry['outcome']) =>
      this.#audit({ userId: null, role: audience.role, action: 'api.read', recordType: 'api_token', recordId: record.id, outcome });
    if (record.revokedAt !== null || !agency) {
      await use('refused');
      return failure('unauthorized', 'this API token was revoked');
    }
    let bucket = this.#buckets.get(record.id);
    if (!bucket) this.#buckets.set(record.id, (bucket = new TokenBucket(this.#rate, this.#now)));
    if (!bucket.take()) {
      await use('refused');
      return failure('rate_limited', 'too many requests with this token; slow down');
    }
    await this.#repos.transaction(async () => {
      await this.#repos.apiTokens.touch(record.id, this.#at());
      await use('ok');
    });
    return { tokenId: record.id, audience };
  }
}
