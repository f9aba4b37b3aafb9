/** Runs in a fresh process: report peak RSS when idle (runtime loaded) or after a no-op run of N nodes. */
import { programFromJson } from '../runtime/graph/loadGraphJson.js';
import { Runtime } from '../runtime/runtime.js';
import { random, toGraphJson } from './shapes.js';

const [mode, n] = [process.argv[2], Number(process.argv[3])];
const rt = await Runtime.create({ memoryConfig: { recordEpisodes: true } });
const shape = random(n);
const program = programFromJson(toGraphJson(shape));
if (mode === 'run') {
  const r = await rt.execute(program);
  if (r.status !== 'succeeded') throw new Error(String(r.error?.message));
}
await rt.dispose();
console.log(JSON.stringify({ mode, nodes: n, maxRssMb: Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10 }));
