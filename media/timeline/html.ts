/**
 * The timeline page's HTML: a strict Content Security Policy (only the nonce'd script and the
 * webview's own styles and fonts) and an empty body the script fills. Pure (no DOM, no vscode) so
 * the host and the tests share it.
 */

export interface TimelinePageHtmlOptions {
  /** A fresh random value per page load. */
  nonce: string;
  /** The webview's `cspSource`. */
  cspSource: string;
  /** `dist/media/timeline.js` and `dist/media/timeline.css` as webview URIs. */
  scriptUri: string;
  styleUri: string;
}

const attr = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function timelinePageCsp({ nonce, cspSource }: Pick<TimelinePageHtmlOptions, 'nonce' | 'cspSource'>): string {
  return ["default-src 'none'", `script-src 'nonce-${nonce}'`, `style-src ${cspSource}`, `font-src ${cspSource}`].join('; ');
}

export function timelinePageHtml(o: TimelinePageHtmlOptions): string {
  if (!/^[A-Za-z0-9+/=_-]+$/.test(o.nonce)) throw new Error('timelinePageHtml: the nonce must be base64 or hex characters');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${attr(timelinePageCsp(o))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${attr(o.styleUri)}">
<title>APXM timeline</title>
</head>
<body>
<script nonce="${attr(o.nonce)}" src="${attr(o.scriptUri)}"></script>
</body>
</html>
`;
}
