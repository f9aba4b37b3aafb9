/** `apxm inspect`: DAG statistics and the critical path of every flow. */
import { parseArgs } from 'node:util';
import { ApxmError } from '../errors.js';
import { inspectProgram } from '../graph/inspectProgram.js';
import { loadProgramFile } from '../programFile.js';
import { EXIT } from './main.js';

export async function inspectCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { json: { type: 'boolean' } } });
  if (positionals.length !== 1) throw new ApxmError('E_CONFIG', 'inspect takes one program file', { hint: 'apxm inspect examples/trip-planner.json' });
  const program = await loadProgramFile(positionals[0]);
  const flows = inspectProgram(program);
  if (values.json) {
    process.stdout.write(JSON.stringify({ program: program.name, entry: program.entry.qualifiedName, flows }, null, 2) + '\n');
    return EXIT.ok;
  }
  for (const f of flows) {
    const lines = [
      `${f.flow}${f.isEntry ? ' (entry)' : ''}(${f.parameters.join(', ')})`,
      `  nodes ${f.nodes}, edges ${f.edges}, depth ${f.depth}, widest layer ${f.maxWidth}`,
      `  ops: ${Object.entries(f.ops).map(([op, n]) => `${op}×${n}`).join(' ')}`,
      `  critical path (${f.criticalPath.estimatedMs} ms estimated, sequential ${f.sequentialMs} ms): ${f.criticalPath.nodes.map((n) => `${n.id}:${n.name}`).join(' → ')}`,
    ];
    for (const l of f.loops) lines.push(`  loop ${l.start} → ${l.end}: ${l.bodyNodes} body nodes`);
    for (const t of f.tryRegions) lines.push(`  try/catch ${t.node}: ${t.tryNodes} try nodes, ${t.catchNodes} catch nodes`);
    process.stdout.write(lines.join('\n') + '\n');
  }
  return EXIT.ok;
}
