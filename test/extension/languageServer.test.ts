// The AIS language server over the protocol, as an editor drives it: the compiled server runs as a
// child process on stdio and every feature is asked for with real LSP messages (vscode-jsonrpc).
import assert from 'node:assert/strict';
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  createMessageConnection,
  IPCMessageReader,
  IPCMessageWriter,
  StreamMessageReader,
  StreamMessageWriter,
  type MessageConnection,
} from 'vscode-jsonrpc/node';
import {
  CompletionRequest,
  DefinitionRequest,
  DidChangeTextDocumentNotification,
  DidCloseTextDocumentNotification,
  DidOpenTextDocumentNotification,
  DocumentSymbolRequest,
  ExitNotification,
  FoldingRangeRequest,
  HoverRequest,
  InitializedNotification,
  InitializeRequest,
  LogMessageNotification,
  PublishDiagnosticsNotification,
  ReferencesRequest,
  ShutdownRequest,
  SignatureHelpRequest,
  type CompletionItem,
  type CompletionList,
  type DocumentSymbol,
  type InitializeResult,
  type MarkupContent,
  type Position,
  type PublishDiagnosticsParams,
  type SymbolInformation,
} from 'vscode-languageserver';

const SERVER_JS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../extension/languageServer/server.js');

type Waiter = { uri: string; test: (p: PublishDiagnosticsParams) => boolean; resolve: (p: PublishDiagnosticsParams) => void };

/** Starts the server (stdio, or node IPC as vscode-languageclient does) and keeps what it publishes. */
class LspTestClient {
  readonly connection: MessageConnection;
  /** Every publishDiagnostics received, in order. */
  readonly diagnostics: PublishDiagnosticsParams[] = [];
  readonly logs: string[] = [];
  stderr = '';
  private waiters: Waiter[] = [];
  private versions = new Map<string, number>();

  private constructor(
    readonly child: ChildProcess,
    transport: 'stdio' | 'ipc',
  ) {
    child.stderr?.on('data', (d: Buffer) => {
      this.stderr += d.toString();
    });
    this.connection =
      transport === 'stdio'
        ? createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!))
        : createMessageConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
    this.connection.onNotification(PublishDiagnosticsNotification.type, (p) => {
      this.diagnostics.push(p);
      this.waiters = this.waiters.filter((w) => {
        if (w.uri !== p.uri || !w.test(p)) return true;
        w.resolve(p);
        return false;
      });
    });
    this.connection.onNotification(LogMessageNotification.type, (p) => {
      this.logs.push(p.message);
    });
    this.connection.listen();
  }

  static async start(rootDir: string, transport: 'stdio' | 'ipc' = 'stdio'): Promise<{ client: LspTestClient; result: InitializeResult }> {
    const child =
      transport === 'stdio'
        ? spawn(process.execPath, [SERVER_JS, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] })
        : fork(SERVER_JS, ['--node-ipc'], { stdio: ['pipe', 'pipe', 'pipe', 'ipc'] });
    const client = new LspTestClient(child, transport);
    const rootUri = pathToFileURL(rootDir).href;
    const result = await client.connection.sendRequest(InitializeRequest.type, {
      processId: process.pid,
      rootUri,
      capabilities: {},
      workspaceFolders: [{ uri: rootUri, name: 'test' }],
    });
    await client.connection.sendNotification(InitializedNotification.type, {});
    return { client, result };
  }

  /** Resolves with the next (or an already received) publishDiagnostics of `uri` that passes `test`. */
  waitForDiagnostics(
    uri: string,
    test: (p: PublishDiagnosticsParams) => boolean = () => true,
    timeoutMs = 5000,
  ): Promise<PublishDiagnosticsParams> {
    const seen = this.diagnostics.find((p) => p.uri === uri && test(p));
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no matching diagnostics for ${uri} within ${timeoutMs} ms; stderr: ${this.stderr}`)),
        timeoutMs,
      );
      this.waiters.push({
        uri,
        test,
        resolve: (p) => {
          clearTimeout(timer);
          resolve(p);
        },
      });
    });
  }

  async open(uri: string, text: string): Promise<void> {
    this.versions.set(uri, 1);
    await this.connection.sendNotification(DidOpenTextDocumentNotification.type, {
      textDocument: { uri, languageId: 'ais', version: 1, text },
    });
  }

  /** Replaces the whole text; returns the new version. */
  async change(uri: string, text: string): Promise<number> {
    const version = (this.versions.get(uri) ?? 1) + 1;
    this.versions.set(uri, version);
    await this.connection.sendNotification(DidChangeTextDocumentNotification.type, {
      textDocument: { uri, version },
      contentChanges: [{ text }],
    });
    return version;
  }

  async close(uri: string): Promise<void> {
    await this.connection.sendNotification(DidCloseTextDocumentNotification.type, { textDocument: { uri } });
  }

  /** shutdown, then exit; resolves with the server's exit code. */
  async shutdown(): Promise<number | null> {
    const exited = once(this.child, 'exit');
    await this.connection.sendRequest(ShutdownRequest.type);
    await this.connection.sendNotification(ExitNotification.type);
    const [code] = (await exited) as [number | null];
    this.connection.dispose();
    return code;
  }

  kill(): void {
    this.connection.dispose();
    if (this.child.exitCode === null) this.child.kill();
  }
}

const PROGRAM = `agent Researcher {
    flow gather(topic: str) -> str {
        ask("Sources about " + topic) -> sources
        return sources
    }

    flow summarize(text: str) -> str {
        think("Summarize: " + text) -> summary
        return summary
    }
}

agent Writer {
    memory {
        notes: STM
    }

    @entry flow main(topic: str) -> str {
        Researcher.gather(topic) -> found
        ask("Draft about {{ topic }} from " + found) -> draft
        if (draft) {
            print(draft)
        }
        Researcher.summarize(draft) -> short
        return short
    }

    flow other() -> str {
        ask("unrelated") -> later
        return later
    }
}
`;

/** The LSP position of the `nth` occurrence of `needle` in `text`, moved `delta` characters. */
function positionOf(text: string, needle: string, delta = 0, nth = 0): Position {
  let at = -1;
  for (let i = 0; i <= nth; i++) {
    at = text.indexOf(needle, at + 1);
    assert.ok(at >= 0, `'${needle}' (#${nth}) is not in the text`);
  }
  const before = text.slice(0, at + delta);
  const line = before.split('\n').length - 1;
  return { line, character: before.length - before.lastIndexOf('\n') - 1 };
}

