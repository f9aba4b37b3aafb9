/**
 * The graph page's HTML, for the extension host's webview: a strict Content Security Policy (only
 * the nonce'd script, the webview's own styles and images, and a layout worker made from a blob)
 * and an empty body the script fills. Pure (no DOM, no vscode) so the host and the tests share it.
 */

export interface GraphPageHtmlOptions {
  /** A fresh random value per page load. */
  nonce: string;
  /** The webview's `cspSource`. */
  cspSource: string;
  /** `dist/media/graph.js` and `dist/media/graph.css` as webview URIs. */
  scriptUri: string;
  styleUri: string;
  /** The codicon font's stylesheet, when the host ships it (toolbar controls then show their icons). */
  codiconUri?: string;
}

const attr = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function graphPageCsp({ nonce, cspSource }: Pick<GraphPageHtmlOptions, 'nonce' | 'cspSource'>): string {
  // styles come from files only (script may still set element.style); the layout runs in a worker from a blob
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${cspSource}`,
    `img-src ${cspSource} data:`,
    `font-src ${cspSource}`,
    'worker-src blob:',
  ].join('; ');
}

export function graphPageHtml(o: GraphPageHtmlOptions): string {
  if (!/^[A-Za-z0-9+/=_-]+$/.test(o.nonce)) throw new Error('graphPageHtml: the nonce must be base64 or hex characters');
  const codicon = o.codiconUri ? `\n<link rel="stylesheet" id="vscode-codicon-stylesheet" href="${attr(o.codiconUri)}">` : '';
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${attr(graphPageCsp(o))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${attr(o.styleUri)}">${codicon}
<title>APXM graph</title>
</head>
<body>
<script nonce="${attr(o.nonce)}" src="${attr(o.scriptUri)}"></script>
</body>
</html>
`;
}
