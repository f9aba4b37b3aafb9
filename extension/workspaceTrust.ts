/**
 * Restricted Mode: the extension stays on (highlighting, the language server, viewing programs),
 * but running a program executes workspace code — its tools (apxm.capabilities.mjs), EXC ops,
 * MCP servers from apxm.config.json — and sends prompts to an LLM, so it needs trust. VS Code
 * itself asks for trust before any debug session (DebugService.startDebugging); this covers the
 * extension's own run paths and says why.
 */
import * as vscode from 'vscode';

export const TRUST_REASON =
  'runs code from this workspace: its tools (apxm.capabilities.mjs), EXC ops and MCP servers (apxm.config.json), and sends prompts to the configured LLM';

/** True when the workspace is trusted; else a modal says why running needs trust and offers to manage it. */
export async function ensureTrustedToRun(what: string): Promise<boolean> {
  if (vscode.workspace.isTrusted) return true;
  const MANAGE = 'Manage Workspace Trust';
  const pick = await vscode.window.showWarningMessage(
    `APXM: running ${what} needs a trusted workspace`,
    { modal: true, detail: `Running an APXM program ${TRUST_REASON}. Restricted Mode keeps highlighting and diagnostics on.` },
    MANAGE,
  );
  if (pick === MANAGE) await vscode.commands.executeCommand('workbench.trust.manage');
  return vscode.workspace.isTrusted;
}
