/**
 * An LLM provider that answers from a recording: each request gets the reply the recorded run
 * got for the same phase and the same messages, with no network and no clock. Identical requests
 * are served in recorded order; a request the recording does not hold is a divergence.
 */
import { parseExecId, type RuntimeEventEmitter } from '../events.js';
import { cancelled } from '../llm/retry.js';
import type { LlmMessage, LlmPhase, LlmProvider, LlmRequest, LlmResponse } from '../llm/types.js';
import { canonicalJson } from './canonicalJson.js';
import type { RecordedLlmCall, RecordedRun } from './recordedRun.js';
import { divergenceError, preview, type DivergenceListener } from './replayDivergence.js';

export interface ReplayLlmProviderOptions {
  onDivergence?: DivergenceListener;
}

const requestKey = (phase: LlmPhase, messages: LlmMessage[]): string =>
  `${phase}\n${canonicalJson(messages.map((m) => ({ role: m.role, content: m.content })))}`;

/** What the prompt is about: the last user message (the system prompt is the phase's boilerplate). */
const promptOf = (messages: LlmMessage[]): string =>
  messages.filter((m) => m.role === 'user').at(-1)?.content ?? messages.map((m) => m.content).join('\n');

export class ReplayLlmProvider implements LlmProvider {
  readonly name = 'replay';
  readonly defaultModel: string;
  private readonly queues = new Map<string, RecordedLlmCall[]>();
  private readonly recordedTimes = new Map<string, number>();
  private readonly askedTimes = new Map<string, number>();
  /** Node of the request about to arrive, when followNodes() listens. */
  private nextNodeId: number | undefined;
  private servedCount = 0;

  constructor(
    private readonly recorded: Pick<RecordedRun, 'runId' | 'llmCalls'>,
    private readonly options: ReplayLlmProviderOptions = {},
  ) {
    for (const call of [...recorded.llmCalls].sort((a, b) => a.seq - b.seq)) {
      const key = requestKey(call.phase, call.messages);
      const queue = this.queues.get(key) ?? [];
      queue.push(call);
      this.queues.set(key, queue);
      this.recordedTimes.set(key, queue.length);
    }
    this.defaultModel = recorded.llmCalls[0]?.model ?? 'replay';
  }

  /**
   * Among identical recorded requests, serve each node the reply it got when recorded: parallel
   * nodes with the same prompt may reach the provider in another order than they did live.
   * LlmClient emits `llm:request` synchronously right before calling complete(), so the last
   * event names the node of the next request. Returns the unsubscribe function.
   */
  followNodes(events: RuntimeEventEmitter): () => void {
    return events.on('llm:request', (e) => {
      this.nextNodeId = parseExecId(e.nodeExecId)[1] ?? undefined;
    });
  }

  /** Replies served so far. */
  get served(): number {
    return this.servedCount;
  }

  /** Recorded replies nobody asked for (the replayed program made fewer calls), in recorded order. */
  unserved(): RecordedLlmCall[] {
    return [...this.queues.values()].flat().sort((a, b) => a.seq - b.seq);
  }

  async complete(request: LlmRequest): Promise<LlmResponse> {
    const nodeId = this.nextNodeId;
    this.nextNodeId = undefined;
    if (request.cancel?.aborted || request.signal?.aborted) throw cancelled();
    const key = requestKey(request.phase, request.messages);
    const asked = (this.askedTimes.get(key) ?? 0) + 1;
    this.askedTimes.set(key, asked);
    const queue = this.queues.get(key) ?? [];
    if (!queue.length) throw this.diverged(request, asked, this.recordedTimes.get(key) ?? 0);
    const sameNode = nodeId === undefined ? -1 : queue.findIndex((c) => c.nodeId === nodeId);
    const [call] = queue.splice(Math.max(0, sameNode), 1);
    this.servedCount++;
    request.onDelta?.(call.content);
    return {
      content: call.content,
      model: call.model,
      usage: { ...call.usage },
      finishReason: 'stop',
      // As LlmResponse defines it: the reply did not come from a live model now.
      simulated: true,
    };
  }

  private diverged(request: LlmRequest, asked: number, recorded: number) {
    const prompt = promptOf(request.messages);
    const what = recorded
      ? `the program made this ${request.phase} request ${asked} times, the recording holds ${recorded} ${recorded === 1 ? 'reply' : 'replies'} to it`
      : `the program made a ${request.phase} request the recording has no reply for`;
    const error = divergenceError(this.recorded.runId, `${what}; prompt: ${preview(prompt)}`, {
      kind: 'llm',
      phase: request.phase,
      prompt,
    });
    this.options.onDivergence?.(error);
    return error;
  }
}
