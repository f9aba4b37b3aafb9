/** Loads a program file by its extension. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { artifactToProgram, readArtifactFile } from './artifact/readArtifact.js';
import { loadAisProgram, type AisCompileOptions } from './ais/compileAis.js';
import { ApxmError } from './errors.js';
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
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ApxmError('E_PROGRAM_READ', code === 'ENOENT' ? `no such file: ${file}` : `cannot read ${file}: ${(e as Error).message}`, {
      place: { file },
      hint: code === 'ENOENT' ? 'check the path (it is relative to the current directory)' : undefined,
    });
  }
  if (ext === '.json') return loadProgramFromJsonText(text, file);
  if (ext === '.ais') return loadAisProgram(text, file, options);
  throw new ApxmError('E_PROGRAM_UNSUPPORTED', `unknown program type "${ext || '(none)'}"`, { place: { file }, hint: 'use a .json (ApxmGraph), .ais or .apxmobj file' });
}
