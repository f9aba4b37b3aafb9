/**
 * "Find uses" of the capability explorer: every INV site (an `inv("name", …)` or a direct call of
 * a capability in AIS, an INV node in JSON or an artifact) in a set of program files, loaded by
 * the runtime's own loader so a site is where the runtime sees it.
 */
import { readFileSync } from 'node:fs';
import { asApxmError } from '../errors.js';
import type { OpNode } from '../graph/types.js';
import { loadProgramFile } from '../programFile.js';

export interface CapabilityUse {
  capability: string;
  /** The file to open at the site: the AIS source, the JSON file, or the artifact when it has no source. */
  file: string;
  /** 1-based. */
  line: number;
  column: number;
  endLine?: number;
  endColumn?: number;
  flow: string;
  nodeId: number;
  nodeName: string;
}

export interface CapabilityUses {
  uses: CapabilityUse[];
  /** Programs that did not load (their uses are unknown). */
  problems: { file: string; message: string }[];
}

/** The INV sites in `files`, of capability `name` when given; in file order, then by line. */
export async function findCapabilityUses(files: readonly string[], name?: string): Promise<CapabilityUses> {
  const uses: CapabilityUse[] = [];
  const problems: CapabilityUses['problems'] = [];
  for (const file of files) {
    let program;
    try {
      program = await loadProgramFile(file);
    } catch (e) {
      problems.push({ file, message: asApxmError(e).message });
      continue;
    }
    let text: string | undefined;
    const jsonText = () => (text ??= /\.json$/i.test(file) ? readFileSync(file, 'utf8') : '');
    for (const flow of program.flows)
      for (const node of flow.nodes) {
        const capability = node.op === 'INV' ? node.attributes.capability : undefined;
        if (typeof capability !== 'string' || (name !== undefined && capability !== name)) continue;
        uses.push({ capability, flow: flow.qualifiedName, nodeId: node.id, nodeName: node.name, ...siteOf(node, file, jsonText) });
      }
  }
  uses.sort((a, b) => (a.file === b.file ? a.line - b.line || a.column - b.column : a.file < b.file ? -1 : 1));
  return { uses, problems };
}

function siteOf(
  node: OpNode,
  file: string,
  jsonText: () => string,
): Pick<CapabilityUse, 'file' | 'line' | 'column' | 'endLine' | 'endColumn'> {
  if (node.source) return { ...node.source };
  const text = jsonText();
  if (text && node.jsonPath) {
    // the capability's name in the node, else the node itself
    const at = locateJsonPath(text, `${node.jsonPath}.attributes.capability`) ?? locateJsonPath(text, node.jsonPath);
    if (at) return { file, ...at };
  }
  return { file, line: 1, column: 1 };
}

/** `$.flows[2].nodes[0]["a b"]` → ['flows', 2, 'nodes', 0, 'a b']; undefined when it is not such a path. */
export function jsonPathSegments(jsonPath: string): (string | number)[] | undefined {
  if (!jsonPath.startsWith('$')) return undefined;
  const segs: (string | number)[] = [];
  const part = /\.([A-Za-z_$][A-Za-z0-9_$]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/y;
  part.lastIndex = 1;
  while (part.lastIndex < jsonPath.length) {
    const m = part.exec(jsonPath);
    if (!m) return undefined;
    segs.push(m[1] ?? (m[2] !== undefined ? Number(m[2]) : (JSON.parse(m[3]) as string)));
  }
  return segs;
}

/**
 * Where the value at `jsonPath` is in JSON `text` (1-based line and column of its first
 * character, and of the character after it), or undefined when the path is not in the text.
 */
export function locateJsonPath(
  text: string,
  jsonPath: string,
): { line: number; column: number; endLine: number; endColumn: number } | undefined {
  const segs = jsonPathSegments(jsonPath);
  if (!segs) return undefined;
  let i = 0;
  const ws = () => {
    while (i < text.length && ' \t\r\n'.includes(text[i])) i++;
  };
  const skipString = () => {
    i++;
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++;
  };
  const skipValue = () => {
    ws();
    const c = text[i];
    if (c === '"') return skipString();
    if (c === '{' || c === '[') {
      let depth = 0;
      do {
        const ch = text[i];
        if (ch === '"') {
          skipString();
          continue;
        }
        if (ch === '{' || ch === '[') depth++;
        else if (ch === '}' || ch === ']') depth--;
        i++;
      } while (depth > 0 && i < text.length);
      return;
    }
    while (i < text.length && !',}] \t\r\n'.includes(text[i])) i++;
  };
  for (const seg of segs) {
    ws();
    if (typeof seg === 'number') {
      if (text[i] !== '[') return undefined;
      i++;
      for (let k = 0; k < seg; k++) {
        skipValue();
        ws();
        if (text[i] !== ',') return undefined;
        i++;
      }
      ws();
      if (text[i] === ']') return undefined;
    } else {
      if (text[i] !== '{') return undefined;
      i++;
      for (;;) {
        ws();
        if (text[i] !== '"') return undefined;
        const start = i;
        skipString();
        const key = JSON.parse(text.slice(start, i)) as string;
        ws();
        i++; // the colon
        ws();
        if (key === seg) break;
        skipValue();
        ws();
        if (text[i] !== ',') return undefined;
        i++;
      }
    }
  }
  ws();
  if (i >= text.length) return undefined;
  const start = i;
  skipValue();
  return { ...lineColumn(text, start), ...endOf(lineColumn(text, i)) };
}

const endOf = (p: { line: number; column: number }) => ({ endLine: p.line, endColumn: p.column });

function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let k = 0; k < offset; k++)
    if (text[k] === '\n') {
      line++;
      lineStart = k + 1;
    }
  return { line, column: offset - lineStart + 1 };
}
