import type pg from 'pg';

/**
 * Where a repository's statement runs: the open transaction's connection when the caller is inside
 * one, the pool otherwise. pg-store.ts decides; the repositories only hold SQL.
 */
export interface Queryable {
  query<R extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
}

/** A bigint column (pg returns int8 as text so nothing is lost) as a number; refuses one a number cannot hold exactly. */
export function toNumber(value: string | number | bigint): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new RangeError(`database integer ${String(value)} is not a safe integer`);
  return n;
}

/** How many rows a statement changed (pg reports null for statements that change none). */
export const changed = (result: pg.QueryResult): number => result.rowCount ?? 0;
