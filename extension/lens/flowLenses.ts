/**
 * The CodeLens above each flow of an .ais file after a run (flowLensModel.ts says what): fed by the
 * adapter's `apxm/flowTotals` at each run's end (the status bar's subscription asks for it), kept
 * per file until that file's next run; clicking one shows the program's graph.
 */
import * as vscode from 'vscode';
import type { FlowTotalsBody } from '../../runtime/query/flowTotals.js';
import { programKey, sessionProgramPath } from '../graph/graphMessages.js';
import { flowLenses } from './flowLensModel.js';

export function registerFlowLenses(context: vscode.ExtensionContext): void {
  /** The last run's totals by the file its flows were loaded from. */
  const byFile = new Map<string, FlowTotalsBody>();
  const changed = new vscode.EventEmitter<void>();
  const key = programKey;

  const provider: vscode.CodeLensProvider = {
    onDidChangeCodeLenses: changed.event,
    provideCodeLenses: (doc) =>
      flowLenses(doc.getText(), byFile.get(key(doc.uri.fsPath))).map(
        (l) =>
          new vscode.CodeLens(new vscode.Range(l.line, 0, l.line, 0), {
            title: l.title,
            tooltip: l.tooltip,
            command: 'apxm.showProgramGraph',
            arguments: [doc.uri],
          }),
      ),
  };

  context.subscriptions.push(
    changed,
    vscode.languages.registerCodeLensProvider({ language: 'ais' }, provider),
    vscode.debug.onDidReceiveDebugSessionCustomEvent((e) => {
      if (e.event !== 'apxm/flowTotals' || e.session.type !== 'apxm') return;
      const body = e.body as FlowTotalsBody;
      const program = sessionProgramPath(
        e.session.configuration as { program?: unknown; cwd?: unknown },
        e.session.workspaceFolder?.uri.fsPath,
      );
      const files = new Map<string, FlowTotalsBody>();
      for (const f of body.flows) {
        const file = f.file ?? program;
        if (!file) continue;
        const entry = files.get(key(file)) ?? { ...body, flows: [] };
        entry.flows.push(f);
        files.set(key(file), entry);
      }
      for (const [file, totals] of files) byFile.set(file, totals);
      changed.fire();
    }),
  );
}
