/** What scripts/bundle.mjs writes into dist/: one entry per process, and the webview pages. */
export const BUNDLES = [
  'extension.cjs',
  'languageServer.js',
  'debugAdapter.js',
  'apxmCli.js',
  'sandboxWorker.js',
  'capabilityModuleWorker.js',
  'media/graph.js',
  'media/graph.css',
  'media/memory.js',
  'media/memory.css',
  'media/timeline.js',
  'media/timeline.css',
];
