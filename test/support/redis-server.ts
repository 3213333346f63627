import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';

// Redis is the one program outside node_modules that a test (and a bench scenario) may start: it
// is an optional server (WAYMARK_REDIS_URL, several server processes), not something `npm ci`
// can install. Where it is missing, what needs it is skipped and says so; CI installs it (.ci/run).
// test/unit/external-programs.test.ts allows it by this file's name and nothing else.

/** The redis-server to start: REDIS_SERVER_PATH, else the first on PATH; null when there is none. */
export function findRedisServer(): string | null {
  const override = process.env['REDIS_SERVER_PATH'];
  if (override) return override;
  for (const dir of (process.env['PATH'] ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, 'redis-server');
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // Not in this folder; try the next.
    }
  }
  return null;
}

/**
 * Why what needs Redis cannot run here, or null when it can. In CI (CI=true) a missing Redis is
 * not a reason: the test then runs and fails, since .ci/run installs it.
 */
export function redisSkipReason(): string | null {
  if (findRedisServer() || process.env['CI']) return null;
  return 'skipped: needs Redis (redis-server), an optional server that npm cannot install and that is not on PATH here; CI installs it (set REDIS_SERVER_PATH to use another)';
}

export interface RedisServer {
  url: string;
  stop(): Promise<void>;
}

/** Starts redis-server on `port`, in memory only; resolves once it accepts connections. */
export async function startRedis(port: number): Promise<RedisServer> {
  const program = findRedisServer();
  if (!program) throw new Error('redis-server is not installed (not on PATH, no REDIS_SERVER_PATH)');
  const proc: ChildProcess = spawn(program, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  await new Promise<void>((resolve, reject) => {
    if (!proc.stdout) throw new Error('redis-server has no stdout');
    readline.createInterface({ input: proc.stdout }).on('line', (line) => {
      if (line.includes('Ready to accept connections')) resolve();
    });
    proc.once('error', reject);
    proc.once('exit', (code) => reject(new Error(`redis-server exited before it was ready (${code})`)));
  });
  return {
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise((resolve) => proc.once('exit', resolve));
      proc.kill('SIGKILL');
      await exited;
    },
  };
}
