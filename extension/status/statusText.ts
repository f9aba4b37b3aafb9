/**
 * What the APXM status bar item says about a run (no `vscode` import, so it is tested directly):
 * ops done of total, tokens, cost, elapsed time, and a tooltip with the rest.
 */
import type { RunStatusBody } from '../../debug-adapter/customProtocol.js';
import { formatCost } from '../../runtime/llm/costText.js';
import { durationText } from '../../runtime/query/durationText.js';

export interface StatusText {
  text: string;
  tooltip: string;
}

const ICONS: Record<RunStatusBody['state'], string> = {
  running: '$(sync~spin)',
  paused: '$(debug-pause)',
  succeeded: '$(pass)',
  failed: '$(error)',
  cancelled: '$(circle-slash)',
};

const count = (n: number) => n.toLocaleString('en-US');

/** `12.3k` past ten thousand, so the item stays short. */
function tokens(n: number): string {
  if (n < 10_000) return count(n);
  return n < 1_000_000 ? `${(n / 1000).toFixed(1)}k` : `${(n / 1_000_000).toFixed(2)}M`;
}

export function statusText(program: string, s: RunStatusBody): StatusText {
  const st = s.stats;
  const done = st.nodesDone + st.nodesFailed + st.nodesSkipped;
  // a cost of 0 (simulated, local models) would only take room; an unknown one is not shown at all
  const cost = st.cost ? ` · ${formatCost(st.cost)}` : '';
  const text = `${ICONS[s.state]} ${count(done)}/${count(st.nodesTotal)} ops · ${tokens(st.tokens)} tok${cost} · ${durationText(st.elapsedMs)}`;
  const lines = [
    `APXM ${program}: ${s.state}${s.state === 'paused' && s.stoppedAt ? ` at ${s.stoppedAt.flow} node ${s.stoppedAt.nodeId}` : ''}`,
    `ops: ${count(st.nodesDone)} done, ${count(st.nodesFailed)} failed, ${count(st.nodesSkipped)} skipped, ${count(st.running)} running, of ${count(st.nodesTotal)}`,
    `LLM: ${count(st.llmCalls)} calls, ${count(st.tokens)} tokens${st.cost !== undefined ? `, ${formatCost(st.cost)}` : ''}`,
    `elapsed: ${durationText(st.elapsedMs)}`,
    'Click to show the program graph',
  ];
  return { text, tooltip: lines.join('\n') };
}
