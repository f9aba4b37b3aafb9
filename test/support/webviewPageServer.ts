/**
 * Serves one of the webview pages (media/<name>/) to headless Chromium: bundles the pages into a
 * temporary folder (apart from dist/) and serves `<name>.js` and `<name>.css` with the page's own
 * HTML and CSP from a 127.0.0.1 server; `close` stops the server and removes the folder.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { webviewPageHtml, type WebviewPage } from '../../media/webviewHtml.js';
import { REPO_ROOT } from './apxmCli.js';

export interface WebviewPageServer {
  url: string;
  close(): Promise<void>;
}

export async function serveWebviewPage(page: WebviewPage): Promise<WebviewPageServer> {
  const name = page.name;
  const out = mkdtempSync(path.join(os.tmpdir(), `apxm-${name}-page-`));
  const built = spawnSync(process.execPath, [path.join(REPO_ROOT, 'scripts/bundle.mjs')], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    env: { ...process.env, APXM_BUNDLE_OUT: out },
  });
  if (built.status !== 0) {
    rmSync(out, { recursive: true, force: true });
    throw new Error(`bundle failed: ${built.stderr}`);
  }
  const files: Record<string, [string, Buffer]> = {
    [`/${name}.js`]: ['text/javascript', readFileSync(path.join(out, 'media', `${name}.js`))],
    [`/${name}.css`]: ['text/css', readFileSync(path.join(out, 'media', `${name}.css`))],
  };
  let origin = '';
  const server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    if (url === '/' || url.startsWith('/?')) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(
        webviewPageHtml(page, {
          nonce: 'dGVzdG5vbmNl',
          cspSource: origin,
          scriptUri: `${origin}/${name}.js`,
          styleUri: `${origin}/${name}.css`,
        }),
      );
      return;
    }
    const f = files[url];
    if (!f) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': f[0] });
    res.end(f[1]);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: `${origin}/`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(out, { recursive: true, force: true });
    },
  };
}
