/**
 * Names in scope while walking a flow, shared by the checker and the lowering so both follow one
 * rule: a flow sees its parameters and earlier bindings; after an if/try/switch, a name stays
 * visible when every arm that goes on binds it (or it existed before) — the arms' values are
 * merged; a name bound in only some arms is hidden, and remembered for the error's hint.
 */
import type { AisType } from './aisTypes.js';
import type { AisRange } from './positions.js';

export class Scope<T = Binding> {
  constructor(
    private readonly vars = new Map<string, T>(),
    private readonly hidden = new Map<string, string>(),
    /** Every binding made in the flow, in order (shared by all scopes of one flow). */
    readonly created: T[] = [],
  ) {}

  child(): Scope<T> {
    return new Scope(new Map(this.vars), new Map(this.hidden), this.created);
  }

  bind(name: string, value: T): void {
    this.vars.set(name, value);
    this.hidden.delete(name);
    this.created.push(value);
  }

  lookup(name: string): T | undefined {
    return this.vars.get(name);
  }

  has(name: string): boolean {
    return this.vars.has(name);
  }

  names(): string[] {
    return [...this.vars.keys()];
  }

  /** Where `name` was bound but is no longer visible ("if", "try", "switch", "loop"). */
  hiddenWhere(name: string): string | undefined {
    return this.hidden.get(name);
  }

  /** Hides the names a nested scope bound (after a loop body). */
  hideFrom(inner: Scope<T>, construct: string): void {
    for (const n of inner.vars.keys()) if (!this.vars.has(n)) this.hidden.set(n, construct);
  }

  /**
   * The scope after a construct whose arms (that go on) ended in `arms`. A name all arms see with
   * the same value keeps it; with different values, `merge(name, values)` gives the joined value.
   */
  join(arms: Scope<T>[], construct: string, merge: (name: string, values: T[]) => T): Scope<T> {
    const out = this.child();
    const names = new Set(arms.flatMap((a) => [...a.vars.keys()]));
    for (const name of names) {
      const values = arms.map((a) => a.vars.get(name));
      if (values.some((v) => v === undefined)) {
        if (!out.vars.has(name)) out.hidden.set(name, construct);
        continue;
      }
      const vs = values as T[];
      out.vars.set(name, vs.every((v) => v === vs[0]) ? vs[0] : merge(name, vs));
    }
    return out;
  }
}

/** What the checker knows of a name. */
export interface Binding {
  name: string;
  range: AisRange;
  kind: 'param' | 'let' | 'loop' | 'merge';
  type: AisType;
  used: boolean;
  /** For a merge after a construct: the arms' bindings (using it uses them). */
  sources?: Binding[];
}

export function mergeBindings(name: string, values: Binding[]): Binding {
  const types = new Set(values.map((v) => v.type));
  return { name, range: values[0].range, kind: 'merge', type: types.size === 1 ? values[0].type : 'unknown', used: false, sources: values };
}
