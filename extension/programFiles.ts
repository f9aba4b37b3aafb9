/**
 * Which files are APXM programs, and the DAG listing's document name for one (no `vscode` import:
 * the extension calls these on every active-editor change, and node:test calls them directly).
 *
 * A `.json` file is a program when it is named `*.apxm.json` or when its top-level object has a
 * `nodes` array (one ApxmGraph) or a `flows` array (a bundle of flows): the two shapes the
 * runtime's graph loader (runtime/graph/loadGraphJson.ts) accepts. The test reads top-level keys
 * only, and only the first PROGRAM_SNIFF_CHARS characters, so a huge file costs no more than a small one.
 */
import path from 'node:path';

/** Files the debugger can run: `.ais`, `.json` (ApxmGraph) and `.apxmobj`. */
export const PROGRAM_EXTENSION = /\.(ais|json|apxmobj)$/i;

/** Characters of a `.json` file the content test looks at; the keys it looks for come first in every program seen. */
export const PROGRAM_SNIFF_CHARS = 1024 * 1024;

/** Why a file is or is not a program, for the message F5 shows on a JSON file that is not one. */
export type ProgramKind = { program: true } | { program: false; reason: string };

/**
 * Whether `file` (with `text`, the start of its content, when it is `.json`) is a program the
 * debugger can run. `text` may be cut anywhere after PROGRAM_SNIFF_CHARS; a `.json` file without
 * text is taken by its name alone.
 */
export function programKind(file: string, text?: string): ProgramKind {
  const base = path.basename(file);
  if (/\.(ais|apxmobj)$/i.test(base) || /\.apxm\.json$/i.test(base)) return { program: true };
  if (!/\.json$/i.test(base)) return { program: false, reason: `${base} is not an APXM program (.ais, .json or .apxmobj)` };
  if (text === undefined)
    return { program: false, reason: `${base} is not an APXM program: name it *.apxm.json or give it "nodes" or "flows"` };
  const seen = topLevelArrays(text.slice(0, PROGRAM_SNIFF_CHARS));
  if (seen === 'program') return { program: true };
  return {
    program: false,
    reason: `${base} is not an APXM program: ${seen} (an ApxmGraph is an object with a "nodes" array, or a bundle with a "flows" array; or name the file *.apxm.json)`,
  };
}

/**
 * Scans the top level of a JSON text for a `"nodes": [` or `"flows": [` member, skipping nested
 * values without building them. Returns 'program', or what it found instead. A syntax error after
 * such a member does not matter (the loader reports it with its line when the program runs).
 */
function topLevelArrays(text: string): string {
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0; // editors on Windows save a byte-order mark
  const ws = () => {
    while (i < text.length && ' \t\r\n'.includes(text[i])) i++;
  };
  ws();
  if (i >= text.length) return 'the file is empty';
  if (text[i] === '[') return 'it holds a JSON array';
  if (text[i] !== '{') return 'it does not hold a JSON object';
  i++;
  for (;;) {
    ws();
    if (text[i] !== '"') return 'it has no "nodes" or "flows" member';
    const keyStart = i;
    if (!skipString()) return 'it has no "nodes" or "flows" member';
    let key: unknown;
    try {
      key = JSON.parse(text.slice(keyStart, i)); // keys may be written with escapes
    } catch {
      return 'it is not valid JSON';
    }
    ws();
    if (text[i] !== ':') return 'it is not valid JSON';
    i++;
    ws();
    if ((key === 'nodes' || key === 'flows') && text[i] === '[') return 'program';
    if (!skipValue()) return i >= text.length ? 'it has no "nodes" or "flows" member' : 'it is not valid JSON';
    ws();
    if (text[i] === ',') {
      i++;
      continue;
    }
    return text[i] === '}' || i >= text.length ? 'it has no "nodes" or "flows" member' : 'it is not valid JSON';
  }

  function skipString(): boolean {
    for (i++; i < text.length; i++) {
      if (text[i] === '\\') i++;
      else if (text[i] === '"') {
        i++;
        return true;
      }
    }
    return false;
  }

  /** Skips one value: nested containers by depth (strings may hold brackets), scalars to the next delimiter. */
  function skipValue(): boolean {
    let depth = 0;
    while (i < text.length) {
      const c = text[i];
      if (c === '"') {
        if (!skipString()) return false;
        if (depth === 0) return true;
        continue;
      }
      if (c === '{' || c === '[') depth++;
      else if (c === '}' || c === ']') {
        if (depth === 0) return true; // the end of the top-level object: the scalar before it is done
        depth--;
        if (depth === 0) {
          i++;
          return true;
        }
      } else if (depth === 0 && (c === ',' || ' \t\r\n'.includes(c))) return true;
      i++;
    }
    return false;
  }
}

/** The language id, URI scheme and tab-name suffix of a program's DAG listing document. */
export const LISTING_LANGUAGE = 'apxm-dag';
export const LISTING_SCHEME = 'apxm-dag';
export const LISTING_SUFFIX = ' (DAG)';

/** Programs that get a DAG listing: those with no source text of their own to set breakpoints in. */
export const LISTED_PROGRAM = /\.(json|apxmobj)$/i;

/** The listing document's URI path for a program's file URI path: `/dir/trip-planner.json (DAG)` (its tab title is the base name). */
export function listingPathOf(programPath: string): string {
  return programPath + LISTING_SUFFIX;
}

/** The program's file URI path for a listing document's URI path, or undefined when it is not one. */
export function programPathOf(listingPath: string): string | undefined {
  if (!listingPath.endsWith(LISTING_SUFFIX)) return undefined;
  const program = listingPath.slice(0, -LISTING_SUFFIX.length);
  return LISTED_PROGRAM.test(program) ? program : undefined;
}
