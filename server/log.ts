/**
 * A structured logger. Fields must never hold personal values (names, notes, nationalities,
 * usernames, passwords): only ids, codes and counts, since logs travel further than the database.
 */
export interface Logger {
  /** Per-item detail (one line per change, say): not printed unless the logger was made at 'debug'. */
  debug(event: string, fields?: LogFields): void;
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
}

export type LogFields = Readonly<Record<string, string | number | boolean | null>>;

type Level = 'debug' | 'info' | 'warn' | 'error';

/** A logger writing one JSON line per event (stdout for debug and info, stderr for the rest); below `minLevel`, nothing. */
export function createConsoleLogger(minLevel: Level = 'info'): Logger {
  const order: Record<Level, number> = { debug: 0, info: 1, warn: 2, error: 3 };
  const write = (level: Level, event: string, fields?: LogFields) => {
    if (order[level] < order[minLevel]) return;
    const line = JSON.stringify({ at: new Date().toISOString(), level, event, ...fields });
    if (level === 'info' || level === 'debug') process.stdout.write(`${line}\n`);
    else process.stderr.write(`${line}\n`);
  };
  return {
    debug: (event, fields) => write('debug', event, fields),
    info: (event, fields) => write('info', event, fields),
    warn: (event, fields) => write('warn', event, fields),
    error: (event, fields) => write('error', event, fields),
  };
}

/** A logger that drops everything (tests that assert on behaviour, not on logs). */
export const silentLogger: Logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

/** Describes an unexpected error for a log line: its class and message, never the payload that caused it. */
export function describeError(error: unknown): LogFields {
  if (error instanceof Error) return { errorName: error.name, errorMessage: error.message.slice(0, 300) };
  return { errorName: typeof error };
}
