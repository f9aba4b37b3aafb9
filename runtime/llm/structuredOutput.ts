/**
 * Parsing of the structured replies PLAN, REASON, REFLECT and VERIFY ask for. One JSON extractor
 * (upstream had three); a malformed reply is an E_LLM_BAD_REPLY naming what is wrong and quoting
 * the reply, never silently returned as text.
 */
import { ApxmError } from '../errors.js';
import { isObject, textOf, toValue, type Value } from '../values/value.js';

/** The JSON in a reply: the whole text, else the first fenced block, else the outermost {…} or […]. */
export function extractJson(text: string): unknown {
  const t = text.trim();
  const attempt = (s: string): unknown => {
    try {
      return JSON.parse(s);
    } catch {
      return undefined;
    }
  };
  let v = attempt(t);
  if (v !== undefined) return v;
  const fence = /```(?:json|JSON)?\s*\n?([\s\S]*?)```/.exec(t);
  if (fence && (v = attempt(fence[1].trim())) !== undefined) return v;
  // Outermost first: the bracket that opens earlier (`[{…}]` is an array, not its first element).
  const pairs =
    t.indexOf('[') !== -1 && (t.indexOf('{') === -1 || t.indexOf('[') < t.indexOf('{'))
      ? [
          ['[', ']'],
          ['{', '}'],
        ]
      : [
          ['{', '}'],
          ['[', ']'],
        ];
  for (const [open, close] of pairs) {
    const a = t.indexOf(open);
    const b = t.lastIndexOf(close);
    if (a !== -1 && b > a && (v = attempt(t.slice(a, b + 1))) !== undefined) return v;
  }
  return undefined;
}

function badReply(phase: string, problem: string, reply: string, hint: string): ApxmError {
  const quoted = reply.length > 400 ? reply.slice(0, 400) + '…' : reply;
  return new ApxmError('E_LLM_BAD_REPLY', `${phase}: malformed reply: ${problem}. Reply was: ${JSON.stringify(quoted)}`, {
    hint,
    details: { reply: reply.slice(0, 4000) },
  });
}

function objectReply(phase: string, reply: string, expected: string): Record<string, unknown> {
  const json = extractJson(reply);
  if (json === undefined)
    throw badReply(
      phase,
      'it is not JSON',
      reply,
      `the model must reply with JSON ${expected}; try a model that follows JSON instructions, or a lower temperature`,
    );
  if (!isObject(json as Value))
    throw badReply(
      phase,
      `expected a JSON object, got ${Array.isArray(json) ? 'an array' : typeof json}`,
      reply,
      `the reply must be ${expected}`,
    );
  return json as Record<string, unknown>;
}

const priorityOf = (v: unknown, fallback: number): number =>
  typeof v === 'number' && Number.isFinite(v) ? Math.max(0, Math.min(100, Math.round(v))) : fallback;

function stringList(phase: string, obj: Record<string, unknown>, field: string, reply: string): string[] {
  const v = obj[field];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw badReply(phase, `"${field}" must be an array`, reply, `make "${field}" a list of strings`);
  return v.map((x) =>
    typeof x === 'string'
      ? x
      : isObject(x as Value) && typeof (x as { description?: unknown }).description === 'string'
        ? (x as { description: string }).description
        : JSON.stringify(x),
  );
}

function innerGraph(obj: Record<string, unknown>): string | undefined {
  const ip = obj.inner_plan;
  if (!isObject(ip as Value)) return undefined;
  const g = (ip as Record<string, unknown>).graph;
  if (typeof g === 'string' && g.trim()) return g;
  if (isObject(g as Value)) return JSON.stringify(g);
  return undefined;
}

export interface PlanStep {
  description: string;
  priority: number;
  dependencies: string[];
}

export interface PlanReply {
  plan: PlanStep[];
  result: string;
  innerPlanGraph?: string;
}

