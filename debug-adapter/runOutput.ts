/**
 * The run's output in the Debug Console: PRINT, warnings, and one line per LLM call, tool call and
 * memory write (with `data` saying which, for clients that link them to the graph).
 */
import type { RuntimeEventEmitter } from '../runtime/events.js';
import type { SessionHost } from './sessionState.js';
import { preview } from './variables.js';

/** Forwards the run's output to the console; returns the listeners' removers. */
export function forwardRunOutput(events: RuntimeEventEmitter, say: SessionHost['console'], replay: boolean): (() => void)[] {
  return [
    events.on('print', (e) => say(e.text + '\n', 'stdout')),
    events.on('warning', (e) => say(`warning: ${e.message}\n`, 'console')),
    events.on('llm:response', (e) =>
      say(
        `▸ ${e.phase} ${e.model}: ${e.usage.totalTokens} tokens, ${Math.round(e.latencyMs)} ms${e.simulated ? (replay ? ' (replayed)' : ' (simulated)') : ''}\n`,
        'console',
        { kind: 'llm', nodeExecId: e.nodeExecId, usage: e.usage },
      ),
    ),
    events.on('llm:retry', (e) => say(`▸ retry ${e.attempt} in ${e.delayMs} ms: ${e.error.message}\n`, 'console')),
    events.on('capability:result', (e) =>
      say(
        `▸ tool ${e.name}: ${e.error ? `failed: ${e.error.message}` : preview(e.result ?? null)} (${Math.round(e.durationMs)} ms)\n`,
        'console',
        { kind: 'capability', name: e.name },
      ),
    ),
    events.on('memory:write', (e) =>
      say(`▸ ${e.tier}[${e.key}] = ${preview(e.value)}\n`, 'console', { kind: 'memory', tier: e.tier, key: e.key }),
    ),
  ];
}
