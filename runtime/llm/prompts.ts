/**
 * Prompt assembly (as upstream's, with upstream's REFLECT and VERIFY bugs fixed:
 * REFLECT sends its inputs and history, VERIFY asks for a strict JSON verdict).
 */
import { hasOwn, replacePlaceholders } from '../values/placeholders.js';
import { display, type Value } from '../values/value.js';
import type { LlmPhase } from './types.js';

const SYSTEM_PROMPTS: Record<LlmPhase, string> = {
  ASK: 'You are a helpful assistant. Be concise and direct.',
  THINK: 'You are a careful thinker. Reason deeply and step by step before you answer.',
  REASON: [
    'You are a reasoning engine for an agent. When structure helps, reply with JSON:',
    '{"result": <any>, "belief_updates": {"<key>": <value>}, "new_goals": [{"description": "...", "priority": 0-100}]}',
    '"result" is required; "belief_updates" and "new_goals" are optional. Plain text is fine when no structure is needed.',
  ].join('\n'),
  PLAN: [
    'You are a planning expert. Break the goal into concrete steps.',
    'Reply with valid JSON only: {"plan": [{"description": "...", "priority": 0-100, "dependencies": ["<description of an earlier step>"]}], "result": "<what the plan achieves>"}.',
  ].join('\n'),
  INNER_PLAN: [
    'You are an inner-plan compiler. Output only JSON for an ApxmGraph: {"name": "...", "nodes": [{"id": 1, "name": "...", "op": "ASK", "attributes": {...}}], "edges": [{"from": 1, "to": 2, "dependency": "Data"}]}.',
    'Node ids are unique integers, ops are SCREAMING_SNAKE_CASE from CONST_STR, ASK, THINK, REASON, QMEM, UMEM, INV, BRANCH_ON_VALUE, SWITCH, WAIT_ALL, MERGE, FENCE, PLAN, REFLECT, VERIFY;',
    'dependency is Data, Control or Effect; the graph is acyclic; prefer linear plans. Reply with an empty string if no graph is possible.',
  ].join('\n'),
  REFLECT: [
    "You analyse an agent's execution: what worked, what failed, and what to change.",
    'Reply with valid JSON only: {"summary": "...", "insights": ["..."], "patterns": ["..."], "recommendations": ["..."]}.',
  ].join('\n'),
  VERIFY:
    'You are a verification expert. Decide whether the claim is supported by the evidence. Reply with JSON only: {"verified": true|false, "reason": "<one sentence>"}.',
};

export function systemPromptFor(phase: LlmPhase): string {
  return SYSTEM_PROMPTS[phase];
}

const inputText = (v: Value): string => (typeof v === 'string' ? v : display(v));

/**
 * Renders an op's user prompt in one pass: `{i}` → input i, `{{name}}` → a variable. Inputs
 * no `{i}` places are appended as `Context n: <json>` lines; a blank template is the first input. Substituted text is never scanned again, so an input containing `{1}` stays literal.
 */
export function renderTemplate(template: string, inputs: Value[], vars: Record<string, Value> = {}): string {
  if (!template.trim()) return inputs.length ? inputText(inputs[0]) : '';
  const used = new Set<number>();
  const rendered = replacePlaceholders(template, (name, i) => {
    if (name !== undefined) return hasOwn(vars, name) ? inputText(vars[name]) : undefined;
    if (i >= inputs.length) return undefined;
    used.add(i);
    return inputText(inputs[i]);
  });
  // Inputs the template does not place are appended (upstream appended them only without any {k}).
  const rest = inputs.map((v, i) => (used.has(i) ? undefined : `Context ${i + 1}: ${JSON.stringify(v)}`)).filter((x) => x !== undefined);
  return rest.length ? rendered + '\n\n' + rest.join('\n') : rendered;
}

export function buildPlanPrompt(goal: string, context?: string): string {
  return `Goal: ${goal}` + (context ? `\nContext: ${context}` : '') + '\n\nReply with the JSON plan only.';
}

export function buildReflectPrompt(inputs: Value[], historyLines: string[], prompt?: string): string {
  const parts: string[] = [];
  if (prompt) parts.push(prompt);
  if (inputs.length) parts.push('Results to analyse:\n' + inputs.map(inputText).join('\n\n'));
  parts.push(
    `Execution history (${historyLines.length} events, oldest first):\n` + (historyLines.length ? historyLines.join('\n') : '(none)'),
  );
  parts.push('Analyse strengths and weaknesses and reply with the JSON object only.');
  return parts.join('\n\n');
}

export function buildVerifyPrompt(claim: string, evidence: string): string {
  return `Claim: ${claim}\n\nEvidence:\n${evidence || '(none)'}\n\nIs the claim supported by the evidence? Reply with the JSON verdict only.`;
}
