#!/usr/bin/env node
/** `apxm`: the runtime's CLI, plus `apxm dap [--server=PORT]` (the debug adapter lives here, not in runtime/). */
import { exitWhenWritten, main } from '../runtime/cli/main.js';

const [command] = process.argv.slice(2);
if (command === 'dap') {
  const { runDap } = await import('./dapMain.js');
  runDap();
} else {
  exitWhenWritten(await main(process.argv.slice(2)));
}
