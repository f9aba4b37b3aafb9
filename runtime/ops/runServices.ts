/** The services an op handler may use during one run; injected so tests and replay can swap them. */
import type { Aam } from '../aam/aam.js';
import type { CapabilitySystem } from '../capabilities/capabilitySystem.js';
import type { LlmClient } from '../llm/llmClient.js';
import type { EpisodicRecorder } from '../memory/episodicRecorder.js';
import type { MemorySystem } from '../memory/memorySystem.js';
import type { ShortTermMemory } from '../memory/shortTermMemory.js';
import type { StorageBackend } from '../memory/storage.js';
import type { Value } from '../values/value.js';

export interface HumanInputRequest {
  runId: string;
  nodeId: number;
  /** `Agent.flow` the PAUSE is in (a debugger shows where it waits). */
  flow?: string;
  checkpointId: string;
  message: string;
  displayData: Value;
  signal: AbortSignal;
}

/** Answers PAUSE: a terminal prompt in the CLI, the debugger in VS Code, a script in tests. */
export interface HumanInputProvider {
  request(req: HumanInputRequest): Promise<Value>;
}

export interface RunServices {
  readonly runId: string;
  /** The run's three memory tiers (STM, LTM, Episodic). */
  readonly memory: MemorySystem;
  readonly stm: ShortTermMemory;
  readonly storage: StorageBackend;
  readonly recorder?: EpisodicRecorder;
  readonly llm: LlmClient;
  readonly capabilities: CapabilitySystem;
  readonly aam: Aam;
  readonly humanInput: HumanInputProvider;
  /** Remote agents for COMMUNICATE over HTTP: agent name → base URL. */
  readonly remoteAgents: Record<string, string>;
  /** Run-wide token budget (undefined = unlimited). */
  readonly tokenBudget?: number;
  readonly now: () => number;
  /** Tokens used so far by this run (shared with sub-flows). */
  tokensUsed(): number;
  /** Adds an LLM call's usage to the run's totals. */
  accountLlm(inputTokens: number, outputTokens: number, retries: number, cost: number | undefined): void;
}
