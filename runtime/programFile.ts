/** Loads a program file by its extension. */
import path from 'node:path';
import { artifactToProgram, readArtifactFile } from './artifact/readArtifact.js';
import { loadAisProgram, type AisCompileOptions } from './ais/compileAis.js';
import { ApxmError } from './errors.js';
import { PROGRAM_FILE, readInputFile } from './inputFile.js';
import { loadProgramFromJsonText } from './graph/loadGraphJson.js';
import type { Program } from './graph/types.js';

/** How `.ais` sources are compiled (ignored for the other formats). */
export type ProgramLoadOptions = AisCompileOptions;

export async function loadProgramFile(file: string, options: ProgramLoadOptions = {}): Promise<Program> {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.apxmobj') {
    const { payload } = await readArtifactFile(file);
    return artifactToProgram(payload, file);
  }
  const text = (await readInputFile(file, PROGRAM_FILE)).toString('utf8');
  if (ext === '.json') return loadProgramFromJsonText(text, file);
  if (ext === '.ais') return loadAisProgram(text, file, options);
  throw new ApxmError('E_PROGRAM_UNSUPPORTED', `unknown program type "${ext || '(none)'}"`, {
    place: { file },
    hint: 'use a .json (ApxmGraph), .ais or .apxmobj file',
  });
}
