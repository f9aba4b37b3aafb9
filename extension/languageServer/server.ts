/**
 * The AIS language server: `node server.js --stdio` or `--node-ipc` (how vscode-languageclient
 * starts it). Wires each LSP request to its feature module; the features are pure functions of
 * an analysed document and an offset, so this file holds only protocol and document bookkeeping.
 */
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  createConnection,
  ProposedFeatures,
  TextDocuments,
  TextDocumentSyncKind,
  type CompletionItem,
  type CompletionParams,
  type DefinitionParams,
  type DocumentSymbol,
  type DocumentSymbolParams,
  type FoldingRange,
  type FoldingRangeParams,
  type Hover,
  type HoverParams,
  type InitializeResult,
  type Location,
  type ReferenceParams,
  type SignatureHelp,
  type SignatureHelpParams,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { analyzeDocument, toLspRange, type AnalyzedDocument } from './analyzedDocument.js';
import { CapabilityCatalog, locateCapability, WORKSPACE_TRUSTED } from './capabilityCatalog.js';
import { completionsAt } from './completion.js';
import { Debouncer } from './debouncer.js';
import { documentSymbols } from './documentSymbols.js';
import { foldingRanges } from './foldingRanges.js';
import { guarded, guardedVoid } from './guard.js';
import { hoverAt } from './hover.js';
import { toLspDiagnostics } from './lspDiagnostics.js';
import { definitionAt, referencesAt } from './navigation.js';
import { signatureHelpAt } from './signatureHelp.js';
import { symbolAt } from './symbolAt.js';

/** Diagnostics wait until typing pauses this long. */
const DIAGNOSTICS_DELAY_MS = 150;

const connection = createConnection(ProposedFeatures.all);
const documents = new TextDocuments(TextDocument);
const log = (message: string): void => connection.console.error(message);
const capabilities = new CapabilityCatalog(log);
const debouncer = new Debouncer(DIAGNOSTICS_DELAY_MS);
const analyses = new Map<string, { version: number; analysis: AnalyzedDocument }>();
const published = new Map<string, number>();

process.on('uncaughtException', (e) => log(`uncaught exception: ${e.stack ?? e.message}`));
process.on('unhandledRejection', (e) => log(`unhandled rejection: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`));

function fileOf(uri: string): string | undefined {
  try {
    return uri.startsWith('file:') ? fileURLToPath(uri) : undefined;
  } catch {
    return undefined;
  }
}

/** The analysis of the document's current version (computed once per version). */
function analysisOf(doc: TextDocument): AnalyzedDocument {
  const hit = analyses.get(doc.uri);
  if (hit && hit.version === doc.version) return hit.analysis;
  const analysis = analyzeDocument(doc.getText(), fileOf(doc.uri));
  analyses.set(doc.uri, { version: doc.version, analysis });
  return analysis;
}

/** The analysed document and cursor offset of a positional request, if the document is open. */
function at(params: {
  textDocument: { uri: string };
  position: { line: number; character: number };
}): { doc: AnalyzedDocument; offset: number; uri: string } | undefined {
  const td = documents.get(params.textDocument.uri);
  return td ? { doc: analysisOf(td), offset: td.offsetAt(params.position), uri: td.uri } : undefined;
}

function publish(doc: TextDocument): void {
  const current = documents.get(doc.uri);
  if (!current || published.get(current.uri) === current.version) return;
  published.set(current.uri, current.version);
  void connection.sendDiagnostics({
    uri: current.uri,
    version: current.version,
    diagnostics: toLspDiagnostics(analysisOf(current).diagnostics, current.uri),
  });
}

