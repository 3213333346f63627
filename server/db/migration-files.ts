import fs from 'node:fs';
import path from 'node:path';

/** One numbered migration file: `0007_add-sitreps.sql` is version 7, name `add-sitreps`. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/**
 * Reads the numbered .sql files of a folder in version order; other files are ignored. Both
 * engines keep their own folder of migrations but name and order them by the same rule.
 */
export function readMigrations(dir: string): Migration[] {
  return fs
    .readdirSync(dir)
    .map((file) => ({ file, match: /^(\d+)_([\w-]+)\.sql$/.exec(file) }))
    .flatMap(({ file, match }) =>
      match?.[1] && match[2] ? [{ version: Number(match[1]), name: match[2], sql: fs.readFileSync(path.join(dir, file), 'utf8') }] : [],
    )
    .sort((a, b) => a.version - b.version);
}
