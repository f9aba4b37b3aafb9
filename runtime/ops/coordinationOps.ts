/**
 * PAUSE / RESUME (human in the loop, checkpoints persisted in SQLite), CLAIM (work queues in the
 * same database, atomic with leases) and UPDATE_GOAL (the AAM's goals). No HTTP server needed.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApxmError } from '../errors.js';
import { isObject, textOf, type Value } from '../values/value.js';
import type { OpHandler } from './opContext.js';
import { fillString } from './templateVars.js';

export const pause: OpHandler = async (ctx) => {
  const raw = ctx.attrs.string('message', { required: true, hint: 'set "message" to what the human should do' }) as string;
  const message = fillString(ctx, raw);
  const checkpointId = ctx.attrs.string(['checkpoint_id', 'checkpoint']) ?? `chk_${ctx.runId.slice(0, 8)}_${ctx.node.id}`;
  const timeoutMs = ctx.attrs.number('timeout_ms', { min: 0 }) ?? 0;
  const displayData = ctx.inputs[0] ?? null;
  const s = ctx.services;
  const earlier = s.storage.checkpointGet(checkpointId);
  if (earlier?.status === 'resumed' && earlier.runId === ctx.runId) {
    // Answered while the run was stopped (`apxm resume`), and the run was continued since.
    if (isObject(earlier.snapshot)) for (const [k, v] of Object.entries(earlier.snapshot)) if (!s.stm.has(k)) s.stm.set(k, v);
    return earlier.humanInput ?? null;
  }
  s.storage.checkpointPut({
    id: checkpointId,
    runId: ctx.runId,
    nodeId: ctx.node.id,
    message,
    displayData,
    status: 'pending',
    snapshot: s.stm.snapshot(),
    createdAt: s.now(),
  });
  ctx.emit('human:input-requested', { runId: ctx.runId, nodeExecId: ctx.nodeExecId, checkpointId, message, displayData });
  const answeredElsewhere = new AbortController();
  const timeout = timeoutMs > 0 ? AbortSignal.timeout(timeoutMs) : undefined;
  const signal = AbortSignal.any([ctx.signal, answeredElsewhere.signal, ...(timeout ? [timeout] : [])]);
  let answer: Value;
  try {
    // The human-input provider, or `apxm resume` from another process writing the checkpoint, whichever answers first.
    answer = await ctx.waitExternally(
      Promise.race([
        s.humanInput.request({ runId: ctx.runId, nodeId: ctx.node.id, flow: ctx.flowName, checkpointId, message, displayData, signal }),
        watchCheckpoint(s.storage, checkpointId, signal),
      ]).finally(() => answeredElsewhere.abort()), // withdraws the loser: the provider's prompt, or the watch
    );
  } catch (e) {
    // timeout_ms is also the scheduler's per-node timeout, which usually fires first (as ctx.signal's E_TIMEOUT reason)
    const nodeTimedOut = ctx.signal.aborted && ctx.signal.reason instanceof ApxmError && ctx.signal.reason.code === 'E_TIMEOUT';
    if (timeoutMs > 0 && (nodeTimedOut || (!ctx.signal.aborted && timeout?.aborted))) {
      const cp = s.storage.checkpointGet(checkpointId);
      if (cp) s.storage.checkpointPut({ ...cp, status: 'expired' });
      throw new ApxmError('E_TIMEOUT', `PAUSE checkpoint '${checkpointId}' got no answer within ${timeoutMs} ms`, {
        hint: 'answer sooner, or raise "timeout_ms" (0 waits forever)',
      });
    }
    throw e;
  }
  const cp = s.storage.checkpointGet(checkpointId);
  if (cp) s.storage.checkpointPut({ ...cp, status: 'resumed', humanInput: answer, resumedAt: s.now() });
  return answer;
};

/** Resolves with the answer once another process marks the checkpoint resumed; never settles otherwise (stops when `signal` aborts). */
function watchCheckpoint(storage: import('../memory/storage.js').StorageBackend, id: string, signal: AbortSignal): Promise<Value> {
  return new Promise((resolve) => {
    const timer = setInterval(() => {
      try {
        const cp = storage.checkpointGet(id);
        if (cp?.status !== 'resumed') return;
        clearInterval(timer);
        resolve(cp.humanInput ?? null);
      } catch {
        clearInterval(timer); // the database closed under us: the provider's answer (or the abort) decides
      }
    }, CHECKPOINT_POLL_MS);
    signal.addEventListener('abort', () => clearInterval(timer), { once: true });
  });
}

const CHECKPOINT_POLL_MS = 250;

