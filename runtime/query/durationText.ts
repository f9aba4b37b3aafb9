/** A duration as people read it in the views and the CLI (no imports: the webviews bundle it). */

const pad = (n: number) => String(n).padStart(2, '0');

/**
 * `12 ms` under a second, `3.4 s` under a minute, `2 m 05 s` under an hour, then `1 h 02 m 03 s`;
 * `<1 ms` for a run that took less, `—` for none. Each unit is rounded once, before it is chosen,
 * so 999.6 ms reads `1.0 s` and 59.96 s `1 m 00 s`, never `1000 ms` or `60.0 s`.
 */
export function durationText(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '—';
  // a clock that stepped back gives a negative span: nothing has elapsed
  const v = Math.max(0, ms);
  if (v > 0 && v < 0.5) return '<1 ms';
  if (Math.round(v) < 1000) return `${Math.round(v)} ms`;
  const tenths = Math.round(v / 100);
  if (tenths < 600) return `${(tenths / 10).toFixed(1)} s`;
  const s = Math.round(v / 1000);
  if (s < 3600) return `${Math.floor(s / 60)} m ${pad(s % 60)} s`;
  return `${Math.floor(s / 3600)} h ${pad(Math.floor((s % 3600) / 60))} m ${pad(s % 60)} s`;
}
