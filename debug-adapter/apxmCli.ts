#!/usr/bin/env node
/**
 * The one `apxm` executable (package.json `bin`): the runtime's headless commands
 * (runtime/cli/main.ts) and `apxm dap [--server=PORT [--host=ADDRESS]]`. It sits beside the debug
 * adapter because the runtime never imports it.
 */
import { exitWhenWritten, main } from '../runtime/cli/main.js';

const [command] = process.argv.slice(2);
if (command === 'dap') {
  const { runDap } = await import('./dapMain.js');
  await runDap(process.argv.slice(3));
} else {
  exitWhenWritten(await main(process.argv.slice(2)));
}
