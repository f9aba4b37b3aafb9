/**
 * The generated DAG listing of a .json / .apxmobj program as a DAP source: served by
 * sourceReference, or as the client's own document when the launch gives `listingUri`.
 */
import path from 'node:path';
import { Source } from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { OpNode, Program } from '../runtime/graph/types.js';
import { listingSourceName } from './dagListing.js';
import { DapErrorId, refuse } from './dapErrors.js';
import type { SessionRun } from './sessionState.js';

/** The generated DAG listing's sourceReference (one program per session). */
export const LISTING_REF = 1;

/** The listing as a client's own document (`listingUri`, filled by the extension), else served by sourceReference. */
export function listingSource(run: SessionRun): Source {
  const uri = run.args?.listingUri;
  const s = new Source(listingSourceName(run.program as Program), uri, uri ? 0 : LISTING_REF);
  (s as DebugProtocol.Source).presentationHint = 'emphasize';
  return s;
}

export function isListing(run: SessionRun, source: DebugProtocol.Source): boolean {
  if (run.listing === undefined) return false;
  const uri = run.args?.listingUri;
  return uri && source.path ? sameUri(source.path, uri) : source.sourceReference === LISTING_REF;
}

/** The operations on each line of the listing. */
export function listingLines(run: SessionRun): Map<number, { flow: string; node: OpNode }[]> {
  const out = new Map<number, { flow: string; node: OpNode }[]>();
  const listing = run.listing;
  if (!listing) return out;
  for (const f of run.program?.flows ?? []) {
    for (const node of f.nodes) {
      const line = listing.lineOf(f.qualifiedName, node.id);
      if (line !== undefined) out.set(line, [...(out.get(line) ?? []), { flow: f.qualifiedName, node }]);
    }
  }
  return out;
}

/** A URI rather than a file path: a scheme of two characters or more (so `C:` stays a drive). */
export const isUri = (s: string): boolean => /^[a-z][a-z0-9+.-]+:/i.test(s);

/** The same URI however a client encoded it (`%20` or a space, `%28` or a parenthesis). */
function sameUri(a: string, b: string): boolean {
  const norm = (u: string) => {
    try {
      return decodeURIComponent(u);
    } catch {
      return u;
    }
  };
  return norm(a) === norm(b);
}

/** `source`: the listing's text; anything else is refused (this adapter serves no other source). */
export function sourceContent(run: SessionRun, args: DebugProtocol.SourceArguments): DebugProtocol.SourceResponse['body'] {
  const wanted = args.source && isListing(run, args.source);
  if (!run.listing || (!wanted && (args.source?.sourceReference ?? args.sourceReference) !== LISTING_REF))
    return refuse(DapErrorId.notAvailable, 'no such source');
  return { content: run.listing.text, mimeType: 'text/x-apxm-dag' };
}

/** `loadedSources`: the listing, else the program's file. */
export function loadedSources(run: SessionRun): DebugProtocol.Source[] {
  const file = run.args?.program;
  return run.listing ? [listingSource(run)] : file ? [new Source(path.basename(file), file)] : [];
}
