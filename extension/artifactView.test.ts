import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { encodeArtifact, programToArtifactModel } from '../runtime/artifact/writeArtifact.js';
import { loadProgramFromJsonText } from '../runtime/graph/loadGraphJson.js';
import { buildDagListing } from '../debug-adapter/dagListing.js';
import { artifactToProgram, decodeArtifact } from '../runtime/artifact/readArtifact.js';
import { describeArtifact, renderArtifactHtml, unreadableArtifact, type PageContext } from './artifactView.js';
import { PROGRAM_FILE, readInputFile } from '../runtime/inputFile.js';

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../runtime/artifact/fixtures');
const fixture = (name: string) => new Uint8Array(readFileSync(path.join(FIXTURES, name)));
const ctx: PageContext = {
  cspSource: 'https://webview.test',
  styleUri: 'https://webview.test/media/artifactViewer.css',
  resource: 'file:///w/a.apxmobj',
};

function artifactOf(graph: object): Uint8Array {
  const program = loadProgramFromJsonText(JSON.stringify(graph), 'g.json');
  return encodeArtifact(programToArtifactModel(program, { createdAt: 1767225600000 }));
}

const trip = {
  name: 'Trip.main',
  parameters: [{ name: 'city', type_name: 'str' }],
  nodes: [
    { id: 1, name: 'ask', op: 'ASK', attributes: { template_str: 'Where in {{city}}?' } },
    { id: 2, name: 'result', op: 'RETURN' },
  ],
  edges: [{ from: 1, to: 2, dependency: 'Data' }],
};

