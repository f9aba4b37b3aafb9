/** One LLM call from an op: events, token accounting and the budget, around LlmClient. */
import { serializeError } from '../errors.js';
import { OP_CATALOGUE } from '../graph/opCatalogue.js';
import type { LlmCallResult } from '../llm/llmClient.js';
import type { LlmPhase } from '../llm/types.js';
import { systemPromptFor } from '../llm/prompts.js';
import type { OpContext } from './opContext.js';

export interface LlmCallOptions {
  json?: boolean;
  temperature?: number;
  /** Prepended system prompt override (else the node's `system_prompt`, else the phase default). */
  system?: string;
}

export async function callLlm(ctx: OpContext, phase: LlmPhase, user: string, opts: LlmCallOptions = {}): Promise<LlmCallResult> {
  const s = ctx.services;
  const a = ctx.attrs;
  const system = opts.system ?? a.string('system_prompt') ?? systemPromptFor(phase);
  const model = a.string('model');
  const temperature = opts.temperature ?? a.number('temperature', { min: 0, max: 2 });
  const maxTokens = a.number('max_tokens', { min: 1, integer: true });
  const budgetLimit = a.number('token_budget', { min: 0 }) ?? s.tokenBudget;
  const streaming =
    ctx.emit !== undefined && (ctx as OpContext & { hasListeners?: (n: string) => boolean }).hasListeners?.('llm:delta') === true;
  const messages = [
    { role: 'system' as const, content: system },
    { role: 'user' as const, content: user },
  ];
  let retries = 0;
  const response = await s.llm.call(
    {
      phase,
      messages,
      model,
      temperature,
      maxTokens,
      json: opts.json,
      cancel: ctx.cancellation,
      reasoningBudget: phase === 'THINK' ? a.number('budget', { min: 0 }) : undefined,
      onDelta: streaming ? (text: string) => ctx.emit('llm:delta', { runId: ctx.runId, nodeExecId: ctx.nodeExecId, text }) : undefined,
    },
    {
      latency: OP_CATALOGUE[ctx.node.op].latency,
      budget: budgetLimit === undefined ? undefined : { limit: budgetLimit, used: () => s.tokensUsed() },
      observer: {
        onRequest: (info) =>
          ctx.emit('llm:request', {
            runId: ctx.runId,
            nodeExecId: ctx.nodeExecId,
            phase,
            provider: info.provider,
            model: info.model,
            messages,
            attempt: info.attempt,
          }),
        onRetry: (info) => {
          retries++;
          ctx.emit('llm:retry', {
            runId: ctx.runId,
            nodeExecId: ctx.nodeExecId,
            phase,
            attempt: info.attempt,
            delayMs: info.delayMs,
            error: serializeError(info.error),
          });
        },
      },
    },
  );
  const cost = s.llm.costOf(response.model, response.usage, response.simulated === true);
  s.accountLlm(response.usage.inputTokens, response.usage.outputTokens, retries, cost);
  ctx.addTokens(response.usage.totalTokens);
  ctx.emit('llm:response', {
    runId: ctx.runId,
    nodeExecId: ctx.nodeExecId,
    phase,
    provider: s.llm.providerName,
    model: response.model,
    content: response.content,
    usage: response.usage,
    ...(cost !== undefined ? { cost } : {}),
    latencyMs: response.latencyMs,
    simulated: response.simulated === true,
  });
  return response;
}
