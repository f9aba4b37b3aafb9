// Builds what an extension-host test run loads: the extension (dist/, through scripts/bundle.mjs)
// and the suite as one CommonJS file, out/test/integration/suite.cjs (VS Code require()s the
// --extensionTestsPath module and injects `vscode`, so `vscode` stays external).
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import path from 'node:path';

export const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
export const suiteFile = path.join(root, 'out/test/integration/suite.cjs');

export async function bundleSuite() {
  const r = spawnSync(process.execPath, [path.join(root, 'scripts/bundle.mjs')], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`scripts/bundle.mjs failed (exit ${r.status ?? r.signal})`);
  await build({
    entryPoints: [path.join(root, 'test/integration/index.ts')],
    outfile: suiteFile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: 'inline',
    external: ['vscode'],
    logLevel: 'warning',
  });
  return suiteFile;
}
