/**
 * AIS front end on one huge string literal: compiles a program whose literal is 1, 4, 16 and
 * 64 MB (a backslash escape every KB and one `{{ name }}`) and prints MB/s per size with the time
 * ratio to the previous size. The sizes grow 4×: a linear front end shows ratios near 4, a
 * quadratic one near 16. `npm run bench literals`.
 */
import { performance } from 'node:perf_hooks';
import { compileAis } from '../runtime/ais/compileAis.js';

const MB = 1024 * 1024;

function source(bytes: number): string {
  const block = 'x'.repeat(1022) + '\\n'; // 1 KB of literal with one escape
  const literal = block.repeat(Math.floor(bytes / 1024)) + '{{ name }}';
  return `agent Big {\n  @entry flow main(name: str) -> str {\n    let text = "${literal}"\n    return text\n  }\n}\n`;
}

export async function literalBench(emit: (o: Record<string, unknown>) => void): Promise<void> {
  let previousMs: number | undefined;
  for (const mb of [1, 4, 16, 64]) {
    const src = source(mb * MB);
    const heapBefore = process.memoryUsage().heapUsed;
    const t0 = performance.now();
    const result = compileAis(src, 'big.ais');
    const ms = performance.now() - t0;
    const heapMb = (process.memoryUsage().heapUsed - heapBefore) / MB;
    emit({
      bench: 'ais-literal',
      literalMb: mb,
      ok: result.program !== undefined,
      ms: Math.round(ms),
      mbPerSecond: Number((mb / (ms / 1000)).toFixed(1)),
      ratioToPrevious: previousMs === undefined ? null : Number((ms / previousMs).toFixed(2)),
      heapGrowthMb: Math.round(heapMb),
    });
    previousMs = ms;
  }
}
