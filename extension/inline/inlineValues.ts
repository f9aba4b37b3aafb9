/**
 * While an APXM session is stopped, each op's output appears at the end of its AIS line (VS Code's
 * inline values, `debug.inlineValues`), from the adapter's `apxm/inlineValues` for the stopped frame.
 */
import * as vscode from 'vscode';
import type { ApxmRequests } from '../../debug-adapter/customProtocol.js';
import { programKey } from '../graph/graphMessages.js';

class ApxmInlineValues implements vscode.InlineValuesProvider {
  async provideInlineValues(
    document: vscode.TextDocument,
    viewPort: vscode.Range,
    context: vscode.InlineValueContext,
  ): Promise<vscode.InlineValue[]> {
    const session = vscode.debug.activeDebugSession;
    if (session?.type !== 'apxm' || document.uri.scheme !== 'file') return [];
    const args: ApxmRequests['apxm/inlineValues']['arguments'] = { frameId: context.frameId };
    let body: ApxmRequests['apxm/inlineValues']['body'];
    try {
      body = (await session.customRequest('apxm/inlineValues', args)) as typeof body;
    } catch {
      return []; // the run went on or ended meanwhile: nothing to show
    }
    const file = programKey(document.uri.fsPath);
    return body.values
      .filter((v) => programKey(v.path) === file && v.line - 1 >= viewPort.start.line && v.line - 1 <= viewPort.end.line)
      .map((v) => {
        const end = document.lineAt(v.line - 1).range.end;
        return new vscode.InlineValueText(new vscode.Range(end, end), `${v.name} = ${v.value}`);
      });
  }
}

export function registerInlineValues(context: vscode.ExtensionContext): void {
  context.subscriptions.push(vscode.languages.registerInlineValuesProvider({ language: 'ais' }, new ApxmInlineValues()));
}
