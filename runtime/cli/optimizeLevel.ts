/** `-O0` / `-O1` (default 0, so each node maps to one source operation). */
import { ApxmError } from '../errors.js';

export function optimizeLevel(raw: string | undefined): 0 | 1 {
  if (raw === undefined || raw === '0') return 0;
  if (raw === '1' || raw === '2' || raw === '3') return 1;
  throw new ApxmError('E_OPTION', `unknown optimisation level -O${raw}`, {
    hint: 'use -O0 (none) or -O1 (fuse chains of asks); -O2 and -O3 are the same as -O1',
  });
}
