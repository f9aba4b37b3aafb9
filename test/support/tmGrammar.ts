/** A TextMate grammar file read for tests: its rules, and the scopes its top-level rules give a piece of a line. */
import { readFileSync } from 'node:fs';

export type Rule = {
  name?: string;
  match?: string;
  begin?: string;
  end?: string;
  patterns?: Rule[];
  include?: string;
  captures?: Record<string, { name: string }>;
  beginCaptures?: Record<string, { name: string }>;
};

export interface Grammar {
  scopeName: string;
  patterns: Rule[];
  repository: Record<string, Rule>;
}

export function readGrammar(file: string): Grammar {
  return JSON.parse(readFileSync(file, 'utf8')) as Grammar;
}

/** Every rule of the repository, nested ones included. */
export function rulesOf(grammar: Grammar): Rule[] {
  const out: Rule[] = [];
  const walk = (r: Rule) => {
    out.push(r);
    for (const p of r.patterns ?? []) walk(p);
  };
  for (const r of Object.values(grammar.repository)) walk(r);
  return out;
}

/** Scopes the top-level rules give `text` where it last occurs in `line` (the rule's own name, and captures equal to `text`). */
export function scopesAt(grammar: Grammar, line: string, text: string): string[] {
  const at = line.lastIndexOf(text);
  const found: string[] = [];
  for (const top of grammar.patterns) {
    const repo = grammar.repository[top.include!.slice(1)];
    // a begin/end rule is itself the rule (its patterns apply inside it); a group's patterns are the rules
    for (const r of repo.match || repo.begin ? [repo] : (repo.patterns ?? [])) {
      const re = r.match ?? r.begin;
      if (!re) continue;
      for (const m of line.matchAll(new RegExp(re, 'gm'))) {
        if (m.index <= at && at < m.index + m[0].length) {
          if (r.name) found.push(r.name);
          for (const [k, c] of Object.entries(r.captures ?? r.beginCaptures ?? {})) if (m[Number(k)] === text) found.push(c.name);
        }
      }
    }
  }
  return found;
}
