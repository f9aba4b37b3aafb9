/**
 * The floor: the least an async token-counting executor can do — pending counters, a ready list,
 * at most `limit` no-op handlers in flight, each awaited as a promise. No events, priorities,
 * frames or memory.
 */
import type { Shape } from './shapes.js';

export async function runFloor(s: Shape, limit = 8): Promise<number> {
  const n = s.nodes;
  const pending = new Int32Array(n);
  const out: number[][] = Array.from({ length: n }, () => []);
  for (const [from, to] of s.edges) {
    pending[to - 1]++;
    out[from - 1].push(to - 1);
  }
  const ready: number[] = [];
  for (let i = 0; i < n; i++) if (pending[i] === 0) ready.push(i);
  const noop = async (_i: number) => null;
  let done = 0;
  let inFlight = 0;
  return new Promise((resolve) => {
    const pump = (): void => {
      while (inFlight < limit && ready.length) {
        const i = ready.pop() as number;
        inFlight++;
        void noop(i).then(() => {
          inFlight--;
          done++;
          for (const t of out[i]) if (--pending[t] === 0) ready.push(t);
          if (done === n) resolve(done);
          else pump();
        });
      }
    };
    pump();
  });
}
