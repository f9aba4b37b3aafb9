/**
 * LlmClient: the one place LLM calls are retried, timed out and budgeted. Ops call it; providers
 * below it make exactly one request per attempt (the openai SDK's own retries are off).
 */
import { CancellationSource, cancellationOf } from '../cancellation.js';
import { ApxmError, asApxmError } from '../errors.js';
import { backoffDelay, cancelled, sleep } from './retry.js';
import { llmTimeouts, type LlmTimeoutSetting } from './llmTimeouts.js';
import { callCost, priceTable, type PriceTable } from './prices.js';
import {
  DEFAULT_RETRY_POLICY,
  type LatencyClass,
  type LlmProvider,
  type LlmRequest,
  type LlmResponse,
  type RetryPolicy,
  type TokenUsage,
} from './types.js';

export interface LlmClientOptions {
  retry?: Partial<RetryPolicy>;
  /** One timeout per attempt for every class, or some classes' own; invalid values throw E_LLM_CONFIG. */
  timeouts?: LlmTimeoutSetting;
  /** Injected for deterministic tests. */
  random?: () => number;
  /** Prices by model over the built-in table: what `costOf` charges. */
  prices?: PriceTable;
}

export interface LlmCallObserver {
  onRequest?(info: { provider: string; model: string; attempt: number }): void;
  onRetry?(info: { attempt: number; delayMs: number; error: ApxmError }): void;
}

export interface LlmCallOptions {
  latency: LatencyClass;
  /** A call starts only while `used() < limit`; the call that crosses the limit completes, the next fails. */
  budget?: { limit: number; used: () => number };
  observer?: LlmCallObserver;
}

export interface LlmCallResult extends LlmResponse {
  /** Wall time of the successful attempt. */
  latencyMs: number;
  attempts: number;
}

/** Deltas of an attempt that was cancelled or timed out are dropped: its retry streams the reply again. */
function liveDeltas(onDelta: (text: string) => void, attempt: CancellationSource): (text: string) => void {
  return (text) => {
    if (!attempt.aborted) onDelta(text);
  };
}

export class LlmClient {
  readonly policy: RetryPolicy;
  private readonly timeouts: Record<LatencyClass, number>;

  constructor(
    readonly provider: LlmProvider,
    private readonly options: LlmClientOptions = {},
  ) {
    this.policy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.timeouts = llmTimeouts(options.timeouts);
    this.prices = priceTable(options.prices);
  }

  private readonly prices: PriceTable;

  /** A reply's cost in US dollars, or undefined when its model has no price (see prices.ts). */
  costOf(model: string, usage: TokenUsage, simulated: boolean): number | undefined {
    return callCost(model, usage, simulated, this.prices);
  }

  get providerName(): string {
    return this.provider.name;
  }

  timeoutFor(latency: LatencyClass): number {
    return this.timeouts[latency];
  }

  async call(request: LlmRequest, options: LlmCallOptions): Promise<LlmCallResult> {
    const outer = request.cancel ?? (request.signal ? cancellationOf(request.signal) : undefined);
    const timeoutMs = this.timeoutFor(options.latency);
    for (let attempt = 1; ; attempt++) {
      if (outer?.aborted) throw cancelled();
      if (options.budget && options.budget.used() >= options.budget.limit) {
        throw new ApxmError(
          'E_BUDGET_EXCEEDED',
          `token budget exhausted: ${options.budget.used()} of ${options.budget.limit} tokens used`,
          {
            hint: 'raise the node\'s "token_budget" attribute or RuntimeConfig.tokenBudget',
          },
        );
      }
      options.observer?.onRequest?.({ provider: this.provider.name, model: request.model ?? this.provider.defaultModel, attempt });
      // One cancellation per attempt, cancelled by the caller or the timeout; nothing stays attached to the caller's.
      const attemptCancel = new CancellationSource();
      let timedOut = false;
      const timeout = setTimeout(() => {
        timedOut = true;
        attemptCancel.abort(new ApxmError('E_LLM_TIMEOUT', `no complete reply within ${timeoutMs} ms`));
      }, timeoutMs);
      const detach = outer?.onAbort((reason) => attemptCancel.abort(reason));
      // The attempt ends when it is cancelled even if the provider does not stop (or returns what it had): the timeout is a bound.
      const abandoned = new Promise<never>((_, reject) => attemptCancel.onAbort(reject));
      const started = performance.now();
      try {
        // One object literal of fixed shape, not a spread: this runs for every call.
        const response = await Promise.race([
          this.provider.complete({
            phase: request.phase,
            messages: request.messages,
            model: request.model,
            temperature: request.temperature,
            maxTokens: request.maxTokens,
            json: request.json,
            reasoningBudget: request.reasoningBudget,
            onDelta: request.onDelta && liveDeltas(request.onDelta, attemptCancel),
            latency: options.latency,
            cancel: attemptCancel,
          }),
          abandoned,
        ]);
        const result = response as LlmCallResult;
        result.latencyMs = Math.round(performance.now() - started);
        result.attempts = attempt;
        return result;
      } catch (e) {
        let error: ApxmError;
        if (outer?.aborted) throw cancelled();
        if (timedOut) {
          error = new ApxmError(
            'E_LLM_TIMEOUT',
            `no complete reply from ${this.provider.name} within ${timeoutMs} ms (${options.latency}-latency op)`,
            {
              retryable: true,
              hint: 'check that the server is up, or raise the LLM timeout (--llm-timeout ms, or "llm": {"timeoutMs": ...} in apxm.config.json)',
            },
          );
        } else {
          error = asApxmError(e, 'E_LLM_NETWORK');
        }
        if (!error.retryable || attempt > this.policy.maxRetries) {
          if (attempt > 1 && error.retryable) {
            throw new ApxmError(error.code, `${error.message} (gave up after ${attempt} attempts)`, {
              hint: error.hint,
              details: error.details,
              cause: error,
            });
          }
          throw error;
        }
        const delayMs = backoffDelay(attempt, this.policy, error.retryAfterMs, this.options.random);
        options.observer?.onRetry?.({ attempt, delayMs, error });
        await sleep(delayMs, outer);
      } finally {
        clearTimeout(timeout);
        detach?.();
      }
    }
  }

  async dispose(): Promise<void> {
    await this.provider.dispose?.();
  }
}
