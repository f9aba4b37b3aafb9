/**
 * The memory page's HTML, for the extension host's webview: a strict Content Security Policy (only
 * the nonce'd script and the webview's own styles) and an empty body the script fills. Pure (no
 * DOM, no vscode) so the host and the tests share it.
 */

export interface MemoryPageHtmlOptions {
  /** A fresh random value per page load. */
  nonce: string;
  /** The webview's `cspSource`. */
  cspSource: string;
  /** `dist/media/memory.js` and `dist/media/memory.css` as webview URIs. */
  scriptUri: string;
  styleUri: string;
}

const attr = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function memoryPageCsp({ nonce, cspSource }: Pick<MemoryPageHtmlOptions, 'nonce' | 'cspSource'>): string {
  // styles come from files only (script may still set element.style); no worker, no images but the webview's own
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${cspSource}`,
    `img-src ${cspSource} data:`,
    `font-src ${cspSource}`,
  ].join('; ');
}

export function memoryPageHtml(o: MemoryPageHtmlOptions): string {
  if (!/^[A-Za-z0-9+/=_-]+$/.test(o.nonce)) throw new Error('memoryPageHtml: the nonce must be base64 or hex characters');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${attr(memoryPageCsp(o))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${attr(o.styleUri)}">
<title>APXM memory</title>
</head>
<body>
<script nonce="${attr(o.nonce)}" src="${attr(o.scriptUri)}"></script>
</body>
</html>
`;
}
