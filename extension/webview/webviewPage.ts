/** Loads a webview page (media/webviewHtml.ts) into a panel's webview with its bundle from dist/media/. */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { webviewPageHtml, type WebviewPage } from '../../media/webviewHtml.js';

/** A fresh nonce each load, so no script of an earlier page runs in the new one. */
export function loadWebviewPage(webview: vscode.Webview, extensionUri: vscode.Uri, page: WebviewPage): void {
  const media = vscode.Uri.joinPath(extensionUri, 'dist', 'media');
  webview.html = webviewPageHtml(page, {
    nonce: randomBytes(16).toString('base64'),
    cspSource: webview.cspSource,
    scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(media, `${page.name}.js`)).toString(),
    styleUri: webview.asWebviewUri(vscode.Uri.joinPath(media, `${page.name}.css`)).toString(),
  });
}
