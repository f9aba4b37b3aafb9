/**
 * The command that runs the debug adapter as its own process (`apxm.debugAdapter.mode`:
 * "process"). Inside VS Code desktop `process.execPath` is Electron, not Node: without
 * ELECTRON_RUN_AS_NODE it would start another VS Code window instead of the adapter. A configured
 * `apxm.debugAdapter.nodePath` runs a chosen Node instead (one whose ABI better-sqlite3 was built
 * for, or Node 22.5 or later for node:sqlite). No `vscode` import: tested directly.
 */
export interface AdapterCommand {
  command: string;
  args: string[];
  env: Record<string, string>;
}

export function adapterProcessCommand(nodePath: string | undefined, hostExecPath: string, adapterScript: string): AdapterCommand {
  const configured = nodePath?.trim();
  if (configured) return { command: configured, args: [adapterScript], env: {} };
  return { command: hostExecPath, args: [adapterScript], env: { ELECTRON_RUN_AS_NODE: '1' } };
}
