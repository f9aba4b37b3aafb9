/** ASK, THINK, REASON, PLAN, REFLECT, VERIFY. */
import { ApxmError } from '../errors.js';
import { buildPlanPrompt, buildReflectPrompt, buildVerifyPrompt, renderTemplate } from '../llm/prompts.js';
import { extractJson, parsePlanReply, parseReasonReply, parseReflectReply, parseVerifyReply } from '../llm/structuredOutput.js';
import { display, isObject, printFmt, textOf, toValue, type Value } from '../values/value.js';
import { callLlm } from './llmCall.js';
import { readMemory, recordEpisode, writeMemory } from './memoryAccess.js';
import type { OpContext, OpHandler } from './opContext.js';
import { interpolate, templateVars } from './templateVars.js';

function userPrompt(ctx: OpContext): string {
  const template = ctx.attrs.string(['template_str', 'prompt']) ?? '';
  return renderTemplate(template, ctx.inputs, templateVars(ctx, template));
}

function attrText(ctx: OpContext, keys: string[]): string | undefined {
  const raw = ctx.attrs.string(keys);
  return raw === undefined ? undefined : raw.includes('{{') ? interpolate(raw, templateVars(ctx, raw)) : raw;
}

/** ASK: one question; with `output_schema` the reply must be JSON matching it (one corrective re-ask). */
export const ask: OpHandler = async (ctx) => {
  const prompt = userPrompt(ctx);
  const schema = ctx.attrs.raw('output_schema');
  if (schema === undefined) return (await callLlm(ctx, 'ASK', prompt)).content;
  const { validateAgainstSchema } = await import('../values/jsonSchema.js');
  const retries = ctx.attrs.number('max_schema_retries', { min: 0, integer: true }) ?? 1;
  let current = `${prompt}\n\nReply with JSON only, matching this JSON Schema:\n${JSON.stringify(schema)}`;
  for (let attempt = 0; ; attempt++) {
    const reply = (await callLlm(ctx, 'ASK', current, { json: true })).content;
    const parsed = extractJson(reply);
    const problems = parsed === undefined ? ['the reply is not JSON'] : validateAgainstSchema(schema, parsed);
    if (problems.length === 0) return toValue(parsed);
    if (attempt >= retries) {
      throw new ApxmError('E_LLM_SCHEMA', `ASK node ${ctx.node.id}: the reply does not match output_schema: ${problems.join('; ')}`, {
        details: { reply, schema },
        hint: 'loosen the schema, raise "max_schema_retries", or make the prompt more specific',
      });
    }
    current = `${prompt}\n\nYour previous reply did not match the required JSON Schema (${problems.join('; ')}).\nSchema:\n${JSON.stringify(schema)}\nPrevious reply:\n${reply}\nReply again with JSON only.`;
  }
};

export const think: OpHandler = async (ctx) => (await callLlm(ctx, 'THINK', userPrompt(ctx))).content;

/** REASON: structured reply; belief updates go to LTM and the AAM, new goals to the AAM. */
export const reason: OpHandler = async (ctx) => {
  const reply = (await callLlm(ctx, 'REASON', userPrompt(ctx))).content;
  const parsed = parseReasonReply(reply);
  const aam = ctx.services.aam;
  for (const [key, value] of Object.entries(parsed.beliefUpdates)) {
    writeMemory(ctx, 'ltm', key, value);
    aam.setBelief(key, value, 'Reason', ctx.node.id);
  }
  for (const g of parsed.newGoals) aam.upsertGoal(g.description, g.description, g.priority, 'Reason', ctx.node.id);
  if (parsed.newGoals.length)
    ctx.services.stm.set(
      `goals:${ctx.runId}`,
      parsed.newGoals.map((g) => ({ description: g.description, priority: g.priority })),
    );
  if (parsed.innerPlanGraph && ctx.attrs.boolean('enable_inner_plan', ctx.attrs.boolean('inner_plan_supported', false))) {
    return { result: parsed.result, inner_result: await ctx.runGraph(parseGraph(ctx, parsed.innerPlanGraph), ctx.inputs) };
  }
  return parsed.result;
};

function parseGraph(ctx: OpContext, text: string): unknown {
  const json = extractJson(text);
  if (json === undefined) {
    throw new ApxmError('E_LLM_BAD_REPLY', `${ctx.node.op} node ${ctx.node.id}: the generated inner plan is not JSON`, {
      details: { reply: text.slice(0, 2000) },
    });
  }
  return json;
}

