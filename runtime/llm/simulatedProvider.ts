/**
 * The built-in offline provider: deterministic replies derived from the prompt, a configurable
 * latency per op class, and token counts. Every reply says it is simulated. It is the default
 * when no endpoint is configured, so examples and tests run without network or keys.
 */
import { createHash } from 'node:crypto';
import { cancellationOf, type Cancellation } from '../cancellation.js';
import { cancelled, sleep } from './retry.js';
import type { LatencyClass, LlmPhase, LlmRequest, LlmResponse, LlmProvider } from './types.js';

export interface ScriptedReply {
  /** Matched against the user prompt (the last message). */
  match: RegExp | string;
  reply: string | ((request: LlmRequest) => string);
  /** Only for this phase. */
  phase?: LlmPhase;
}

export interface SimulatedProviderOptions {
  /** Replies that win over the generated ones, first match first. */
  script?: ScriptedReply[];
  /** Milliseconds per call by the op's latency class (default 0). */
  latency?: Partial<Record<LatencyClass, number>>;
  model?: string;
}

/**
 * Sleeps until `until` (a performance.now() time) as exactly as the event loop allows: timers fire up to a millisecond or two late,
 * so the last 2 ms are waited out in setImmediate turns (other work keeps running meanwhile).
 * The configured latency is then what a call really takes, and benchmarks measure the runtime.
 * A cancellation in those last 2 ms is noticed when they are over.
 */
async function sleepUntil(until: number, cancel?: Cancellation): Promise<void> {
  const ms = until - performance.now();
  if (ms > 2) await sleep(ms - 2, cancel);
  await waitUntil(until);
  if (cancel?.aborted) throw cancelled();
}

/** Sleepers in their last 2 ms, earliest deadline first; one setImmediate loop serves them all. */
const finishing: { until: number; resolve: () => void }[] = [];
let polling = false;

function waitUntil(until: number): Promise<void> {
  if (performance.now() >= until) return Promise.resolve();
  return new Promise((resolve) => {
    let i = finishing.length;
    while (i > 0 && finishing[i - 1].until > until) i--;
    finishing.splice(i, 0, { until, resolve });
    if (!polling) {
      polling = true;
      setImmediate(poll);
    }
  });
}

function poll(): void {
  const now = performance.now();
  let due = 0;
  while (due < finishing.length && finishing[due].until <= now) due++;
  for (const w of finishing.splice(0, due)) w.resolve();
  if (finishing.length) setImmediate(poll);
  else polling = false;
}

/** Rough tokens of a text: one per 4 characters, at least one for non-empty text. */
export function estimateTokens(text: string): number {
  return text ? Math.max(1, Math.ceil(text.length / 4)) : 0;
}

const oneLine = (s: string, max = 120): string => {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > max ? t.slice(0, max - 1) + '…' : t;
};

const tag = (text: string): string => createHash('sha256').update(text).digest('hex').slice(0, 6);

const STOP = new Set([
  'the',
  'and',
  'for',
  'with',
  'that',
  'this',
  'from',
  'into',
  'about',
  'what',
  'which',
  'claim',
  'evidence',
  'reply',
  'json',
  'only',
  'verdict',
  'supported',
]);
const contentWords = (s: string): string[] => (s.toLowerCase().match(/[\p{L}\p{N}]{4,}/gu) ?? []).filter((w) => !STOP.has(w));

export class SimulatedProvider implements LlmProvider {
  readonly name = 'simulated';
  readonly defaultModel: string;
  private calls = 0;

  constructor(private readonly options: SimulatedProviderOptions = {}) {
    this.defaultModel = options.model ?? 'apxm-simulated-1';
  }

  /** Calls answered so far. */
  get callCount(): number {
    return this.calls;
  }

