import { bigDatabase } from './big-database';
import { readGroupPoints } from '../scenarios/cold-start';
import { bareMapColdStart } from './_bare-exp';
const big = await bigDatabase(100_000);
const points = readGroupPoints(big.dataDir);
for (let i = 0; i < 2; i++) {
  for (const props of ['', '1']) {
    process.env.EXP_PROPS = props;
    const r = await bareMapColdStart(points, { runs: 3, warmUps: 1, mapSize: { width: 900, height: 800 } });
    console.log(props ? 'props+clusterProps' : 'plain', Math.round(r.ms), JSON.stringify(r.phases));
  }
}
process.exit(0);
