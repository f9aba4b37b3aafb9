import assert from 'node:assert/strict';
import test from 'node:test';
import { GRAPH_PAGE, MEMORY_PAGE, TIMELINE_PAGE, webviewPageHtml, type WebviewPage } from './webviewHtml.js';

const options = {
  nonce: 'bm9uY2U=',
  cspSource: 'https://file+.vscode-resource.vscode-cdn.net',
  scriptUri: 'https://x/dist/media/page.js?a=1&b="2"',
  styleUri: 'https://x/dist/media/page.css',
};

const cspOf = (html: string) => /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1] ?? '';
const directives = (csp: string) => new Map(csp.split('; ').map((d) => [d.split(' ')[0], d] as const));

// Each page's policy as strict as it was when each page had its own html.ts: the graph alone runs a worker (from a blob).
const pages: { page: WebviewPage; title: string; img: boolean; worker: boolean }[] = [
  { page: GRAPH_PAGE, title: 'APXM graph', img: true, worker: true },
  { page: MEMORY_PAGE, title: 'APXM memory', img: true, worker: false },
  { page: TIMELINE_PAGE, title: 'APXM timeline', img: false, worker: false },
];

for (const { page, title, img, worker } of pages) {
  test(`the ${page.name} page: default-src 'none', the nonce's script only, its own extras and no others`, { timeout: 5_000 }, () => {
    const html = webviewPageHtml(page, options);
    const d = directives(cspOf(html));
    assert.equal(d.get('default-src'), "default-src 'none'");
    assert.equal(d.get('script-src'), `script-src 'nonce-${options.nonce}'`);
    assert.equal(d.get('style-src'), `style-src ${options.cspSource}`);
    assert.equal(d.get('font-src'), `font-src ${options.cspSource}`);
    assert.equal(d.get('img-src'), img ? `img-src ${options.cspSource} data:` : undefined);
    assert.equal(d.get('worker-src'), worker ? 'worker-src blob:' : undefined);
    assert.deepEqual(
      [...d.keys()].sort(),
      ['default-src', 'font-src', 'script-src', 'style-src', ...(img ? ['img-src'] : []), ...(worker ? ['worker-src'] : [])].sort(),
    );
    assert.ok(html.includes(`<title>${title}</title>`));
    assert.ok(html.includes(`<script nonce="${options.nonce}" src="https://x/dist/media/page.js?a=1&amp;b=&quot;2&quot;"></script>`));
    assert.ok(!html.includes('codicon'), 'no codicon stylesheet unless the host gives one');
  });
}

test('a nonce that could widen the policy is refused, naming the page', { timeout: 5_000 }, () => {
  for (const nonce of ["x' 'unsafe-inline", 'a b', 'a;b', '']) {
    assert.throws(() => webviewPageHtml(MEMORY_PAGE, { ...options, nonce }), /memory page: the nonce must be base64 or hex/);
  }
});

test('the codicon stylesheet is linked when the host gives it', { timeout: 5_000 }, () => {
  const html = webviewPageHtml(GRAPH_PAGE, { ...options, codiconUri: 'https://x/codicon.css' });
  assert.ok(html.includes('<link rel="stylesheet" id="vscode-codicon-stylesheet" href="https://x/codicon.css">'));
});
