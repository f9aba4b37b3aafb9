/** `npm run bench`: one JSON line per measurement, each with its same-run baseline. */
import { debuggerBench, debuggerFeedBench } from './debuggerBench.js';
import { literalBench } from './literalBench.js';
import { llmLatencyBench } from './llmLatencyBench.js';
import { memoryBench } from './memoryBench.js';
import { schedulerBench } from './schedulerBench.js';

const emit = (o: Record<string, unknown>) => console.log(JSON.stringify(o));
const only = process.argv[2];
if (!only || only === 'scheduler') await schedulerBench(emit);
if (!only || only === 'llm') await llmLatencyBench(emit);
if (!only || only === 'memory') await memoryBench(emit);
if (!only || only === 'memory' || only === 'inspector') await (await import('./memoryInspectorBench.js')).memoryInspectorBench(emit);
if (!only || only === 'debugger') await debuggerBench(emit);
if (!only || only === 'debugger' || only === 'feed') await debuggerFeedBench(emit);
if (!only || only === 'literals') await literalBench(emit);
if (!only || only === 'graph') await (await import('./graphViewBench.js')).graphViewBench(emit);
if (!only || only === 'timeline') await (await import('./timelineBench.js')).timelineBench(emit);
if (!only || only === 'fuzz') await (await import('./fuzzLoaders.js')).fuzzLoaders(emit);
