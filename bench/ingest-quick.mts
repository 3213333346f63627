// Scratch: in-process write path throughput per engine (not committed).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openStore } from '../server/db/open-store';
import { silentLogger } from '../server/log';
import { AdminService } from '../server/services/admin.service';
import { AuthService } from '../server/services/auth.service';
import { GroupService, type Actor } from '../server/services/group.service';
import { DEFAULT_SESSION_POLICY } from '../server/config';
import { GroupCommit } from '../server/write/group-commit';
import { startPostgres } from '../test/support/postgres';
import { reportFactory } from './support/payloads';

const seconds = Number(process.env.S ?? 4);
async function run(databaseUrl: string | null) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wm-ing-'));
  const repos = await openStore({ databaseUrl, databaseFile: path.join(dir, 'w.db') });
  const admin = new AdminService(repos, { scrypt: { N: 1024, r: 8, p: 1 } });
  const crisis = await admin.createCrisis({ name: 'C', type: 'conflict', hostCountry: 'LBY', phase: 'emergency_response', area: [9.3, 19.5, 25.2, 33.2] });
  const auth = new AuthService(repos, DEFAULT_SESSION_POLICY);
  const user = await admin.createUser({ username: 'field-one', password: 'batch-password-1', role: 'field', displayName: 'f', agency: null, crisisId: crisis.id });
  const rec = (await repos.users.findById(user.id))!;
  const actor: Actor = { userId: user.id, audience: await auth.audienceOf(rec) };
  const groups = new GroupService(repos);
  const writes = new GroupCommit(repos, groups, () => {}, silentLogger);
  const make = reportFactory();
  let done = 0;
  let stop = false;
  const end = Date.now() + seconds * 1000;
  const worker = async () => {
    while (Date.now() < end) {
      const o = await writes.execute(actor, make());
      if (!o.ack.ok) throw new Error(JSON.stringify(o.ack));
      done++;
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: 200 }, worker));
  const rate = done / ((performance.now() - t0) / 1000);
  stop = true;
  await repos.close();
  return rate;
}
const pgH = await startPostgres();
try {
  for (let i = 0; i < 2; i++) {
    const s = await run(null);
    const p = await run(await pgH.createDatabase());
    console.log(`sqlite ${s.toFixed(0)}/s  postgres ${p.toFixed(0)}/s  ratio ${(p / s).toFixed(2)}`);
  }
} finally {
  await pgH.stop();
}
