/**
 * Names in scope while walking a flow, shared by the checker, the lowering and the language
 * server so all follow one rule: a flow sees its parameters and earlier bindings; after an
 * if/try/switch, a name stays visible when every arm that goes on binds it (or it existed
 * before) — the arms' values are merged; a name bound in only some arms is hidden, and remembered
 * for the error's hint.
 *
 * Scopes chain to their parent instead of copying it, and a join writes into the scope it
 * continues, so the chain is as deep as the nesting, not as long as the flow.
 */
import type { AisType } from './aisTypes.js';
import type { AisRange } from './positions.js';

type Entry<T> = { value: T } | { hidden: string };

export class Scope<T = Binding> {
  private readonly own = new Map<string, Entry<T>>();

  constructor(
    private readonly parent?: Scope<T>,
    /** Every binding made in the flow, in order (shared by all scopes of one flow). */
    readonly created: T[] = parent?.created ?? [],
  ) {}

  child(): Scope<T> {
    return new Scope(this);
  }

  bind(name: string, value: T): void {
    this.own.set(name, { value });
    this.created.push(value);
  }

  private entry(name: string): Entry<T> | undefined {
    for (let s: Scope<T> | undefined = this; s; s = s.parent) {
      const e = s.own.get(name);
      if (e) return e;
    }
    return undefined;
  }

  lookup(name: string): T | undefined {
    const e = this.entry(name);
    return e && 'value' in e ? e.value : undefined;
  }

  has(name: string): boolean {
    return this.lookup(name) !== undefined;
  }

  /** Visible names, innermost binding first. */
  names(): string[] {
    const seen = new Set<string>();
    const out: string[] = [];
    for (let s: Scope<T> | undefined = this; s; s = s.parent) {
      for (const [n, e] of s.own) {
        if (seen.has(n)) continue;
        seen.add(n);
        if ('value' in e) out.push(n);
      }
    }
    return out;
  }

  /** Where `name` was bound but is no longer visible ("if", "try", "switch", "loop"). */
  hiddenWhere(name: string): string | undefined {
    const e = this.entry(name);
    return e && 'hidden' in e ? e.hidden : undefined;
  }

  /** Names bound in `inner` and the scopes between it and this one (not above). */
  private boundSince(inner: Scope<T>): Set<string> {
    const out = new Set<string>();
    for (let s: Scope<T> | undefined = inner; s && s !== this; s = s.parent) for (const [n, e] of s.own) if ('value' in e) out.add(n);
    return out;
  }

  /** Hides the names a nested scope bound (after a loop body). */
  hideFrom(inner: Scope<T>, construct: string): void {
    for (const n of this.boundSince(inner)) if (!this.has(n)) this.own.set(n, { hidden: construct });
  }

  /**
   * Continues this scope after a construct whose arms (those that go on) ended in `arms`: a name
   * all arms see with the same value keeps it; with different values, `merge(name, values)` gives
   * the joined value. Returns this scope.
   */
  join(arms: Scope<T>[], construct: string, merge: (name: string, values: T[]) => T): Scope<T> {
    const names = new Set<string>();
    for (const a of arms) for (const n of this.boundSince(a)) names.add(n);
    for (const name of names) {
      const values = arms.map((a) => a.lookup(name));
      if (values.some((v) => v === undefined)) {
        if (!this.has(name)) this.own.set(name, { hidden: construct });
        continue;
      }
      const vs = values as T[];
      if (vs.every((v) => v === vs[0])) this.own.set(name, { value: vs[0] });
      else this.own.set(name, { value: merge(name, vs) });
    }
    return this;
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

/** What a statement list leaves behind: its scope, and whether every path through it returned. */
export interface Outcome<T = Binding> {
  scope: Scope<T>;
  returns: boolean;
}

/** After an if/try/switch: the arms that go on are joined into `before`; when none does, the construct returns. */
export function joinArms<T>(before: Scope<T>, arms: Outcome<T>[], construct: string, merge: (name: string, values: T[]) => T): Outcome<T> {
  const live = arms.filter((a) => !a.returns);
  if (live.length === 0) return { scope: before, returns: true };
  return {
    scope: before.join(
      live.map((a) => a.scope),
      construct,
      merge,
    ),
    returns: false,
  };
}
