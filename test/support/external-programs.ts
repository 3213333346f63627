// Finds where a test or bench source starts a program that does not come from npm: `npm ci && npm
// test` must pass on a machine with Node and nothing else. Allowed: Node itself
// (`process.execPath`, `fork`), and the one optional server (Redis), started only through
// test/support/redis-server.ts, which skips what needs it, saying why, where it is missing.

/** The one file allowed to start a program from outside node_modules, and what it starts. */
export const OPTIONAL_SERVER_FILES: ReadonlyMap<string, string> = new Map([['test/support/redis-server.ts', 'redis-server (Redis)']]);

const CHILD_PROCESS_IMPORT = /import\s+(?:\*\s+as\s+(\w+)|(\w+)|\{([^}]*)\})\s+from\s+['"](?:node:)?child_process['"]/g;
const STARTERS = new Set(['spawn', 'spawnSync', 'exec', 'execSync', 'execFile', 'execFileSync', 'fork']);
/** A literal path to a system program, whatever starts it. */
const SYSTEM_PATH = /['"`](\/(?:usr\/)?(?:local\/)?s?bin\/[\w.-]+)/g;
/** A literal browser (or other program) handed to a launcher. */
const LITERAL_EXECUTABLE = /executablePath\s*:\s*['"`]/g;

/** The first argument of the call whose `(` is at `open`, as written. */
function firstArgument(source: string, open: number): string {
  let depth = 0;
  for (let i = open + 1; i < source.length; i++) {
    const c = source[i];
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      if (depth === 0) return source.slice(open + 1, i).trim();
      depth--;
    } else if (c === ',' && depth === 0) return source.slice(open + 1, i).trim();
  }
  return source.slice(open + 1).trim();
}

const lineOf = (source: string, index: number) => source.slice(0, index).split('\n').length;

/**
 * Every place in `source` (the file at `file`, relative to the repository) that starts a program
 * from outside node_modules, as `file:line: what`; empty when there is none.
 */
export function externalProgramUses(file: string, source: string): string[] {
  const found: string[] = [];
  const optional = OPTIONAL_SERVER_FILES.has(file);
  for (const match of source.matchAll(SYSTEM_PATH)) found.push(`${file}:${lineOf(source, match.index)}: system program ${match[1]}`);
  for (const match of source.matchAll(LITERAL_EXECUTABLE)) found.push(`${file}:${lineOf(source, match.index)}: a literal executablePath`);

  // Calls of child_process's starters, by the names this file imported them under.
  const callees: { pattern: RegExp; name: string }[] = [];
  for (const imported of source.matchAll(CHILD_PROCESS_IMPORT)) {
    const [, namespace, defaultName, named] = imported;
    const module = namespace ?? defaultName;
    if (module) callees.push({ pattern: new RegExp(`\\b${module}\\.(\\w+)\\s*\\(`, 'g'), name: '' });
    for (const spec of named?.split(',') ?? []) {
      const [original, local] = spec
        .replace(/\btype\s+/, '')
        .trim()
        .split(/\s+as\s+/);
      if (original && STARTERS.has(original)) callees.push({ pattern: new RegExp(`(?<![.\\w])${local ?? original}\\s*\\(`, 'g'), name: original });
    }
  }
  for (const { pattern, name } of callees) {
    for (const call of source.matchAll(pattern)) {
      const starter = name || call[1] || '';
      if (!STARTERS.has(starter) || starter === 'fork') continue; // fork always runs Node
      const program = firstArgument(source, call.index + call[0].length - 1);
      if (program === 'process.execPath' || optional) continue;
      found.push(`${file}:${lineOf(source, call.index)}: ${starter}(${program}, …) starts a program that is not Node`);
    }
  }
  return found;
}
