/** Where tests find the repository and the built `apxm` executable (the one entry, package.json `bin`). */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file is built to out/test/support/). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const APXM_CLI = path.join(REPO_ROOT, 'out/debug-adapter/apxmCli.js');
