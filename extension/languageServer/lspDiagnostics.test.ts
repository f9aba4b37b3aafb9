import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DiagnosticSeverity, DiagnosticTag } from 'vscode-languageserver';
import type { AisDiagnostic } from '../../runtime/ais/diagnostics.js';
import { toLspDiagnostic } from './lspDiagnostics.js';

const range = (line: number, column: number, endColumn: number) => ({ line, column, endLine: line, endColumn, offset: 0, endOffset: 0 });

describe('toLspDiagnostic', () => {
  it('keeps the code, makes positions 0-based, and puts the hint on its own line as the CLI does', () => {
    const d: AisDiagnostic = {
      severity: 'error',
      code: 'AIS_UNCLOSED',
      message: "'(' is never closed",
      range: range(3, 9, 10),
      hint: "add ')'",
    };
    assert.deepEqual(toLspDiagnostic(d, 'file:///a.ais'), {
      range: { start: { line: 2, character: 8 }, end: { line: 2, character: 9 } },
      severity: DiagnosticSeverity.Error,
      code: 'AIS_UNCLOSED',
      source: 'apxm',
      message: "'(' is never closed\nfix: add ')'",
      data: { hint: "add ')'" },
    });
  });

  it('maps warnings, related places, and fades code that does nothing', () => {
    const d: AisDiagnostic = {
      severity: 'warning',
      code: 'AIS_UNUSED_BINDING',
      message: "'x' is never used",
      range: range(1, 1, 2),
      related: [{ message: 'bound here', range: range(2, 5, 6) }],
    };
    const l = toLspDiagnostic(d, 'file:///a.ais');
    assert.equal(l.severity, DiagnosticSeverity.Warning);
    assert.deepEqual(l.tags, [DiagnosticTag.Unnecessary]);
    assert.deepEqual(l.relatedInformation, [
      {
        location: { uri: 'file:///a.ais', range: { start: { line: 1, character: 4 }, end: { line: 1, character: 5 } } },
        message: 'bound here',
      },
    ]);
    assert.equal(l.message, "'x' is never used");
  });
});
