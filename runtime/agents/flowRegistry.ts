/** Agents and their flows, registered by name so FLOW_CALL and COMMUNICATE can find them. */
import { ApxmError } from '../errors.js';
import type { FlowGraph, FlowParameter, Program } from '../graph/types.js';

export class AgentFlow {
  constructor(
    readonly name: string,
    readonly graph: FlowGraph,
  ) {}
  get isEntry(): boolean {
    return this.graph.isEntry;
  }
  get parameters(): FlowParameter[] {
    return this.graph.parameters;
  }
}

export class Agent {
  readonly flows = new Map<string, AgentFlow>();
  constructor(
    readonly name: string,
    flows: FlowGraph[] = [],
  ) {
    for (const g of flows) this.addFlow(g);
  }
  addFlow(graph: FlowGraph): AgentFlow {
    // Keep the graph's identity when it already belongs to this agent: compiled flows are cached by it.
    const own = graph.agent === this.name && graph.qualifiedName === `${this.name}.${graph.flow}`;
    const f = new AgentFlow(graph.flow, own ? graph : { ...graph, agent: this.name, qualifiedName: `${this.name}.${graph.flow}` });
    this.flows.set(f.name, f);
    return f;
  }
  entryFlow(): AgentFlow | undefined {
    return [...this.flows.values()].find((f) => f.isEntry);
  }
}

export class FlowRegistry {
  private readonly agents = new Map<string, Agent>();
  /** Changes whenever the registered agents change (lets callers cache what they derive from them). */
  version = 0;
  private lastProgram: { program: Program; version: number } | undefined;

  /** Registers an agent, replacing the flows it had before. */
  registerAgent(agent: Agent): void {
    this.agents.set(agent.name, agent);
    this.version++;
  }

  /** Registers every flow of a program under its agent (nothing to do when it is what was registered last). */
  registerProgram(program: Program): void {
    if (this.lastProgram?.program === program && this.lastProgram.version === this.version) return;
    const byAgent = new Map<string, FlowGraph[]>();
    for (const f of program.flows) byAgent.set(f.agent, [...(byAgent.get(f.agent) ?? []), f]);
    for (const [name, flows] of byAgent) this.registerAgent(new Agent(name, flows));
    this.lastProgram = { program, version: this.version };
  }

  getAgent(name: string): Agent | undefined {
    return this.agents.get(name);
  }

  getFlow(agent: string, flow: string): FlowGraph | undefined {
    return this.agents.get(agent)?.flows.get(flow)?.graph;
  }

  requireFlow(agent: string, flow: string): FlowGraph {
    const f = this.getFlow(agent, flow);
    if (!f)
      throw new ApxmError('E_FLOW_NOT_FOUND', `flow '${agent}.${flow}' is not registered`, {
        hint: `registered flows: ${this.listFlows().join(', ') || 'none'}`,
      });
    return f;
  }

  listAgents(): string[] {
    return [...this.agents.keys()];
  }

  listFlows(): string[] {
    return [...this.agents.values()].flatMap((a) => [...a.flows.keys()].map((f) => `${a.name}.${f}`));
  }

  allFlows(): FlowGraph[] {
    return [...this.agents.values()].flatMap((a) => [...a.flows.values()].map((f) => f.graph));
  }

  clear(): void {
    this.agents.clear();
    this.version++;
  }
}
