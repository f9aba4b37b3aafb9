/** A cost as views show it (no imports: the graph webview bundles it). */

/** `$0`, `<$0.0001`, `$0.0042`, `$1.23`: enough digits for one call's cost, two for a dollar or more. */
export function formatCost(usd: number): string {
  if (usd === 0) return '$0';
  if (usd < 0.0001) return '<$0.0001';
  if (usd < 1) return `$${usd.toFixed(4)}`;
  return `$${usd.toFixed(2)}`;
}