function labels(reply: CompletionItem[] | CompletionList | null): string[] {
  const items = reply === null ? [] : Array.isArray(reply) ? reply : reply.items;
  return items.map((i) => i.label);
}

function hoverText(contents: unknown): string {
  return (contents as MarkupContent).value;
}

describe('AIS language server over stdio', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'apxm-ls-'));
  const uri = (name: string): string => pathToFileURL(path.join(dir, name)).href;
  const programUri = uri('program.ais');
  let client: LspTestClient;
  let init: InitializeResult;

  before(async () => {
    writeFileSync(
      path.join(dir, 'apxm.capabilities.mjs'),
      `
      console.log('this must not reach the protocol stream');
      export default {
        lookup_weather: { description: 'Current weather of a city', parameters: { type: 'object' }, async handler() { return 'sunny'; } },
      };
    `,
    );
    ({ client, result: init } = await LspTestClient.start(dir));
    await client.open(programUri, PROGRAM);
  });

  after(() => {
    client?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('announces its features in the initialize result', () => {
    const caps = init.capabilities;
    assert.ok(
      caps.hoverProvider && caps.definitionProvider && caps.referencesProvider && caps.documentSymbolProvider && caps.foldingRangeProvider,
    );
    assert.ok(caps.completionProvider?.triggerCharacters?.includes('.'));
    assert.ok(caps.signatureHelpProvider?.triggerCharacters?.includes('('));
  });

  it('publishes no error for a valid program', async () => {
    const p = await client.waitForDiagnostics(programUri);
    assert.deepEqual(
      p.diagnostics.filter((d) => d.severity === 1),
      [],
    );
  });

  it('publishes a syntax error with its code, source and 0-based range', async () => {
    const u = uri('broken.ais');
    await client.open(u, 'agent A {\n  flow main() {\n    ask("x") $ \n  }\n}\n');
    const p = await client.waitForDiagnostics(u, (x) => x.diagnostics.length > 0);
    const d = p.diagnostics.find((x) => x.code === 'AIS_UNEXPECTED_CHARACTER');
    assert.ok(d, JSON.stringify(p.diagnostics));
    assert.equal(d.severity, 1);
    assert.equal(d.source, 'apxm');
    assert.deepEqual(d.range, { start: { line: 2, character: 13 }, end: { line: 2, character: 14 } });
    assert.match(typeof d.message === 'string' ? d.message : d.message.value, /\$/);
    assert.equal(p.version, 1);
  });

  it('updates diagnostics on didChange and clears them on close', async () => {
    const u = uri('edited.ais');
    await client.open(u, 'agent A {\n  flow main() -> str {\n    ask("x") -> y\n    return y\n  }\n}\n');
    await client.waitForDiagnostics(u, (x) => x.version === 1);
    const broken = await client.change(u, 'agent A {\n  flow main() -> str {\n    ask("x" -> y\n    return y\n  }\n}\n');
    const p2 = await client.waitForDiagnostics(u, (x) => x.version === broken);
    assert.ok(
      p2.diagnostics.some((d) => d.severity === 1 && d.range.start.line === 2),
      JSON.stringify(p2.diagnostics),
    );
    const fixed = await client.change(u, 'agent A {\n  flow main() -> str {\n    ask("y") -> y\n    return y\n  }\n}\n');
    const p3 = await client.waitForDiagnostics(u, (x) => x.version === fixed);
    assert.deepEqual(
      p3.diagnostics.filter((d) => d.severity === 1),
      [],
    );
    const count = client.diagnostics.length;
    await client.close(u);
    const cleared = await client.waitForDiagnostics(u, (x) => x.diagnostics.length === 0 && client.diagnostics.indexOf(x) >= count);
    assert.equal(cleared.version, undefined);
  });

  it('debounces: quick edits publish once, for the last version', async () => {
    const u = uri('typing.ais');
    await client.open(u, 'agent A { flow main() { ask("a") } }');
    await client.waitForDiagnostics(u, (x) => x.version === 1);
    let last = 1;
    for (const piece of ['a', 'as', 'ask', 'ask(', 'ask("b")']) last = await client.change(u, `agent A { flow main() { ${piece} } }`);
    await client.waitForDiagnostics(u, (x) => x.version === last);
    const versions = client.diagnostics.filter((x) => x.uri === u).map((x) => x.version);
    assert.deepEqual(versions, [1, last]);
  });

  it('hovers an operation call with its AIS op, signature and latency class', async () => {
    const h = await client.connection.sendRequest(HoverRequest.type, {
      textDocument: { uri: programUri },
      position: positionOf(PROGRAM, 'ask("Draft', 1),
    });
    assert.ok(h);
    const text = hoverText(h.contents);
    assert.match(text, /\bASK\b/);
    assert.match(text, /Medium/);
    assert.match(text, /ask\(prompt, context\.\.\.\)/);
    assert.deepEqual(h.range, { start: positionOf(PROGRAM, 'ask("Draft'), end: positionOf(PROGRAM, 'ask("Draft', 3) });
  });

  it('hovers a flow call with the flow signature and a binding with where it is defined', async () => {
    const flow = await client.connection.sendRequest(HoverRequest.type, {
      textDocument: { uri: programUri },
      position: positionOf(PROGRAM, 'gather(topic) ->', 2),
    });
    assert.match(hoverText(flow?.contents), /flow Researcher\.gather\(topic: str\) -> str/);
    const binding = await client.connection.sendRequest(HoverRequest.type, {
      textDocument: { uri: programUri },
      position: positionOf(PROGRAM, '+ found', 3),
    });
    assert.match(hoverText(binding?.contents), /Defined at line 19: `Researcher\.gather\(topic\) -> found`/);
  });

  it("completes an agent's flows after `Agent.`", async () => {
    const text = PROGRAM.replace('        return short\n', '        Researcher.\n        return short\n');
    const u = uri('member.ais');
    await client.open(u, text);
    const reply = await client.connection.sendRequest(CompletionRequest.type, {
      textDocument: { uri: u },
      position: positionOf(text, 'Researcher.\n', 11),
    });
    assert.deepEqual(labels(reply).sort(), ['gather', 'summarize']);
  });

  it('completes the bindings in scope, not later ones nor those of another flow', async () => {
    const reply = await client.connection.sendRequest(CompletionRequest.type, {
      textDocument: { uri: programUri },
      position: positionOf(PROGRAM, 'Researcher.summarize(draft)'),
    });
    const got = labels(reply);
    for (const name of ['topic', 'found', 'draft', 'ask', 'Researcher', 'other', 'lookup_weather'])
      assert.ok(got.includes(name), `${name} missing from ${got.join(' ')}`);
    for (const name of ['short', 'later', 'sources', 'summary', 'text']) assert.ok(!got.includes(name), `${name} must not be offered`);
  });

  it('completes capabilities of the workspace apxm.capabilities.mjs, named arguments, and signature help', async () => {
    const text = 'agent A {\n  flow main() -> str {\n    lookup_weather("Lisbon") -> w\n    ask("Weather: " + w, \n  }\n}\n';
    const u = uri('caps.ais');
    await client.open(u, text);
    const at = positionOf(text, '+ w, ', 5);
    const got = labels(await client.connection.sendRequest(CompletionRequest.type, { textDocument: { uri: u }, position: at }));
    assert.ok(got.includes('lookup_weather'), got.join(' '));
    assert.ok(got.includes('model:') && got.includes('temperature:'), got.join(' '));
    const h = await client.connection.sendRequest(HoverRequest.type, {
      textDocument: { uri: u },
      position: positionOf(text, 'lookup_weather', 2),
    });
    assert.match(hoverText(h?.contents), /Current weather of a city/);
    const sig = await client.connection.sendRequest(SignatureHelpRequest.type, { textDocument: { uri: u }, position: at });
    assert.equal(sig?.signatures[0].label, 'ask(prompt, context...)');
    assert.equal(sig?.activeParameter, 1);
  });

  it('goes from a binding use to its `-> x`, and from a flow call to the flow', async () => {
    const def = await client.connection.sendRequest(DefinitionRequest.type, {
      textDocument: { uri: programUri },
      position: positionOf(PROGRAM, '+ found', 4),
    });
    const locations = Array.isArray(def) ? def : def ? [def] : [];
    assert.equal(locations.length, 1);
    const loc = locations[0];
    assert.ok('uri' in loc && 'range' in loc);
    assert.deepEqual(loc.range.start, positionOf(PROGRAM, '-> found', 3));
    const flowDef = await client.connection.sendRequest(DefinitionRequest.type, {
      textDocument: { uri: programUri },
      position: positionOf(PROGRAM, 'summarize(draft)', 1),
    });
    const flowLoc = (Array.isArray(flowDef) ? flowDef : [flowDef])[0];
    assert.ok(flowLoc && 'range' in flowLoc);
    assert.deepEqual(flowLoc.range.start, positionOf(PROGRAM, 'flow summarize', 5));
  });

  it('finds the references of a flow and of a binding (interpolations included)', async () => {
    const refs = await client.connection.sendRequest(ReferencesRequest.type, {
      textDocument: { uri: programUri },
      position: positionOf(PROGRAM, 'flow gather', 6),
      context: { includeDeclaration: true },
    });
    assert.deepEqual(
      refs?.map((r) => r.range.start),
      [positionOf(PROGRAM, 'flow gather', 5), positionOf(PROGRAM, 'Researcher.gather', 11)],
    );
    const topicRefs = await client.connection.sendRequest(ReferencesRequest.type, {
      textDocument: { uri: programUri },
      position: positionOf(PROGRAM, 'main(topic', 5),
      context: { includeDeclaration: false },
    });
    assert.deepEqual(
      topicRefs?.map((r) => r.range),
      [
        { start: positionOf(PROGRAM, 'gather(topic)', 7), end: positionOf(PROGRAM, 'gather(topic)', 12) },
        { start: positionOf(PROGRAM, '{{ topic }}', 3), end: positionOf(PROGRAM, '{{ topic }}', 8) },
      ],
    );
  });

  it('lists agents → flows → bindings as document symbols', async () => {
    const reply = await client.connection.sendRequest(DocumentSymbolRequest.type, { textDocument: { uri: programUri } });
    const symbols = (reply ?? []) as (DocumentSymbol | SymbolInformation)[];
    assert.ok(symbols.every((s): s is DocumentSymbol => 'children' in s));
    const tree = symbols.map((a) => [a.name, (a.children ?? []).map((f) => [f.name, (f.children ?? []).map((b) => b.name)])]);
    assert.deepEqual(tree, [
      [
        'Researcher',
        [
          ['gather', ['sources']],
          ['summarize', ['summary']],
        ],
      ],
      [
        'Writer',
        [
          ['notes', []],
          ['main', ['found', 'draft', 'short']],
          ['other', ['later']],
        ],
      ],
    ]);
  });

  it('folds agents, flows, blocks and memory blocks', async () => {
    const ranges = await client.connection.sendRequest(FoldingRangeRequest.type, { textDocument: { uri: programUri } });
    const starts = new Map((ranges ?? []).map((r) => [r.startLine, r.endLine]));
    const line = (needle: string): number => positionOf(PROGRAM, needle).line;
    assert.equal(starts.get(line('agent Researcher')), line('agent Writer') - 3);
    assert.equal(starts.get(line('flow gather')), line('return sources'));
    assert.equal(starts.get(line('memory {')), line('notes: STM'));
    assert.equal(starts.get(line('if (draft)')), line('print(draft)'));
    assert.equal(starts.get(line('@entry flow main')), line('return short'));
  });

  it('survives a garbage document: diagnostics, then answers as before', async () => {
    const u = uri('garbage.ais');
    await client.open(u, randomBytes(8192).toString('latin1'));
    const p = await client.waitForDiagnostics(u);
    assert.ok(p.diagnostics.length > 0 && p.diagnostics.length <= 101, String(p.diagnostics.length));
    for (let line = 0; line < 20; line++) {
      await client.connection.sendRequest(HoverRequest.type, { textDocument: { uri: u }, position: { line, character: 3 } });
      await client.connection.sendRequest(CompletionRequest.type, { textDocument: { uri: u }, position: { line, character: 5 } });
    }
    await client.connection.sendRequest(DocumentSymbolRequest.type, { textDocument: { uri: u } });
    await client.connection.sendRequest(FoldingRangeRequest.type, { textDocument: { uri: u } });
    const h = await client.connection.sendRequest(HoverRequest.type, {
      textDocument: { uri: programUri },
      position: positionOf(PROGRAM, 'ask("Draft', 1),
    });
    assert.match(hoverText(h?.contents), /ASK/);
    assert.equal(client.child.exitCode, null);
  });

  it('answers empty for a document it does not know and for positions past the end', async () => {
    const h = await client.connection.sendRequest(HoverRequest.type, {
      textDocument: { uri: uri('never-opened.ais') },
      position: { line: 0, character: 0 },
    });
    assert.equal(h, null);
    const c = await client.connection.sendRequest(CompletionRequest.type, {
      textDocument: { uri: programUri },
      position: { line: 999, character: 999 },
    });
    assert.ok(Array.isArray(c));
  });

  it('shuts down and exits with code 0', async () => {
    assert.equal(client.stderr, '');
    assert.equal(await client.shutdown(), 0);
  });
});

describe('AIS language server over node IPC (how vscode-languageclient starts it)', () => {
  it('initializes, publishes diagnostics, answers a hover, and exits with code 0', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'apxm-ls-ipc-'));
    const { client, result } = await LspTestClient.start(dir, 'ipc');
    try {
      assert.equal(result.serverInfo?.name, 'apxm-ais');
      const u = pathToFileURL(path.join(dir, 'p.ais')).href;
      await client.open(u, 'agent A {\n  flow main() {\n    ask("x") $\n  }\n}\n');
      const p = await client.waitForDiagnostics(u);
      assert.ok(p.diagnostics.some((d) => d.code === 'AIS_UNEXPECTED_CHARACTER'));
      const h = await client.connection.sendRequest(HoverRequest.type, { textDocument: { uri: u }, position: { line: 2, character: 5 } });
      assert.match(hoverText(h?.contents), /ASK/);
      assert.equal(await client.shutdown(), 0);
    } finally {
      client.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
