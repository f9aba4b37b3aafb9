/** `apxm compile`: a program (.ais or .json) → an upstream-compatible `.apxmobj` artifact. */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { programToArtifactModel, writeArtifactFile } from '../artifact/writeArtifact.js';
import { ApxmError } from '../errors.js';
import { loadProgramFile } from '../programFile.js';
import { EXIT, printWarnings } from './main.js';
import { optimizeLevel } from './optimizeLevel.js';

export async function compileCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      output: { type: 'string', short: 'o' },
      'upstream-only': { type: 'boolean' },
      'created-at': { type: 'string' },
      optimize: { type: 'string', short: 'O' },
    },
  });
  if (positionals.length !== 1)
    throw new ApxmError('E_USAGE', 'compile takes one program file', { hint: 'apxm compile examples/trip-planner.json -o trip.apxmobj' });
  const file = positionals[0];
  const out = values.output ?? path.join(path.dirname(file), path.basename(file, path.extname(file)) + '.apxmobj');
  if (path.resolve(out) === path.resolve(file))
    throw new ApxmError('E_OPTION', `refusing to overwrite the source ${file}`, { hint: 'pass -o <file>.apxmobj' });
  const program = await loadProgramFile(file, { optimize: optimizeLevel(values.optimize), onWarnings: printWarnings });
  const createdAt = values['created-at'] !== undefined ? Number(values['created-at']) : undefined;
  if (createdAt !== undefined && (!Number.isSafeInteger(createdAt) || createdAt < 0)) {
    throw new ApxmError('E_OPTION', `--created-at must be milliseconds since the epoch, got ${values['created-at']}`, {
      hint: 'e.g. --created-at 0 for reproducible builds',
    });
  }
  const model = programToArtifactModel(program, { createdAt, programSection: !values['upstream-only'] });
  await writeArtifactFile(out, model);
  const nodes = program.flows.reduce((n, f) => n + f.nodes.length, 0);
  process.stdout.write(
    `wrote ${out}: ${program.flows.length} flow${program.flows.length === 1 ? '' : 's'}, ${nodes} nodes, entry ${program.entry.qualifiedName}\n`,
  );
  return EXIT.ok;
}
