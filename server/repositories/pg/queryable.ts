import pg from 'pg';
import type { WriteBuffer } from './write-buffer';

/**
 * Where a repository's statement runs: the open transaction's connection when the caller is inside
 * one, the pool otherwise. pg-store.ts decides; the repositories only hold SQL.
 */
export interface Queryable {
  query<R extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
}

/** Where the group tables' statements run: also the batch transaction's buffer (pg-store.ts, write-buffer.ts). */
export interface BufferedQueryable extends Queryable {
  /** A point lookup of a row the buffer does not know (so no pending write touches it): no flush. */
  read<R extends pg.QueryResultRow>(text: string, values: unknown[]): Promise<pg.QueryResult<R>>;
  /** The caller's batch buffer, or null outside a batch transaction. */
  buffer(): WriteBuffer | null;
  /** Lookups of rows the buffer does not know, asked together in one statement (none: nothing asked). */
  readTogether(lookups: readonly (Lookup | null)[]): Promise<void>;
}

/**
 * A lookup a batch asks beside others (`readTogether`): its SQL, its values written in (`textArray`),
 * and what to do with the rows it finds.
 */
export interface Lookup {
  text: string;
  learn(rows: pg.QueryResultRow[]): void;
}

/** Strings as an SQL text array, each an escaped literal: for a statement sent without parameters. */
export function textArray(values: readonly string[]): string {
  refuseNul(values);
  return `ARRAY[${values.map((value) => pg.escapeLiteral(value)).join(', ')}]::text[]`;
}

/** A bigint column (pg returns int8 as text so nothing is lost) as a number; refuses one a number cannot hold exactly. */
export function toNumber(value: string | number | bigint): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new RangeError(`database integer ${String(value)} is not a safe integer`);
  return n;
}

/** How many rows a statement changed (pg reports null for statements that change none). */
export const changed = (result: pg.QueryResult): number => result.rowCount ?? 0;

/** A value holds a NUL character, which PostgreSQL text cannot store (SQLite can): refused by name, before the server answers with a bare encoding error. */
export class UnstorableTextError extends Error {
  override readonly name = 'UnstorableTextError';
}

const holdsNul = (value: unknown): boolean => (typeof value === 'string' ? value.includes('\u0000') : Array.isArray(value) && value.some(holdsNul));

/** Throws UnstorableTextError when a value to be stored holds a NUL character. */
export function refuseNul(values: readonly unknown[]): void {
  if (values.some(holdsNul)) throw new UnstorableTextError('a text value holds a NUL character, which PostgreSQL cannot store');
}