connection.onInitialize((params): InitializeResult => {
  const folders = params.workspaceFolders?.map((f) => fileOf(f.uri)) ?? [params.rootUri ? fileOf(params.rootUri) : undefined];
  capabilities.setWorkspaceFolders(folders.filter((f): f is string => f !== undefined));
  // VS Code says whether the workspace is trusted; a client with no notion of trust (none sent) is trusted
  const options = params.initializationOptions as { workspaceTrusted?: unknown } | undefined;
  capabilities.setTrusted(options?.workspaceTrusted !== false);
  return {
    capabilities: {
      textDocumentSync: TextDocumentSyncKind.Incremental,
      hoverProvider: true,
      completionProvider: { triggerCharacters: ['.', '(', ',', '{'] },
      signatureHelpProvider: { triggerCharacters: ['(', ','] },
      definitionProvider: true,
      referencesProvider: true,
      documentSymbolProvider: true,
      foldingRangeProvider: true,
    },
    serverInfo: { name: 'apxm-ais' },
  };
});

connection.onNotification(WORKSPACE_TRUSTED, () => capabilities.setTrusted(true));

// The first version is checked at once; edits wait until typing pauses.
documents.onDidOpen(guardedVoid('didOpen', log, (e) => publish(e.document)));
documents.onDidChangeContent(
  guardedVoid('didChange', log, (e) => {
    if (published.get(e.document.uri) === e.document.version) return;
    debouncer.schedule(
      e.document.uri,
      guardedVoid('diagnostics', log, () => publish(e.document)),
    );
  }),
);
documents.onDidClose(
  guardedVoid('didClose', log, (e) => {
    debouncer.cancel(e.document.uri);
    analyses.delete(e.document.uri);
    published.delete(e.document.uri);
    void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
  }),
);

connection.onHover(
  guarded<HoverParams, Hover | null>('hover', log, null, async (p) => {
    const a = at(p);
    if (!a) return null;
    const s = symbolAt(a.doc.ast, a.offset);
    return hoverAt(a.doc, a.offset, s?.kind === 'capability' ? await capabilities.forDocument(a.doc.file) : [], s);
  }),
);

connection.onCompletion(
  guarded<CompletionParams, CompletionItem[]>('completion', log, [], async (p) => {
    const a = at(p);
    return a ? completionsAt(a.doc, a.offset, await capabilities.forDocument(a.doc.file)) : [];
  }),
);

connection.onSignatureHelp(
  guarded<SignatureHelpParams, SignatureHelp | null>('signatureHelp', log, null, (p) => {
    const a = at(p);
    return a ? signatureHelpAt(a.doc, a.offset) : null;
  }),
);

connection.onDefinition(
  guarded<DefinitionParams, Location[]>('definition', log, [], async (p) => {
    const a = at(p);
    if (!a) return [];
    const s = symbolAt(a.doc.ast, a.offset);
    const here = definitionAt(a.doc, a.offset, s).map((r) => ({ uri: a.uri, range: toLspRange(r) }));
    if (here.length) return here;
    // A capability from the workspace module: jump into the module.
    if (s?.kind !== 'capability') return [];
    const entry = (await capabilities.forDocument(a.doc.file)).find((c) => c.name === s.name);
    const range = entry ? locateCapability(entry) : undefined;
    return entry && range ? [{ uri: pathToFileURL(entry.file).href, range }] : [];
  }),
);

connection.onReferences(
  guarded<ReferenceParams, Location[]>('references', log, [], (p) => {
    const a = at(p);
    return a ? referencesAt(a.doc, a.offset, p.context.includeDeclaration).map((r) => ({ uri: a.uri, range: toLspRange(r) })) : [];
  }),
);

connection.onDocumentSymbol(
  guarded<DocumentSymbolParams, DocumentSymbol[]>('documentSymbol', log, [], (p) => {
    const td = documents.get(p.textDocument.uri);
    return td ? documentSymbols(analysisOf(td)) : [];
  }),
);

connection.onFoldingRanges(
  guarded<FoldingRangeParams, FoldingRange[]>('foldingRange', log, [], (p) => {
    const td = documents.get(p.textDocument.uri);
    return td ? foldingRanges(analysisOf(td)) : [];
  }),
);

connection.onShutdown(() => {
  debouncer.dispose();
  analyses.clear();
});

documents.listen(connection);
connection.listen();
