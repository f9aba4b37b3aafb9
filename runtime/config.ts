/** RuntimeConfig and its documented defaults. */
import type { LlmConfig, LlmProvider } from './llm/types.js';
import type { HumanInputProvider } from './ops/runServices.js';

export interface MemoryConfig {
  /** SQLite file for LTM, the episodic log, checkpoints and queues. Default ':memory:'. */
  dbPath?: string;
  /** Storage backend; 'auto' prefers better-sqlite3 and falls back to node:sqlite. Default 'auto'. */
  backend?: 'auto' | 'better-sqlite3' | 'node:sqlite' | 'memory';
  /** STM capacity before least-recently-used keys are evicted. Default 10 000. */
  stmMaxEntries?: number;
  /** Record every node start/finish/failure, LLM reply and tool result in the episodic log. Default true. */
  recordEpisodes?: boolean;
  /** Episodic events written per transaction. Default 512. */
  episodicBatchSize?: number;
  /** How long a run's lease in a database file lasts unless renewed (renewed every third of it). Default 30 000 ms. */
  runLeaseMs?: number;
}

export interface SchedulerConfig {
  /** Lanes: nodes in flight at once, shared by every execution of the runtime. Default 8. */
  maxParallelism?: number;
  /** Let an execution use lanes other executions leave idle. Default true. */
  enableWorkStealing?: boolean;
  /** Nested FLOW_CALL/COMMUNICATE limit. Default 100. */
  maxFlowDepth?: number;
}

export interface RuntimeConfig {
  memoryConfig?: MemoryConfig;
  schedulerConfig?: SchedulerConfig;
  /** LLM provider settings; default: the offline simulated provider. */
  llm?: LlmConfig;
  /** Use this provider instead of building one from `llm` (tests, replay). */
  llmProvider?: LlmProvider;
  /** Run-wide token budget; exceeding it fails the LLM op with E_BUDGET_EXCEEDED. */
  tokenBudget?: number;
  /** Answers PAUSE; default: fails with a hint that no human-input provider is configured. */
  humanInput?: HumanInputProvider;
  /** COMMUNICATE over HTTP: agent name → base URL. */
  remoteAgents?: Record<string, string>;
  /** Injected clock (ms since epoch), for deterministic tests. */
  now?: () => number;
}

export const DEFAULTS = {
  dbPath: ':memory:',
  backend: 'auto' as const,
  stmMaxEntries: 10_000,
  recordEpisodes: true,
  episodicBatchSize: 512,
  maxParallelism: 8,
  enableWorkStealing: true,
  maxFlowDepth: 100,
};