/** Waits for a checkpoint to be resumed (by a PAUSE answer or `apxm resume`), restores its STM snapshot. */
export const resume: OpHandler = async (ctx) => {
  const id = ctx.attrs.string(['checkpoint', 'checkpoint_id'], {
    required: true,
    hint: 'set "checkpoint" to the PAUSE checkpoint id',
  }) as string;
  const attempts = ctx.attrs.number('poll_max_attempts', { min: 1, integer: true }) ?? 60;
  const interval = ctx.attrs.number('poll_interval_ms', { min: 1 }) ?? 500;
  const s = ctx.services;
  const poll = async (): Promise<Value> => {
    for (let k = 0; k < attempts; k++) {
      const cp = s.storage.checkpointGet(id);
      if (!cp)
        throw new ApxmError('E_HUMAN_INPUT', `checkpoint '${id}' does not exist`, {
          hint: 'RESUME needs the id of a checkpoint a PAUSE created',
        });
      if (cp.status === 'expired') throw new ApxmError('E_HUMAN_INPUT', `checkpoint '${id}' expired`);
      if (cp.status === 'resumed') {
        if (isObject(cp.snapshot))
          for (const [k2, v] of Object.entries(cp.snapshot)) if (!ctx.services.stm.has(k2)) ctx.services.stm.set(k2, v);
        return cp.humanInput ?? null;
      }
      await sleep(interval, undefined, { signal: ctx.signal });
    }
    throw new ApxmError('E_TIMEOUT', `RESUME: checkpoint '${id}' was not resumed within ${attempts} attempts (${interval} ms each)`, {
      hint: `answer it with: apxm resume ${id} --input "..."`,
    });
  };
  return ctx.waitExternally(poll());
};

export const claim: OpHandler = async (ctx) => {
  const queue = ctx.attrs.string('queue', { required: true }) as string;
  const leaseMs = ctx.attrs.number('lease_ms', { min: 1 }) ?? 60_000;
  const maxWaitMs = ctx.attrs.number('max_wait_ms', { min: 0 }) ?? 5000;
  const s = ctx.services;
  const agentId = ctx.attrs.string('agent_id') ?? `${ctx.flowName}@${ctx.runId}`;
  const attempt = async () => {
    // the wait is measured on the real clock: an injected s.now() (tests, replay) may stand still
    const deadline = performance.now() + maxWaitMs;
    let delay = 100;
    for (;;) {
      const task = s.storage.queueClaim(queue, agentId, leaseMs, s.now());
      if (task) return task;
      if (performance.now() >= deadline) return undefined;
      await sleep(Math.min(delay, Math.max(1, deadline - performance.now())), undefined, { signal: ctx.signal });
      delay = Math.min(delay * 2, 1000);
    }
  };
  const task = await ctx.waitExternally(attempt());
  if (!task)
    throw new ApxmError('E_QUEUE_EMPTY', `no tasks available in queue '${queue}' after waiting ${maxWaitMs} ms`, {
      hint: `push work with: apxm queue push ${queue} '<json>'`,
      retryable: false,
    });
  s.stm.set(`_claim_token:${task.taskId}`, task.claimToken ?? '');
  return { task_data: task.data, task_id: task.taskId, claim_token: task.claimToken ?? '' };
};

export const updateGoal: OpHandler = (ctx) => {
  const action = (ctx.attrs.string('action') ?? 'set').toLowerCase();
  const aam = ctx.services.aam;
  if (action === 'clear') {
    aam.clearGoals('update_goal:clear', ctx.node.id);
    return 'cleared';
  }
  const goalId = ctx.attrs.string(['goal_id', 'goal'], { required: true, hint: 'set "goal_id" to a stable key for the goal' }) as string;
  if (action === 'remove') return aam.removeGoal(goalId, `update_goal:remove:${goalId}`, ctx.node.id) ? 'removed' : 'not_found';
  if (action === 'complete' || action === 'cancel') {
    return aam.setGoalStatus(goalId, action === 'complete' ? 'completed' : 'cancelled', `update_goal:${action}:${goalId}`, ctx.node.id)
      ? action === 'complete'
        ? 'completed'
        : 'cancelled'
      : 'not_found';
  }
  const description = ctx.inputs.length ? textOf(ctx.inputs[0]) : (ctx.attrs.string('description') ?? goalId);
  const priority = ctx.attrs.number('priority', { min: 0, max: 100 }) ?? 1;
  aam.upsertGoal(goalId, description, priority, `update_goal:set:${goalId}`, ctx.node.id);
  return 'set';
};
