/**
 * The HTML of the webview pages (media/<name>/, bundled to dist/media/<name>.js and .css) for the
 * extension host and the page tests: a strict Content Security Policy (the nonce'd script, the
 * webview's own styles and fonts, and only the extras a page names) and an empty body the script
 * fills. Pure (no DOM, no vscode).
 */

export interface WebviewPage {
  /** The folder under media/ and the bundle's name in dist/media/. */
  name: string;
  title: string;
  /** `img-src` the webview's own files and data: URLs. */
  images?: boolean;
  /** `worker-src blob:`: the graph runs its layout in a worker made from a string in its bundle. */
  blobWorkers?: boolean;
}

export const GRAPH_PAGE: WebviewPage = { name: 'graph', title: 'APXM graph', images: true, blobWorkers: true };
export const MEMORY_PAGE: WebviewPage = { name: 'memory', title: 'APXM memory', images: true };
export const TIMELINE_PAGE: WebviewPage = { name: 'timeline', title: 'APXM timeline' };

export interface WebviewPageHtmlOptions {
  /** A fresh random value per page load. */
  nonce: string;
  /** The webview's `cspSource`. */
  cspSource: string;
  /** The page's bundle and stylesheet as webview URIs. */
  scriptUri: string;
  styleUri: string;
  /** The codicon font's stylesheet, when the host ships it (controls then show their icons). */
  codiconUri?: string;
}

const attr = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function webviewPageCsp(page: WebviewPage, { nonce, cspSource }: Pick<WebviewPageHtmlOptions, 'nonce' | 'cspSource'>): string {
  // styles come from files only (script may still set element.style)
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${cspSource}`,
    ...(page.images ? [`img-src ${cspSource} data:`] : []),
    `font-src ${cspSource}`,
    ...(page.blobWorkers ? ['worker-src blob:'] : []),
  ].join('; ');
}

export function webviewPageHtml(page: WebviewPage, o: WebviewPageHtmlOptions): string {
  // the nonce goes into the CSP unquoted: anything but base64 or hex could widen it
  if (!/^[A-Za-z0-9+/=_-]+$/.test(o.nonce)) throw new Error(`${page.name} page: the nonce must be base64 or hex characters`);
  const codicon = o.codiconUri ? `\n<link rel="stylesheet" id="vscode-codicon-stylesheet" href="${attr(o.codiconUri)}">` : '';
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${attr(webviewPageCsp(page, o))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${attr(o.styleUri)}">${codicon}
<title>${attr(page.title)}</title>
</head>
<body>
<script nonce="${attr(o.nonce)}" src="${attr(o.scriptUri)}"></script>
</body>
</html>
`;
}
