/**
 * Compile-time checks of an AIS program: duplicate
 * agents and flows, the entry flow, memory tiers, and per flow what checkFlow.ts finds. Upstream's
 * wording is kept where upstream reports the same problem.
 */
import type { AgentDecl, FlowDecl, Program } from './ast.js';
import type { CallMapping } from './classifyCall.js';
import { checkFlow, tierHint } from './checkFlow.js';
import { isTier } from '../memory/memorySystem.js';
import { DiagnosticSink, type AisDiagnostic } from './diagnostics.js';

export interface CheckOptions {
  file?: string;
  mapping?: CallMapping;
  /** Capability names the host provides; when given, a call of any other unknown name is an error. */
  capabilities?: Iterable<string>;
}

export function checkAis(ast: Program, options: CheckOptions = {}): AisDiagnostic[] {
  const sink = new DiagnosticSink(options.file);
  const hostCapabilities = options.capabilities ? new Set(options.capabilities) : undefined;
  checkDuplicates(ast, sink);
  checkEntry(ast, sink);
  for (const agent of ast.agents) {
    for (const m of agent.memory) {
      if (!isTier(m.tier.toLowerCase())) {
        sink.error(
          'AIS_INVALID_TIER',
          `invalid memory tier '${m.tier}' for '${m.name}': space must be 'stm', 'ltm', or 'episodic'`,
          m.tierRange,
          tierHint(m.tier),
        );
      }
    }
    for (const flow of agent.flows) checkFlow(ast, agent, flow, sink, { mapping: options.mapping, hostCapabilities });
  }
  return sink.items;
}

function checkDuplicates(ast: Program, sink: DiagnosticSink): void {
  const agents = new Map<string, AgentDecl>();
  for (const a of ast.agents) {
    const prev = agents.get(a.name);
    if (prev) {
      sink.error(
        'AIS_DUPLICATE_AGENT',
        `duplicate agent '${a.name}'`,
        a.nameRange,
        'rename one of them; agent names must be unique in a file',
        [{ message: `'${a.name}' is first defined here`, range: prev.nameRange }],
      );
    } else agents.set(a.name, a);
    const flows = new Map<string, FlowDecl>();
    for (const f of a.flows) {
      const p = flows.get(f.name);
      if (p) {
        sink.error(
          'AIS_DUPLICATE_FLOW',
          `duplicate flow '${a.name}.${f.name}'`,
          f.nameRange,
          'rename one of them; flow names must be unique within an agent',
          [{ message: `'${f.name}' is first defined here`, range: p.nameRange }],
        );
      } else flows.set(f.name, f);
      const params = new Map<string, boolean>();
      for (const prm of f.params) {
        if (params.has(prm.name))
          sink.error(
            'AIS_DUPLICATE_PARAM',
            `parameter '${prm.name}' of flow '${f.name}' is declared twice`,
            prm.nameRange,
            'give each parameter a distinct name',
          );
        params.set(prm.name, true);
      }
    }
  }
}

function checkEntry(ast: Program, sink: DiagnosticSink): void {
  const flows = ast.agents.flatMap((a) => a.flows);
  const entries = flows.filter((f) => f.isEntry);
  if (entries.length > 1) {
    // One agent with two is the parser's AIS_MULTIPLE_ENTRY; across agents it is reported here.
    const agentsWithEntry = ast.agents.filter((a) => a.flows.some((f) => f.isEntry));
    if (agentsWithEntry.length > 1) {
      const [first, ...rest] = entries;
      for (const f of rest) {
        sink.error(
          'AIS_MULTIPLE_ENTRY',
          'multiple @entry flows found; a program starts from exactly one',
          f.entryRange ?? f.nameRange,
          'keep @entry on the flow a run starts from and remove it from the others',
          [{ message: 'another @entry flow', range: first.entryRange ?? first.nameRange }],
        );
      }
    }
  } else if (entries.length === 0 && flows.length > 1) {
    sink.error(
      'AIS_NO_ENTRY',
      'no @entry flow found; annotate one flow with @entry',
      ast.agents[0]?.nameRange ?? ast.range,
      `write '@entry' before the flow a run starts from, e.g. '@entry flow ${flows[0].name}(...)'`,
    );
  } else if (flows.length === 0 && ast.agents.length > 0) {
    sink.error(
      'AIS_NO_ENTRY',
      'the program has no flow to run',
      ast.agents[0].nameRange,
      "add one: '@entry flow main(input: str) -> str { ... }'",
    );
  }
}
