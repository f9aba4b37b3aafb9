// `npm run bundle`: one esbuild bundle per process into dist/:
//   extension.cjs       the extension host entry (CommonJS, `vscode` external)
//   languageServer.js   the AIS language server (its own process, ESM)
//   debugAdapter.js     the debug adapter (`node dist/debugAdapter.js [--server=PORT]`, ESM)
//   apxmCli.js          the `apxm` CLI (the Runs view reads a database through it when the host has no node:sqlite)
//   sandboxWorker.js    the EXC sandbox worker the adapter starts (found next to it)
//   capabilityModuleWorker.js  the thread a workspace apxm.capabilities.mjs runs in (found next to it)
//   media/graph.js, media/graph.css  the graph webview page (browser code; its layout worker is inlined as a string)
//   media/memory.js, media/memory.css  the memory inspector's webview page
//   media/timeline.js, media/timeline.css  the timeline webview page
// Native and WebAssembly packages stay outside the bundles and ship in node_modules.
import { build } from 'esbuild';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
// APXM_BUNDLE_OUT: another folder than dist/ (the packaging test stages a package apart from dist/)
const outdir = process.env.APXM_BUNDLE_OUT ? path.resolve(process.env.APXM_BUNDLE_OUT) : path.join(root, 'dist');
const external = ['vscode', 'better-sqlite3', 'quickjs-emscripten', '@jitl/*'];
// ESM bundles still meet CommonJS dependencies that call require(): give them one.
const banner = {
  js: "import { createRequire as __apxmCreateRequire } from 'node:module'; const require = __apxmCreateRequire(import.meta.url);",
};
const common = { bundle: true, platform: 'node', target: 'node20', sourcemap: true, logLevel: 'warning', absWorkingDir: root, external };

const browser = { bundle: true, platform: 'browser', target: 'es2022', minify: true, logLevel: 'warning', absWorkingDir: root };

/** The graph page: its layout worker is bundled first and put into the page's bundle as a string (run from a blob). */
async function graphPage() {
  const worker = await build({ ...browser, entryPoints: ['media/graph/page/layoutWorker.ts'], format: 'iife', write: false });
  await build({
    ...browser,
    entryPoints: { graph: 'media/graph/main.ts' },
    outdir: path.join(outdir, 'media'),
    format: 'iife',
    sourcemap: true,
    define: { __APXM_LAYOUT_WORKER__: JSON.stringify(worker.outputFiles[0].text) },
  });
}

/** A webview page of its own (media/<name>/main.ts): one bundle and its stylesheet. */
function webviewPage(name) {
  return build({
    ...browser,
    entryPoints: { [name]: `media/${name}/main.ts` },
    outdir: path.join(outdir, 'media'),
    format: 'iife',
    sourcemap: true,
  });
}

await Promise.all([
  graphPage(),
  webviewPage('memory'),
  webviewPage('timeline'),
  // CommonJS has no import.meta: the runtime's `import.meta.url` (worker and native-module paths) becomes this file's URL
  build({
    ...common,
    entryPoints: ['extension/extension.ts'],
    outfile: path.join(outdir, 'extension.cjs'),
    format: 'cjs',
    // Bundled libraries (zod, openai) probe `navigator` to detect a browser; in VS Code's extension host reading that
    // global logs a PendingMigrationError on every activation. This bundle only ever runs there, never in a browser.
    define: { 'import.meta.url': '__apxmImportMetaUrl', navigator: 'undefined' },
    banner: { js: "const __apxmImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
  }),
  build({
    ...common,
    entryPoints: {
      languageServer: 'extension/languageServer/server.ts',
      debugAdapter: 'debug-adapter/dapMain.ts',
      // the CLI, which the Runs view runs when the extension host has no node:sqlite
      apxmCli: 'debug-adapter/apxmCli.ts',
      sandboxWorker: 'runtime/capabilities/sandboxWorker.ts',
      capabilityModuleWorker: 'runtime/capabilities/capabilityModuleWorker.ts',
    },
    outdir,
    format: 'esm',
    banner,
  }),
]);
console.log(
  `bundled into ${path.relative(root, outdir) || '.'}/: extension.cjs, languageServer.js, debugAdapter.js, apxmCli.js, sandboxWorker.js, capabilityModuleWorker.js, media/graph.js, media/graph.css, media/memory.js, media/memory.css, media/timeline.js, media/timeline.css`,
);