describe('.apxmobj viewer', () => {
  it(
    'a valid artifact: header, a valid hash, metadata, flows with parameters, and the same listing as the debugger',
    { timeout: 10_000 },
    () => {
      const bytes = artifactOf(trip);
      const v = describeArtifact(bytes, '/w/trip.apxmobj');
      assert.equal(v.error, undefined);
      assert.equal(v.header?.version, 1);
      assert.equal(v.header?.payloadLength, BigInt(bytes.length - 52));
      assert.equal(v.hash?.ok, true);
      assert.equal(v.hash?.stored, v.hash?.actual);
      assert.deepEqual(v.metadata, { module: 'Trip.main', createdAt: '2026-01-01T00:00:00.000Z', compiler: '0.0.1' });
      assert.deepEqual(v.flows, [{ name: 'Trip.main', entry: true, parameters: ['city: str'], nodes: 2, edges: 1 }]);
      const debuggerListing = buildDagListing(artifactToProgram(decodeArtifact(bytes, '/w/trip.apxmobj').payload, '/w/trip.apxmobj')).text;
      assert.equal(v.listing, debuggerListing);
      const html = renderArtifactHtml(v, ctx);
      assert.match(html, /BLAKE3 valid: [0-9a-f]{64}/);
      assert.match(html, /<span class="badge">@entry<\/span> Trip\.main<\/td><td>city: str<\/td>/);
      assert.match(html, /#1 +ASK +ask +&#34;Where in \{\{city\}\}\?&#34;/);
      assert.match(html, /href="command:apxm\.debugProgram\?%5B%22file%3A%2F%2F%2Fw%2Fa\.apxmobj%22%5D"/);
    },
  );

  it('every fixture of the runtime renders (upstream-compiled ones included)', { timeout: 10_000 }, () => {
    for (const name of ['hello.apxmobj', '01_hello.apxmobj', '02_tool_use.apxmobj', 'minimal.apxmobj', 'x_coverage.apxmobj']) {
      const v = describeArtifact(fixture(name), name);
      assert.equal(v.hash?.ok, true, name);
      assert.ok(v.flows?.length, name);
      assert.match(renderArtifactHtml(v, ctx), /<h2>Flows<\/h2>/, name);
    }
  });

  it('an artifact that decodes but does not load as a program still shows its flows, with the load error', { timeout: 10_000 }, () => {
    // upstream's coverage artifact has a UMEM without "key": stored fine, not runnable here
    const v = describeArtifact(fixture('x_coverage.apxmobj'), 'x_coverage.apxmobj');
    assert.equal(v.hash?.ok, true);
    assert.ok((v.flows?.length ?? 0) > 0);
    assert.equal(v.listing, undefined);
    assert.equal(v.error?.code, 'E_PROGRAM_INVALID');
    const html = renderArtifactHtml(v, ctx);
    assert.match(html, /role="alert"><strong>E_PROGRAM_INVALID<\/strong>: UMEM node 7 needs the attribute &#34;key&#34;/);
    assert.doesNotMatch(html, /command:apxm\.debugProgram/);
  });

  it('a payload edited after writing shows the mismatch with both hashes, and no flows', { timeout: 10_000 }, () => {
    const bytes = artifactOf(trip);
    bytes[bytes.length - 3] ^= 0xff;
    const v = describeArtifact(bytes, '/w/bad.apxmobj');
    assert.equal(v.hash?.ok, false);
    assert.match(v.hash?.stored ?? '', /^[0-9a-f]{64}$/);
    assert.match(v.hash?.actual ?? '', /^[0-9a-f]{64}$/);
    assert.notEqual(v.hash?.stored, v.hash?.actual);
    assert.equal(v.flows, undefined);
    const html = renderArtifactHtml(v, ctx);
    assert.ok(html.includes(`header says</th><td>${v.hash?.stored}`), html);
    assert.ok(html.includes(`payload hashes to</th><td>${v.hash?.actual}`), html);
    assert.match(html, /role="alert"><strong>E_PROGRAM_PARSE<\/strong>: Artifact hash mismatch/);
    assert.doesNotMatch(html, /command:apxm\.debugProgram/, 'nothing to debug');
  });

  it('truncated, empty, foreign and legacy files each show their error, never throw', { timeout: 10_000 }, () => {
    const full = artifactOf(trip);
    const cases: [string, Uint8Array, RegExp][] = [
      ['empty', new Uint8Array(), /truncated \(0 bytes/],
      ['header cut', full.subarray(0, 30), /truncated \(30 bytes, shorter than the 52-byte header\)/],
      ['payload cut', full.subarray(0, full.length - 10), /the header announces a \d+-byte payload, only \d+ bytes follow/],
      ['json', new TextEncoder().encode('{"nodes": []}'), /not an APXM artifact/],
      ['legacy', fixture('legacy_gen_a_hello_world.apxmobj'), /./],
    ];
    for (const [what, bytes, message] of cases) {
      const v = describeArtifact(bytes, `/w/${what}.apxmobj`);
      assert.ok(v.error, what);
      assert.match(v.error.message, message, what);
      assert.ok(v.error.hint, `${what} has a fix`);
      const html = renderArtifactHtml(v, ctx);
      assert.match(html, /role="alert"/, what);
      assert.match(html, /fix: /, what);
    }
    const cut = describeArtifact(full.subarray(0, full.length - 10), '/w/cut.apxmobj');
    assert.equal(cut.header?.version, 1, 'the header is still shown');
    assert.equal(cut.hash?.ok, undefined, 'the hash is not checked: there is no whole payload');
  });

  it('a file that cannot be read shows why', { timeout: 5_000 }, async () => {
    const missing = '/nonexistent/dir/gone.apxmobj';
    const e = await readInputFile(missing, PROGRAM_FILE).then(
      () => undefined,
      (x: unknown) => x,
    );
    const html = renderArtifactHtml(unreadableArtifact(missing, e), ctx);
    assert.match(html, /role="alert"><strong>E_PROGRAM_READ<\/strong>: no such file/);
    assert.match(html, /APXM artifact \(read-only\)/);
  });

  it('program text cannot inject markup or reorder text: names and prompts are escaped', { timeout: 10_000 }, () => {
    const evil = {
      ...trip,
      nodes: [
        { ...trip.nodes[0], attributes: { template_str: '</pre><script>alert(1)</script><img src=x onerror=alert(2)> \u202e{{city}}' } },
        trip.nodes[1],
      ],
    };
    const html = renderArtifactHtml(describeArtifact(artifactOf(evil), '/w/<b>"evil".apxmobj'), ctx);
    assert.doesNotMatch(html, /<script|<img|<b>|\u202e/);
    assert.match(html, /&#60;\/pre&#62;&#60;script&#62;/);
    assert.match(html, /\\u202e/);
  });

  it('the page allows no script and loads styles only from the webview', { timeout: 5_000 }, () => {
    const html = renderArtifactHtml(describeArtifact(artifactOf(trip), '/w/t.apxmobj'), ctx);
    const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1] ?? '';
    assert.equal(csp, "default-src 'none'; style-src https://webview.test; img-src https://webview.test;".replace(/'/g, '&#39;'));
    assert.doesNotMatch(html, /<script|\son[a-z]+=/i);
  });
});
