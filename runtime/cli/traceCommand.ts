/**
 * `apxm trace export <run-id> --db file [-o trace.json]`: a recorded run as a portable trace file for replay.
 * `apxm trace timeline <run-id|trace.json> [--db file] [--json]`: its ops as timeline bars (runtime/query/timeline.ts).
 */
import { parseArgs } from 'node:util';
import { ApxmError } from '../errors.js';
import { formatCost } from '../llm/costText.js';
import { openStorage } from '../memory/openStorage.js';
import { timelineOfRecording, type Timeline } from '../query/timeline.js';
import { loadRecordedRun } from '../replay/recordedRun.js';
import { openRecording } from '../replay/replaySetup.js';
import { traceFileOf, writeTraceFile } from '../replay/traceFile.js';
import { EXIT } from './main.js';

const USAGE_HINT = 'apxm trace export <run-id> --db run.sqlite -o trace.json (without -o the trace goes to stdout)';

export async function traceCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { db: { type: 'string' }, output: { type: 'string', short: 'o' }, json: { type: 'boolean' } },
  });
  if (positionals[0] === 'timeline') {
    if (positionals.length !== 2)
      throw new ApxmError('E_USAGE', 'usage: apxm trace timeline <run-id|trace.json> [--db <file>] [--json]', { hint: USAGE_HINT });
    const timeline = timelineOfRecording(await openRecording(positionals[1], values.db));
    process.stdout.write(values.json ? JSON.stringify(timeline) + '\n' : timelineText(timeline));
    return EXIT.ok;
  }
  if (positionals[0] !== 'export' || positionals.length !== 2)
    throw new ApxmError('E_USAGE', 'usage: apxm trace export <run-id> --db <file> [-o trace.json]', { hint: USAGE_HINT });
  if (!values.db) throw new ApxmError('E_USAGE', 'trace export needs the database the run was recorded in', { hint: USAGE_HINT });
  // read-only: a missing path is refused, never created empty (which would then report "no run")
  const storage = await openStorage(values.db, { readonly: true });
  try {
    const recorded = loadRecordedRun(storage, positionals[1]);
    if (values.output === undefined) {
      process.stdout.write(JSON.stringify(traceFileOf(recorded), null, 1) + '\n');
      return EXIT.ok;
    }
    writeTraceFile(values.output, recorded);
    const { events, llmCalls, capabilityCalls } = recorded;
    process.stdout.write(
      `wrote ${values.output}: run ${recorded.runId} (${recorded.status}), ${events.length} events, ${llmCalls.length} LLM calls, ${capabilityCalls.length} capability calls\n`,
    );
    return EXIT.ok;
  } finally {
    storage.close();
  }
}

/** One line per op on the critical path, after a summary line. */
function timelineText(t: Timeline): string {
  const lines = [
    `run ${t.runId} (${t.status ?? 'unknown'}): ${t.bars.length} ops on ${t.lanes} lanes, ${Math.round(t.durationMs)} ms, ${t.tokens} tokens${t.unpriced ? ', cost unknown' : t.bars.some((b) => b.cost !== undefined) ? `, ${formatCost(t.cost ?? 0)}` : ''}; critical path:`,
  ];
  for (const i of t.criticalPath) {
    const b = t.bars[i];
    lines.push(
      `  +${Math.round(b.start)}ms  ${Math.round(b.durationMs)}ms  ${b.tokens} tok${b.cost !== undefined ? ` ${formatCost(b.cost)}` : ''}  ${b.flow ?? '?'}#${b.nodeId} ${b.name ?? b.op}`,
    );
  }
  return lines.join('\n') + '\n';
}
