/**
 * The extension-host test entry (bundled to out/test/integration/suite.cjs): VS Code loads it for
 * --extensionTestsPath and awaits run(); a rejection is a failed run. The results also go, as JSON,
 * to the file named by APXM_INTEGRATION_RESULTS when it is set (code-server's runner reads them).
 */
import { writeFileSync } from 'node:fs';
import * as vscode from 'vscode';
import { tests } from './extensionHost.js';
import { runSuite } from './suiteRunner.js';

export async function run(): Promise<void> {
  const result = await runSuite(
    tests,
    (line) => console.log(line),
    // a test that timed out may have left a session running
    async () => void (await vscode.debug.stopDebugging()),
  );
  const file = process.env.APXM_INTEGRATION_RESULTS;
  if (file) writeFileSync(file, JSON.stringify(result, null, 2));
  if (result.failed) throw new Error(`${result.failed} of ${result.passed + result.failed} integration tests failed`);
}
