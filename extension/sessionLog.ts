/**
 * What the "APXM" output channel says, as text (no `vscode` import, so it is tested directly):
 * one line on activation, and per debug session the storage backend that opened, why the others
 * did not (one line each), and the database path. Never a stack, never a secret.
 */
import type { ApxmEvents } from '../debug-adapter/customProtocol.js';

export interface ActivationFacts {
  extensionVersion: string;
  adapterMode: string;
  /** The Node that runs a `process` adapter: a configured path, or VS Code's own runtime. */
  adapterNode?: string;
  hostNode: string;
  hostAbi: string;
}

export function activationLine(f: ActivationFacts): string {
  const node =
    f.adapterMode === 'process' ? `, adapter Node: ${f.adapterNode ?? "VS Code's own (apxm.debugAdapter.nodePath is not set)"}` : '';
  return `APXM ${f.extensionVersion} active; debug adapter mode: ${f.adapterMode}${node}; extension host Node ${f.hostNode} (ABI ${f.hostAbi})`;
}

export function sessionInfoLines(sessionName: string, info: ApxmEvents['apxm/sessionInfo']): string[] {
  const db = info.dbPath === ':memory:' ? 'in memory (no "db" in the launch configuration)' : info.dbPath;
  return [
    `session "${sessionName}": storage ${info.storageBackend}, database ${db}; adapter ${info.adapterMode} on Node ${info.nodeVersion} (ABI ${info.nodeAbi})`,
    ...info.storageSkipped.map((s) => `  not used: ${s.split('\n')[0]}`),
  ];
}

/** The PAUSE notification's text: where it waits and what it asks. */
export function pauseNotice(p: ApxmEvents['apxm/pauseWaiting']): string {
  const where = p.source ? `${p.flow}, line ${p.source.line}` : p.flow;
  return `APXM PAUSE (${where}) waits for your answer: ${p.message}`;
}
