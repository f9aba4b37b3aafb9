/**
 * The adapter as its own process: DAP over stdio, or with `--server=PORT` over TCP on 127.0.0.1
 * (the library's DebugSession.run reads that flag), one session per connection.
 */
import { DebugSession } from '@vscode/debugadapter';
import { ApxmDebugSession } from './apxmDebugSession.js';

export function runDap(): void {
  DebugSession.run(ApxmDebugSession as unknown as typeof DebugSession);
}

if (process.argv[1] && /(dapMain|debugAdapter)\.js$/.test(process.argv[1])) runDap();