export function parsePlanReply(reply: string): PlanReply {
  const shape = '{"plan": [{"description", "priority", "dependencies"}], "result"}';
  const obj = objectReply('PLAN', reply, shape);
  if (!Array.isArray(obj.plan)) throw badReply('PLAN', '"plan" is missing or not an array', reply, `the reply must be ${shape}`);
  const plan = obj.plan.map((s, i): PlanStep => {
    if (typeof s === 'string') return { description: s, priority: 0, dependencies: [] };
    if (!isObject(s as Value) || typeof (s as { description?: unknown }).description !== 'string') {
      throw badReply('PLAN', `plan[${i}] has no "description" string`, reply, 'every step needs a "description"');
    }
    const st = s as Record<string, unknown>;
    const deps = Array.isArray(st.dependencies) ? st.dependencies.map(String) : [];
    return { description: st.description as string, priority: priorityOf(st.priority, 0), dependencies: deps };
  });
  const result = typeof obj.result === 'string' ? obj.result : obj.result === undefined ? '' : JSON.stringify(obj.result);
  const out: PlanReply = { plan, result };
  const g = innerGraph(obj);
  if (g) out.innerPlanGraph = g;
  return out;
}

export interface ReasonReply {
  result: Value;
  beliefUpdates: Record<string, Value>;
  newGoals: { description: string; priority: number }[];
  innerPlanGraph?: string;
}

/** REASON may answer in plain text (the whole reply is the result); JSON must have a `result`. */
export function parseReasonReply(reply: string): ReasonReply {
  const json = extractJson(reply);
  if (
    !isObject(json as Value) ||
    !('result' in (json as object) || 'belief_updates' in (json as object) || 'new_goals' in (json as object))
  ) {
    return { result: reply.trim(), beliefUpdates: {}, newGoals: [] };
  }
  const obj = json as Record<string, unknown>;
  const beliefs = obj.belief_updates;
  if (beliefs !== undefined && beliefs !== null && !isObject(beliefs as Value))
    throw badReply('REASON', '"belief_updates" must be an object', reply, 'make "belief_updates" an object of key → value');
  const goals = obj.new_goals;
  if (goals !== undefined && goals !== null && !Array.isArray(goals))
    throw badReply('REASON', '"new_goals" must be an array', reply, 'make "new_goals" a list of {description, priority}');
  const out: ReasonReply = {
    result: toValue(obj.result ?? null),
    beliefUpdates: toValue(beliefs ?? {}) as Record<string, Value>,
    newGoals: ((goals as unknown[] | undefined) ?? []).map((g) =>
      typeof g === 'string'
        ? { description: g, priority: 50 }
        : {
            description: textOf(toValue((g as { description?: unknown }).description ?? JSON.stringify(g))),
            priority: priorityOf((g as { priority?: unknown }).priority, 50),
          },
    ),
  };
  const g = innerGraph(obj);
  if (g) out.innerPlanGraph = g;
  return out;
}

export interface ReflectReply {
  summary: string;
  insights: string[];
  patterns: string[];
  recommendations: string[];
}

export function parseReflectReply(reply: string): ReflectReply {
  const shape = '{"summary", "insights": [], "patterns": [], "recommendations": []}';
  const obj = objectReply('REFLECT', reply, shape);
  const summary = obj.summary ?? obj.result;
  if (typeof summary !== 'string') throw badReply('REFLECT', '"summary" is missing or not a string', reply, `the reply must be ${shape}`);
  return {
    summary,
    insights: stringList('REFLECT', obj, 'insights', reply),
    patterns: stringList('REFLECT', obj, 'patterns', reply),
    recommendations: stringList('REFLECT', obj, 'recommendations', reply),
  };
}

export interface VerifyReply {
  verified: boolean;
  reason?: string;
}

/** `{"verified": bool}` (or `result`/`valid`), or a reply that is exactly true/false/yes/no. Never a substring test. */
export function parseVerifyReply(reply: string): VerifyReply {
  const json = extractJson(reply);
  if (typeof json === 'boolean') return { verified: json };
  if (isObject(json as Value)) {
    const o = json as Record<string, unknown>;
    const v = o.verified ?? o.valid ?? o.result;
    const reason = typeof o.reason === 'string' ? o.reason : undefined;
    if (typeof v === 'boolean') return reason ? { verified: v, reason } : { verified: v };
    if (typeof v === 'string' && /^(true|false)$/i.test(v.trim()))
      return { verified: v.trim().toLowerCase() === 'true', ...(reason ? { reason } : {}) };
  }
  const word = reply
    .trim()
    .toLowerCase()
    .replace(/[.!\s]+$/, '');
  if (word === 'true' || word === 'yes') return { verified: true };
  if (word === 'false' || word === 'no') return { verified: false };
  throw badReply(
    'VERIFY',
    'no verdict: expected {"verified": true|false}',
    reply,
    'the model must answer with {"verified": true|false, "reason": "..."}',
  );
}