  async complete(request: LlmRequest): Promise<LlmResponse> {
    const startedAt = performance.now();
    const ms = this.options.latency?.[request.latency ?? 'Low'] ?? 0;
    const cancel = request.cancel ?? (request.signal ? cancellationOf(request.signal) : undefined);
    if (cancel?.aborted) throw cancelled();
    // The latency is the whole call, as with a real server: the reply is made during the wait. Made
    // after it, it added ~0.15 ms to every call (a cold hash and regexes after an idle wait); made
    // before the first await, it held up the caller's next requests (eight ASKs of a fan-out).
    if (ms > 0) await Promise.resolve();
    const user = request.messages.filter((m) => m.role === 'user').at(-1)?.content ?? '';
    const script = this.scriptFor(request, user);
    // a scripted reply function runs once the call is answered (not for a call cancelled meanwhile)
    const generated = script ? undefined : this.generate(request.phase, user);
    const inputTokens = request.messages.reduce((n, m) => n + estimateTokens(m.content), 0);
    if (ms > 0) await sleepUntil(startedAt + ms, cancel);
    const content = generated ?? (typeof script?.reply === 'function' ? script.reply(request) : (script?.reply as string));
    const outputTokens = estimateTokens(content);
    this.calls++;
    if (request.onDelta) for (const piece of content.match(/\S+\s*/g) ?? [content]) request.onDelta(piece);
    return {
      content,
      model: request.model ?? this.defaultModel,
      finishReason: 'stop',
      simulated: true,
      usage: { inputTokens, outputTokens, totalTokens: inputTokens + outputTokens },
    };
  }

  private scriptFor(request: LlmRequest, user: string): ScriptedReply | undefined {
    for (const s of this.options.script ?? []) {
      if (s.phase && s.phase !== request.phase) continue;
      if (typeof s.match === 'string' ? user.includes(s.match) : s.match.test(user)) return s;
    }
    return undefined;
  }

  private generate(phase: LlmPhase, user: string): string {
    const gist = oneLine(user);
    switch (phase) {
      case 'ASK':
        return `[simulated] Answer (${tag(user)}) to: ${gist}`;
      case 'THINK':
        return `[simulated] Considered (${tag(user)}): ${gist}`;
      case 'REASON':
        return JSON.stringify({ result: `[simulated] Conclusion (${tag(user)}) about: ${gist}`, belief_updates: {}, new_goals: [] });
      case 'PLAN': {
        const goal = oneLine(/Goal:\s*(.*)/.exec(user)?.[1] ?? user, 80);
        const steps = ['Gather what is known about', 'Work out the options for', 'Write up the answer to'].map((verb, i) => ({
          description: `${verb} ${goal}`,
          priority: 90 - 20 * i,
          dependencies: i ? [`${['Gather what is known about', 'Work out the options for'][i - 1]} ${goal}`] : [],
        }));
        return JSON.stringify({ plan: steps, result: `[simulated] A three-step plan for: ${goal}` });
      }
      case 'INNER_PLAN': {
        const steps = [...user.matchAll(/^\d+\.\s*(.+)$/gm)].map((m) => m[1]).slice(0, 5);
        const list = steps.length ? steps : [oneLine(user, 80)];
        const nodes = list.map((d, i) => ({
          id: i + 1,
          name: `step_${i + 1}`,
          op: 'ASK',
          attributes: { template_str: i === 0 ? `${d} (goal: {{goal}})` : `${d}. Previous step: {0}` },
        }));
        const edges = list.slice(1).map((_, i) => ({ from: i + 1, to: i + 2, dependency: 'Data' }));
        return JSON.stringify({ name: 'simulated_inner_plan', parameters: [{ name: 'goal', type_name: 'str' }], nodes, edges });
      }
      case 'REFLECT': {
        const failures = (user.match(/^- op_failure/gm) ?? []).length;
        const events = (user.match(/^- /gm) ?? []).length;
        return JSON.stringify({
          summary: `[simulated] Reviewed ${events} events with ${failures} failure${failures === 1 ? '' : 's'}.`,
          insights: [
            failures
              ? `${failures} operation${failures === 1 ? '' : 's'} failed and should be guarded`
              : 'every recorded operation succeeded',
          ],
          patterns: events ? [`${events} events in the run history`] : [],
          recommendations: [failures ? 'wrap the failing operations in TRY_CATCH or add retries' : 'keep the current structure'],
        });
      }
      case 'VERIFY': {
        const claim = /Claim:\s*([\s\S]*?)\n\nEvidence:/.exec(user)?.[1] ?? user;
        const evidence = /Evidence:\n([\s\S]*?)\n\nIs the claim/.exec(user)?.[1] ?? '';
        const words = contentWords(claim);
        const have = new Set(contentWords(evidence));
        const missing = words.filter((w) => !have.has(w));
        const verified = words.length > 0 && missing.length <= Math.floor(words.length / 3);
        return JSON.stringify({
          verified,
          reason: `[simulated] ${words.length - missing.length} of ${words.length} claim words appear in the evidence`,
        });
      }
    }
  }
}
