/** Order statistics for the benchmarks. */

/** The q-quantile of `xs` (0.5: the median, upper middle for an even count). */
export function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}

export const p50 = (xs: readonly number[]): number => quantile(xs, 0.5);
