/** FLOW_CALL and COMMUNICATE: other agents' flows run as child frames in the same scheduler. */
import { ApxmError } from '../errors.js';
import { isObject, type Value } from '../values/value.js';
import { recordEpisode } from './memoryAccess.js';
import type { OpContext, OpHandler } from './opContext.js';

/** Calls Agent.flow with the inputs bound to its parameters in order (or by name via `args`). */
export const flowCall: OpHandler = async (ctx) => {
  const agent = ctx.attrs.string('agent_name', { required: true }) as string;
  const flow = ctx.attrs.string('flow_name', { required: true }) as string;
  const args = ctx.inputs;
  const key = `_pending_flow_call:${agent}:${flow}`;
  const request = { type: 'flow_call', agent, flow, args, run_id: ctx.runId };
  ctx.services.aam.setBelief(key, request, `flow_call:${agent}:${flow}`, ctx.node.id);
  recordEpisode(ctx, `flow_call:${agent}:${flow}`, request);
  try {
    return await ctx.callFlow(agent, flow, args);
  } finally {
    ctx.services.aam.deleteBelief(key, `flow_call_completed:${agent}:${flow}`, ctx.node.id);
  }
};

function recipientFlow(ctx: OpContext, agent: string): string | undefined {
  for (const f of ['communicate', 'main']) if (hasFlow(ctx, agent, f)) return f;
  return undefined;
}

function hasFlow(ctx: OpContext, agent: string, flow: string): boolean {
  return ctx.hasFlow(agent, flow);
}

function agentsWithInbox(ctx: OpContext): string[] {
  return ctx.agents();
}

/** Sends a message to an agent of this program (its `communicate` or `main` flow), to all of them, or over HTTP. */
export const communicate: OpHandler = async (ctx) => {
  const recipient = ctx.attrs.string(['recipient', 'target', 'target_agent']) ?? '';
  const protocol = (ctx.attrs.string('protocol') ?? (/^https?:\/\//.test(recipient) ? 'http' : 'local')).toLowerCase();
  const message: Value = ctx.inputs.length ? ctx.inputs[0] : (ctx.attrs.raw('message') ?? null);
  const self = ctx.flowName.split('.')[0];
  if (protocol === 'broadcast') {
    const targets = agentsWithInbox(ctx).filter((a) => a !== self);
    const results = await Promise.all(
      targets.map(async (agent) => {
        try {
          return { agent, result: await ctx.callFlow(agent, recipientFlow(ctx, agent) as string, [message], 'message') };
        } catch (e) {
          return { agent, error: (e as Error).message };
        }
      }),
    );
    return results as unknown as Value;
  }
  const remote = /^https?:\/\//.test(recipient) ? recipient : ctx.services.remoteAgents[recipient];
  if (protocol === 'http' || protocol === 'https' || (remote && !recipientFlow(ctx, recipient))) {
    if (!remote)
      throw new ApxmError('E_COMMUNICATE', `no URL is configured for remote agent "${recipient}"`, {
        hint: 'give a URL as "recipient", or list the agent under "remoteAgents" in apxm.config.json',
      });
    return sendHttp(ctx, remote, message);
  }
  if (!recipient)
    throw new ApxmError('E_ATTRIBUTE', `COMMUNICATE node ${ctx.node.id} has no "recipient"`, {
      hint: 'set "recipient" to an agent name, a URL, or "protocol": "broadcast"',
    });
  const flow = recipientFlow(ctx, recipient);
  if (!flow) {
    const agents = agentsWithInbox(ctx);
    throw new ApxmError('E_COMMUNICATE', `agent "${recipient}" has no "communicate" or "main" flow in this program`, {
      hint: agents.length
        ? `agents that can receive messages: ${agents.join(', ')}`
        : 'define a flow named "communicate" on the recipient agent',
    });
  }
  ctx.services.aam.setBelief(`_pending_communicate:${recipient}`, { recipient, message }, `communicate:${recipient}`, ctx.node.id);
  try {
    return await ctx.callFlow(recipient, flow, [message], 'message');
  } finally {
    ctx.services.aam.deleteBelief(`_pending_communicate:${recipient}`, `communicate_completed:${recipient}`, ctx.node.id);
  }
};

async function sendHttp(ctx: OpContext, baseUrl: string, message: Value): Promise<Value> {
  const url = `${baseUrl.replace(/\/+$/, '')}/v1/receive`;
  const timeoutMs = ctx.attrs.number('timeout_ms', { min: 1 }) ?? 30_000;
  const signal = AbortSignal.any([ctx.signal, AbortSignal.timeout(timeoutMs)]);
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ from: ctx.runId, message }),
      signal,
    });
  } catch (e) {
    throw new ApxmError('E_COMMUNICATE', `could not reach ${url}: ${(e as Error).message}`, {
      hint: 'check that the remote agent is running and the URL is right',
      retryable: true,
    });
  }
  const text = await res.text();
  if (!res.ok) throw new ApxmError('E_COMMUNICATE', `${url} answered ${res.status}: ${text.slice(0, 200)}`);
  try {
    const body = JSON.parse(text) as unknown;
    return isObject(body as Value) || Array.isArray(body) ? (body as Value) : (body as Value);
  } catch {
    return text;
  }
}
