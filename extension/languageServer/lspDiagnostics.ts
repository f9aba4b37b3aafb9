/** AIS diagnostics as LSP diagnostics: the code, message and `fix:` hint the CLI prints (runtime/errors.ts formatError). */
import { DiagnosticSeverity, DiagnosticTag, type Diagnostic } from 'vscode-languageserver';
import type { AisDiagnostic, AisDiagnosticCode } from '../../runtime/ais/diagnostics.js';
import { toLspRange } from './analyzedDocument.js';

const SEVERITY: Readonly<Record<AisDiagnostic['severity'], DiagnosticSeverity>> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
};

/** Codes whose range is code that does nothing: editors fade it out. */
const UNNECESSARY: ReadonlySet<AisDiagnosticCode> = new Set(['AIS_UNUSED_BINDING', 'AIS_UNREACHABLE', 'AIS_NO_EFFECT']);

const DIAGNOSTIC_SOURCE = 'apxm';

export function toLspDiagnostic(d: AisDiagnostic, uri: string): Diagnostic {
  return {
    range: toLspRange(d.range),
    severity: SEVERITY[d.severity] ?? DiagnosticSeverity.Error,
    code: d.code,
    source: DIAGNOSTIC_SOURCE,
    message: d.hint ? `${d.message}\nfix: ${d.hint}` : d.message,
    ...(d.related?.length
      ? { relatedInformation: d.related.map((r) => ({ location: { uri, range: toLspRange(r.range) }, message: r.message })) }
      : {}),
    ...(UNNECESSARY.has(d.code) ? { tags: [DiagnosticTag.Unnecessary] } : {}),
    // Kept apart from the message for code actions (quick fixes) to come.
    ...(d.hint ? { data: { hint: d.hint } } : {}),
  };
}

export function toLspDiagnostics(list: readonly AisDiagnostic[], uri: string): Diagnostic[] {
  return list.map((d) => toLspDiagnostic(d, uri));
}
