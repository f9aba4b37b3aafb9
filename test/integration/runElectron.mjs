// Runs the extension-host integration tests in VS Code desktop through @vscode/test-electron,
// which downloads VS Code (stable, or APXM_VSCODE_VERSION) into .vscode-test/ on first use.
//   node test/integration/runElectron.mjs
// It needs a display: on a headless Linux run it under xvfb-run.
import { runTests } from '@vscode/test-electron';
import path from 'node:path';
import { bundleSuite, root } from './bundleSuite.mjs';

try {
  const extensionTestsPath = await bundleSuite();
  await runTests({
    version: process.env.APXM_VSCODE_VERSION || 'stable',
    extensionDevelopmentPath: root,
    extensionTestsPath,
    // the examples folder as the workspace; no other extension, no welcome page or trust prompt
    launchArgs: [
      path.join(root, 'examples'),
      '--disable-extensions',
      '--skip-welcome',
      '--skip-release-notes',
      '--disable-workspace-trust',
    ],
  });
  console.log('integration (VS Code desktop): passed');
} catch (e) {
  console.error(`integration (VS Code desktop): ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
}
