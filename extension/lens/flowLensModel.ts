/**
 * What the CodeLens above each flow of an .ais file says after a run (no `vscode` import, so it is
 * tested directly): the last run's calls, latency, tokens and cost of that flow, callees included,
 * placed at the flow's declaration as the parser finds it in the text now.
 */
import { parseAis } from '../../runtime/ais/parser.js';
import { formatCost } from '../../runtime/llm/costText.js';
import { durationText } from '../../runtime/query/durationText.js';
import type { FlowTotal, FlowTotalsBody } from '../../runtime/query/flowTotals.js';

export interface FlowLens {
  /** 0-based line of the flow's declaration (its `@entry` when it has one). */
  line: number;
  flow: string;
  title: string;
  tooltip: string;
}

const count = (n: number) => n.toLocaleString('en-US');

/** One flow's line: `last run: 2.4 s · 1,234 tokens · $0.0123`, with the calls when more than one and the run's end when not a success. */
export function flowLensText(t: FlowTotal, status: FlowTotalsBody['status']): { title: string; tooltip: string } {
  const parts = [
    ...(t.calls > 1 ? [`${count(t.calls)} calls`] : []),
    durationText(t.latencyMs),
    `${count(t.tokens)} token${t.tokens === 1 ? '' : 's'}`,
    ...(t.cost !== undefined ? [formatCost(t.cost)] : []),
  ];
  const title = `last run${status === 'succeeded' ? '' : ` (${status})`}: ${parts.join(' · ')}`;
  const tooltip = [
    `${t.flow} in the last run (${status}), its callees included`,
    `calls: ${count(t.calls)}; time: ${durationText(t.latencyMs)} (time stopped in the debugger left out)`,
    `LLM: ${count(t.llmCalls)} calls, ${count(t.tokens)} tokens${t.cost !== undefined ? `, ${formatCost(t.cost)}` : ' (no price for its model: no cost)'}`,
  ].join('\n');
  return { title, tooltip };
}

/** The lenses of `text` for the flows `totals` has (by `Agent.flow`); none when there are no totals. */
export function flowLenses(text: string, totals: FlowTotalsBody | undefined): FlowLens[] {
  if (!totals?.flows.length) return [];
  const byName = new Map(totals.flows.map((f) => [f.flow, f]));
  const lenses: FlowLens[] = [];
  for (const agent of parseAis(text).ast.agents)
    for (const flow of agent.flows) {
      const name = `${agent.name}.${flow.name}`;
      const t = byName.get(name);
      if (!t) continue;
      lenses.push({ line: (flow.entryRange ?? flow.nameRange).line - 1, flow: name, ...flowLensText(t, totals.status) });
    }
  return lenses;
}