/** PLAN: steps + result; with `enable_inner_plan` its generated graph runs spliced into this run. */
export const plan: OpHandler = async (ctx) => {
  const goal = attrText(ctx, ['goal']) || (ctx.inputs.length ? textOf(ctx.inputs[0]) : '');
  if (!goal) throw new ApxmError('E_ATTRIBUTE', `PLAN node ${ctx.node.id} has no goal`, { hint: 'set "goal" or give it an input' });
  const contextKey = ctx.attrs.string('context_key');
  const context = contextKey ? readMemory(ctx, 'ltm', contextKey) : undefined;
  const reply = (await callLlm(ctx, 'PLAN', buildPlanPrompt(goal, context === undefined ? undefined : textOf(context)), { json: true }))
    .content;
  const parsed = parsePlanReply(reply);
  const steps: Value = parsed.plan.map((s) => ({
    description: s.description,
    priority: s.priority,
    ...(s.dependencies.length ? { dependencies: s.dependencies } : {}),
  }));
  const s = ctx.services;
  s.stm.set(`plan:${ctx.runId}`, steps);
  s.aam.setBelief(`goal:${ctx.runId}`, goal, 'Plan', ctx.node.id);
  s.aam.setBelief(`plan:${ctx.runId}`, steps, 'Plan', ctx.node.id);
  s.aam.upsertGoal(
    `plan:${ctx.node.id}`,
    parsed.result || goal,
    parsed.plan.reduce((m, x) => Math.max(m, x.priority), 0) || 50,
    'Plan',
    ctx.node.id,
  );
  const out: Record<string, Value> = { plan: steps, result: parsed.result };
  if (!ctx.attrs.boolean('enable_inner_plan', ctx.attrs.boolean('inner_plan_supported', false))) return out;
  let graphText = parsed.innerPlanGraph;
  if (!graphText) {
    const stepsText = parsed.plan.map((x, i) => `${i + 1}. ${x.description}`).join('\n');
    graphText = (
      await callLlm(ctx, 'INNER_PLAN', `Goal: ${goal}\nPlan:\n${stepsText}\nExpected result: ${parsed.result}`, { json: true })
    ).content.trim();
  }
  if (!graphText) return out;
  out.inner_result = await ctx.runGraph(parseGraph(ctx, graphText), [goal]);
  return out;
};

/** REFLECT: analyses its inputs and this run's own episodic history (upstream lost both). */
export const reflect: OpHandler = async (ctx) => {
  const s = ctx.services;
  const limit = ctx.attrs.number('history_limit', { min: 0, integer: true }) ?? 20;
  const events = s.memory.episodes({ limit, order: 'desc' }).reverse();
  const history = events.map((e) => `- ${e.eventType}: ${summarise(e.payload, e.nodeId)}`);
  const prompt = attrText(ctx, ['prompt', 'reflection_prompt', 'template_str']);
  const reply = (await callLlm(ctx, 'REFLECT', buildReflectPrompt(ctx.inputs, history, prompt), { json: true })).content;
  const parsed = parseReflectReply(reply);
  for (const insight of parsed.insights) recordEpisode(ctx, 'insight', insight);
  return {
    summary: parsed.summary,
    insights: parsed.insights,
    patterns: parsed.patterns,
    recommendations: parsed.recommendations,
    history_events: events.length,
  };
};

function summarise(v: Value, nodeId: number | null): string {
  const text =
    isObject(v) && 'op' in v
      ? `${printFmt(v.op)} node ${nodeId}${v.error ? ` failed: ${isObject(v.error) ? printFmt(v.error.message) : display(v.error)}` : ''}`
      : display(v);
  return text.length > 300 ? text.slice(0, 300) + '…' : text;
}

/** VERIFY: true or false, from a strict JSON or yes/no verdict (never a substring test). */
export const verify: OpHandler = async (ctx) => {
  const claim = attrText(ctx, ['claim', 'condition', 'template_str', 'prompt']) ?? (ctx.inputs.length ? textOf(ctx.inputs[0]) : '');
  const evidenceAttr = ctx.attrs.raw('evidence');
  const evidence: Value[] =
    ctx.attrs.has('claim') || ctx.attrs.has('condition') || ctx.attrs.has('template_str') ? [...ctx.inputs] : ctx.inputs.slice(1);
  if (evidenceAttr !== undefined) evidence.push(evidenceAttr);
  const reply = (await callLlm(ctx, 'VERIFY', buildVerifyPrompt(claim, evidence.map(textOf).join('\n')), { json: true })).content;
  const verdict = parseVerifyReply(reply);
  if (ctx.attrs.boolean('detailed', false)) return { verified: verdict.verified, reason: verdict.reason ?? null };
  return verdict.verified;
};
