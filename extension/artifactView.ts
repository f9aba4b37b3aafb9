/**
 * What the `.apxmobj` viewer shows, and its HTML (no `vscode` import: node:test renders it). The
 * page is static: the host renders it once per load, so it needs no script, and its CSP allows none.
 * Every file, however broken, gives a page: what could be read, and the error with its fix.
 */
import path from 'node:path';
import { asApxmError } from '../runtime/errors.js';
import { ARTIFACT_MAGIC, HEADER_SIZE, artifactToProgram, decodeArtifact } from '../runtime/artifact/readArtifact.js';
import { buildDagListing } from '../debug-adapter/dagListing.js';
import { terminalSafe } from '../runtime/values/terminalSafe.js';

export interface ArtifactView {
  file: string;
  /** Bytes in the file, when it could be read. */
  size?: number;
  /** Fields of the 52-byte header, when the file is long enough to hold one and starts with the magic. */
  header?: { version: number; flags: number; payloadLength: bigint; trailingBytes?: number };
  /** The BLAKE3 check: the header's hash and, when the payload could be hashed, the payload's. */
  hash?: { stored: string; actual?: string; ok?: boolean };
  metadata?: { module: string | null; createdAt: string; compiler: string };
  flows?: { name: string; entry: boolean; parameters: string[]; nodes: number; edges: number }[];
  /** The DAG listing the debugger shows for this program (the same text). */
  listing?: string;
  error?: { code: string; message: string; hint?: string };
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

export function describeArtifact(bytes: Uint8Array, file: string): ArtifactView {
  const view: ArtifactView = { file, size: bytes.length };
  const magicOk = bytes.length >= 4 && ARTIFACT_MAGIC.every((b, i) => bytes[i] === b);
  if (magicOk && bytes.length >= HEADER_SIZE) {
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    view.header = { version: dv.getUint32(4, true), flags: dv.getUint32(48, true), payloadLength: dv.getBigUint64(8, true) };
    view.hash = { stored: hex(bytes.subarray(16, 48)) };
  }
  try {
    const decoded = decodeArtifact(bytes, file);
    if (view.header) view.header.trailingBytes = decoded.trailingBytes;
    view.hash = { stored: hex(decoded.header.hash), actual: hex(decoded.header.hash), ok: true };
    const meta = decoded.payload.metadata;
    const ms = Number(meta.created_at);
    view.metadata = {
      module: meta.module_name,
      createdAt: Number.isFinite(ms) && ms <= 8.64e15 ? new Date(ms).toISOString() : `${meta.created_at} ms`,
      compiler: meta.compiler_version,
    };
    // from the DAGs as stored, so an artifact this runtime cannot run still shows what it holds
    const dags = decoded.payload.dags;
    view.flows = [...dags.filter((d) => d.is_entry), ...dags.filter((d) => !d.is_entry)].map((d, i) => ({
      name: d.metadata_name ?? `(unnamed flow ${i + 1})`,
      entry: d.is_entry,
      parameters: d.parameters.map((p) => `${p.name}: ${p.type_name}`),
      nodes: d.nodes.length,
      edges: d.edges.length,
    }));
    view.listing = buildDagListing(artifactToProgram(decoded.payload, file)).text;
  } catch (e) {
    const err = asApxmError(e);
    const details = err.details ?? {};
    if (details.reason === 'hash-mismatch' && view.hash)
      view.hash = { stored: String(details.expected), actual: String(details.actual), ok: false };
    view.error = { code: err.code, message: err.message, ...(err.hint ? { hint: err.hint } : {}) };
  }
  return view;
}

/** The view of a file that could not be read at all (missing, too large, not a regular file). */
export function unreadableArtifact(file: string, e: unknown): ArtifactView {
  const err = asApxmError(e);
  return { file, error: { code: err.code, message: err.message, ...(err.hint ? { hint: err.hint } : {}) } };
}

/** The page's inputs from the host: its CSP source and the stylesheet's webview URI. */
export interface PageContext {
  cspSource: string;
  styleUri: string;
  /** The artifact's URI, for the command links (Debug, Run, Open DAG Listing). */
  resource: string;
}

export function renderArtifactHtml(v: ArtifactView, ctx: PageContext): string {
  const csp = `default-src 'none'; style-src ${ctx.cspSource}; img-src ${ctx.cspSource};`;
  const arg = encodeURIComponent(JSON.stringify([ctx.resource]));
  const link = (command: string, label: string) => `<a class="action" href="command:${command}?${arg}">${esc(label)}</a>`;
  const rows = (pairs: [string, string][]) =>
    pairs.map(([k, val]) => `<tr><th scope="row">${esc(k)}</th><td>${esc(val)}</td></tr>`).join('');
  const parts: string[] = [];
  parts.push(`<h1>${esc(path.basename(v.file))}</h1>`);
  parts.push(`<p class="sub">APXM artifact${v.size !== undefined ? `, ${v.size.toLocaleString('en')} bytes` : ''} (read-only)</p>`);
  if (v.listing !== undefined) {
    parts.push(
      `<nav>${link('apxm.debugProgram', 'Debug')} ${link('apxm.runProgram', 'Run')} ${link('apxm.openDagListing', 'Open DAG Listing')}</nav>`,
    );
  }
  if (v.error) {
    parts.push(
      `<div class="error" role="alert"><strong>${esc(v.error.code)}</strong>: ${esc(v.error.message)}${v.error.hint ? `<br>fix: ${esc(v.error.hint)}` : ''}</div>`,
    );
  }
  if (v.hash) {
    parts.push('<h2>Hash check</h2>');
    if (v.hash.ok === true) parts.push(`<p class="ok">BLAKE3 valid: ${esc(v.hash.stored)}</p>`);
    else if (v.hash.ok === false)
      parts.push(
        `<p class="bad">BLAKE3 mismatch</p><table>${rows([
          ['header says', v.hash.stored],
          ['payload hashes to', v.hash.actual ?? ''],
        ])}</table>`,
      );
    else
      parts.push(`<p class="bad">not checked (the payload could not be read)</p><table>${rows([['header says', v.hash.stored]])}</table>`);
  }
  if (v.header) {
    parts.push('<h2>Header</h2>');
    const h: [string, string][] = [
      ['version', String(v.header.version)],
      ['flags', `0x${v.header.flags.toString(16).padStart(8, '0')}`],
      ['payload', `${v.header.payloadLength.toLocaleString('en')} bytes`],
    ];
    if (v.header.trailingBytes) h.push(['after the payload', `${v.header.trailingBytes} bytes (ignored)`]);
    parts.push(`<table>${rows(h)}</table>`);
  }
  if (v.metadata) {
    parts.push('<h2>Metadata</h2>');
    parts.push(
      `<table>${rows([
        ['module', v.metadata.module ?? '(none)'],
        ['created', v.metadata.createdAt],
        ['compiler', v.metadata.compiler],
      ])}</table>`,
    );
  }
  if (v.flows) {
    parts.push('<h2>Flows</h2>');
    const body = v.flows
      .map(
        (f) =>
          `<tr><td>${f.entry ? '<span class="badge">@entry</span> ' : ''}${esc(f.name)}</td><td>${esc(f.parameters.join(', ') || '(none)')}</td><td class="num">${f.nodes}</td><td class="num">${f.edges}</td></tr>`,
      )
      .join('');
    parts.push(
      `<table class="flows"><thead><tr><th>flow</th><th>parameters</th><th>nodes</th><th>edges</th></tr></thead><tbody>${body}</tbody></table>`,
    );
  }
  if (v.listing !== undefined) {
    parts.push('<h2>DAG listing</h2>');
    parts.push(`<pre class="listing">${esc(v.listing)}</pre>`);
  }
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${esc(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${esc(ctx.styleUri)}">
<title>${esc(path.basename(v.file))}</title>
</head>
<body>
${parts.join('\n')}
</body>
</html>
`;
}

/** Text as HTML, with control and bidirectional characters shown as escapes (as the listing does). */
function esc(s: string): string {
  return terminalSafe(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
