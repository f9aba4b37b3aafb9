#!/usr/bin/env node
/** `apxm`: the runtime's CLI, plus `apxm dap [--server=PORT [--host=ADDRESS]]` (the debug adapter lives here, not in runtime/). */
import { exitWhenWritten, main } from '../runtime/cli/main.js';

const [command] = process.argv.slice(2);
if (command === 'dap') {
  const { runDap } = await import('./dapMain.js');
  await runDap(process.argv.slice(3));
} else {
  exitWhenWritten(await main(process.argv.slice(2)));
}
