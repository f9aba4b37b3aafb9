/** `apxm inspect`: DAG statistics and the critical path of every flow; for an artifact also its header and metadata. */
import { parseArgs } from 'node:util';
import path from 'node:path';
import { artifactToProgram, readArtifactFile, type DecodedArtifact } from '../artifact/readArtifact.js';
import { ApxmError } from '../errors.js';
import { inspectProgram } from '../graph/inspectProgram.js';
import { loadProgramFile } from '../programFile.js';
import { programGraph } from '../query/programGraph.js';
import { terminalSafe, terminalSafeJson } from '../values/terminalSafe.js';
import { EXIT, printWarnings } from './main.js';
import { optimizeLevel } from './optimizeLevel.js';

export async function inspectCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { json: { type: 'boolean' }, optimize: { type: 'string', short: 'O' } },
  });
  if (positionals.length !== 1)
    throw new ApxmError('E_USAGE', 'inspect takes one program file', { hint: 'apxm inspect examples/trip-planner.json' });
  const file = positionals[0];
  // an artifact is read once: for its header here and for its program
  const decoded = path.extname(file).toLowerCase() === '.apxmobj' ? await readArtifactFile(file) : undefined;
  const artifact = decoded ? describeArtifact(decoded) : undefined;
  const optimize = optimizeLevel(values.optimize);
  const program = decoded ? artifactToProgram(decoded.payload, file) : await loadProgramFile(file, { optimize, onWarnings: printWarnings });
  const flows = inspectProgram(program);
  if (values.json) {
    process.stdout.write(
      terminalSafeJson(
        JSON.stringify(
          // `graph`: the same nodes, edges and regions the debugger's graph view draws (apxm/programGraph)
          {
            program: program.name,
            entry: program.entry.qualifiedName,
            ...(artifact ? { artifact } : {}),
            flows,
            graph: programGraph(program),
          },
          null,
          2,
        ),
      ) + '\n',
    );
    return EXIT.ok;
  }
  if (artifact) {
    // Module name, compiler version and section kinds are the artifact's text: escaped like names.
    process.stdout.write(
      terminalSafe(
        `artifact v${artifact.version}, flags ${artifact.flags}, payload ${artifact.payloadBytes} bytes, blake3 ${artifact.blake3.slice(0, 16)}…\n` +
          `  module ${artifact.module ?? '(none)'}, compiler ${artifact.compilerVersion}, created ${artifact.createdAt}, ${artifact.dags} DAG${artifact.dags === 1 ? '' : 's'}` +
          (artifact.sections.length ? `, sections ${artifact.sections.join(', ')}` : ''),
      ) + '\n',
    );
  }
  for (const f of flows) {
    const lines = [
      `${f.flow}${f.isEntry ? ' (entry)' : ''}(${f.parameters.join(', ')})`,
      `  nodes ${f.nodes}, edges ${f.edges}, depth ${f.depth}, widest layer ${f.maxWidth}`,
      `  ops: ${Object.entries(f.ops)
        .map(([op, n]) => `${op}×${n}`)
        .join(' ')}`,
      `  critical path (${f.criticalPath.estimatedMs} ms estimated, sequential ${f.sequentialMs} ms): ${f.criticalPath.nodes.map((n) => `${n.id}:${n.name}`).join(' → ')}`,
    ];
    for (const l of f.loops) lines.push(`  loop ${l.start} → ${l.end}: ${l.bodyNodes} body nodes`);
    for (const t of f.tryRegions) lines.push(`  try/catch ${t.node}: ${t.tryNodes} try nodes, ${t.catchNodes} catch nodes`);
    for (const x of f.fused) lines.push(`  fused ask ${x.node}:${x.name} ← asks ${x.from.join(', ')} (one LLM call)`);
    process.stdout.write(lines.map((l) => terminalSafe(l)).join('\n') + '\n');
  }
  return EXIT.ok;
}

/** The container facts `inspect` shows for an artifact. */
function describeArtifact(a: DecodedArtifact) {
  const created = Number(a.payload.metadata.created_at);
  return {
    version: a.header.version,
    flags: a.header.flags,
    payloadBytes: a.header.payloadLength,
    blake3: Buffer.from(a.header.hash).toString('hex'),
    module: a.payload.metadata.module_name,
    compilerVersion: a.payload.metadata.compiler_version,
    createdAt: Number.isSafeInteger(created) ? new Date(created).toISOString() : String(a.payload.metadata.created_at),
    dags: a.payload.dags.length,
    sections: a.payload.sections.map((s) => s.kind),
  };
}
