/**
 * DAP variables over runtime values. Containers get a handle whose children are computed only
 * when the client expands them; big collections (LTM, the episodic log) are paged through
 * `indexedVariables` so a large database is never read whole. Handles live until the next resume.
 */
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { Value } from '../runtime/values/value.js';

/** Children of a container, for a page (`start`, `count`) when the container is indexed. */
export type ChildProvider = (start: number, count: number) => DebugProtocol.Variable[];

/** Changes child `name` of an editable container to `value`; returns the value now held, or throws why not. */
export type ChildSetter = (name: string, value: Value) => Value;

/** Where a data breakpoint on a child of this container would watch (`stm`, `ltm`). */
export type WatchKind = 'stm' | 'ltm';

export class VariableStore {
  private providers = new Map<number, ChildProvider>();
  private setters = new Map<number, ChildSetter>();
  private watches = new Map<number, WatchKind>();
  private next = 1;

  reset(): void {
    this.providers.clear();
    this.setters.clear();
    this.watches.clear();
    this.next = 1;
  }

  add(provider: ChildProvider, options: { setter?: ChildSetter; watch?: WatchKind } = {}): number {
    const id = this.next++;
    this.providers.set(id, provider);
    if (options.setter) this.setters.set(id, options.setter);
    if (options.watch) this.watches.set(id, options.watch);
    return id;
  }

  setter(ref: number): ChildSetter | undefined {
    return this.setters.get(ref);
  }

  watchOf(ref: number): WatchKind | undefined {
    return this.watches.get(ref);
  }

  children(ref: number, start = 0, count = 0): DebugProtocol.Variable[] | undefined {
    return this.providers.get(ref)?.(start, count);
  }

  /** One variable for a value; objects and arrays expand lazily. */
  variable(name: string, value: Value | undefined, evaluateName?: string): DebugProtocol.Variable {
    const v = value === undefined ? null : value;
    if (v !== null && typeof v === 'object') {
      const isArray = Array.isArray(v);
      const entries = isArray ? (v as Value[]).map((x, i) => [String(i), x] as const) : Object.entries(v as Record<string, Value>);
      const ref = this.add((start, count) => {
        const page = count > 0 ? entries.slice(start, start + count) : entries;
        return page.map(([k, x]) =>
          this.variable(isArray ? `[${k}]` : k, x, evaluateName ? (isArray ? `${evaluateName}[${k}]` : `${evaluateName}.${k}`) : undefined),
        );
      });
      return {
        name,
        value: preview(v),
        type: isArray ? 'array' : 'object',
        variablesReference: ref,
        ...(isArray ? { indexedVariables: entries.length } : { namedVariables: entries.length }),
        ...(evaluateName ? { evaluateName } : {}),
      };
    }
    return {
      name,
      value: typeof v === 'string' ? JSON.stringify(v) : String(v),
      type: v === null ? 'null' : typeof v,
      variablesReference: 0,
      ...(evaluateName ? { evaluateName } : {}),
    };
  }

  /** A scope or group whose children are given variables. */
  group(list: () => DebugProtocol.Variable[], options: { setter?: ChildSetter; watch?: WatchKind } = {}): number {
    return this.add(() => list(), options);
  }
}

/** A one-line preview: `{city: "Oslo", …}`, `[3 items]`, strings quoted and cut. */
export function preview(v: Value, max = 80): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return JSON.stringify(v.length > max ? v.slice(0, max) + '…' : v);
  if (typeof v !== 'object') return String(v);
  if (Array.isArray(v)) return v.length === 0 ? '[]' : `[${v.length} item${v.length === 1 ? '' : 's'}]`;
  const keys = Object.keys(v);
  const inner = keys
    .slice(0, 3)
    .map((k) => `${k}: ${typeof v[k] === 'object' && v[k] !== null ? '…' : preview(v[k] as Value, 20)}`)
    .join(', ');
  return `{${inner}${keys.length > 3 ? ', …' : ''}}`;
}

/** The deepest value `setVariable` takes: what the runtime reads back (artifacts) is bounded the same, and deeper blew the stack when evaluated. */
export const MAX_EDITED_VALUE_DEPTH = 256;

/** A value typed in the Variables view: JSON, else bare text as a string; refused past the depth limit. */
export function parseEditedValue(text: string): { value: Value } | { problem: string } {
  let value: Value;
  try {
    value = JSON.parse(text) as Value;
  } catch {
    return { value: text }; // bare text is a string
  }
  // walked with a list, not recursion: the value may be as deep as the message is long
  const pending: [Value, number][] = [[value, 1]];
  while (pending.length) {
    const [v, depth] = pending.pop() as [Value, number];
    if (v === null || typeof v !== 'object') continue;
    if (depth > MAX_EDITED_VALUE_DEPTH) return { problem: `nests deeper than ${MAX_EDITED_VALUE_DEPTH} levels` };
    for (const child of Object.values(v)) pending.push([child, depth + 1]);
  }
  return { value };
}
