/** The LLM provider contract: one request in, one reply out. Retry, timeouts and accounting sit above it. */
import type { Cancellation } from '../cancellation.js';
import type { PriceTable } from './prices.js';

/** Which AIS operation (or internal phase) issued the request. */
export type LlmPhase = 'ASK' | 'THINK' | 'REASON' | 'PLAN' | 'INNER_PLAN' | 'REFLECT' | 'VERIFY';

/** Latency classes from the op catalogue; they drive per-op timeouts and simulated latency. */
export type LatencyClass = 'None' | 'Low' | 'Medium' | 'High';

export interface LlmMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface LlmRequest {
  phase: LlmPhase;
  /** System prompt then user prompt; providers send them as chat messages. */
  messages: LlmMessage[];
  /** Model override from the node's `model` attribute; falls back to the provider's default. */
  model?: string;
  temperature?: number;
  maxTokens?: number;
  /** Ask for a JSON object reply (OpenAI `response_format: {type: "json_object"}`). */
  json?: boolean;
  /** THINK `budget`: mapped to `reasoning_effort` for reasoning models. */
  reasoningBudget?: number;
  /** Cancels the request (run cancelled, node timeout): what a caller of LlmClient may pass. */
  signal?: AbortSignal;
  /** The same in the runtime's cheaper form: LlmClient gives each provider attempt one (see cancellation.ts). */
  cancel?: Cancellation;
  /** Latency class of the issuing op (set by LlmClient); the simulated provider sleeps by it. */
  latency?: LatencyClass;
  /** When set, the provider streams and calls this with each text delta. */
  onDelta?: (text: string) => void;
}

export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
}

export interface LlmResponse {
  content: string;
  model: string;
  usage: TokenUsage;
  finishReason: string;
  /** True when the reply came from the offline simulated provider (or a replayed recording). */
  simulated?: boolean;
}

export interface LlmProvider {
  /** `simulated`, `openai`, `replay`... shown in events and the run summary. */
  readonly name: string;
  readonly defaultModel: string;
  complete(request: LlmRequest): Promise<LlmResponse>;
  dispose?(): Promise<void> | void;
}

/** Retry policy of the single retry layer (exponential backoff with jitter, honours Retry-After). */
export interface RetryPolicy {
  maxRetries: number;
  initialDelayMs: number;
  maxDelayMs: number;
  /** ± fraction of the delay, e.g. 0.2. */
  jitter: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxRetries: 3, initialDelayMs: 500, maxDelayMs: 60_000, jitter: 0.2 };

/** Per-attempt timeout by the op's latency class, in milliseconds: connection, headers and the whole reply. */
export const LLM_TIMEOUT_BY_LATENCY: Record<LatencyClass, number> = {
  None: 30_000,
  Low: 30_000,
  Medium: 120_000,
  High: 300_000,
};

export interface LlmConfig {
  /** `simulated` (default, offline) or an OpenAI-compatible base URL such as http://127.0.0.1:11434/v1. */
  provider?: string;
  baseUrl?: string;
  model?: string;
  /** Never logged; taken from OPENAI_API_KEY / APXM_LLM_API_KEY when absent. */
  apiKey?: string;
  retry?: Partial<RetryPolicy>;
  /**
   * Per-attempt timeout (connection, headers and the whole reply): one number for every latency
   * class, or some classes' own (see llmTimeouts.ts). Default LLM_TIMEOUT_BY_LATENCY.
   */
  timeoutMs?: number | Partial<Record<LatencyClass, number>>;
  /** Stream replies (emits llm:delta events). Default true for HTTP providers. */
  stream?: boolean;
  /** Simulated provider: latency per op class in ms (default all 0). */
  simulatedLatencyMs?: Partial<Record<LatencyClass, number>>;
  /** Extra HTTP headers for the OpenAI-compatible provider. */
  headers?: Record<string, string>;
  /** Prices (US dollars per 1M input / output tokens) by model, over the built-in table (prices.ts). */
  prices?: PriceTable;
}
