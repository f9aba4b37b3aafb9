import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { resumeCommand } from '../cli/storeCommands.js';
import { Runtime } from '../runtime.js';
import type { Value } from '../values/value.js';
import { program } from '../../test/support/graphBuilder.js';
import { makeRuntime, recordEvents, tool } from '../../test/support/harness.js';
import type { HumanInputRequest } from './runServices.js';

const RUN_ID = '0123abcd-0000-4000-8000-000000000000';

/** A provider that never answers on its own; it rejects when the run aborts its request. */
function hangingProvider(onRequest: (req: HumanInputRequest) => void) {
  return {
    request: (req: HumanInputRequest) =>
      new Promise<Value>((_resolve, reject) => {
        onRequest(req);
        req.signal.addEventListener('abort', () => reject(req.signal.reason), { once: true });
      }),
  };
}

/** Runs an apxm CLI command function with process.stdout captured. */
async function captureStdout(fn: () => Promise<number>): Promise<{ code: number; out: string }> {
  const original = process.stdout.write;
  let out = '';
  process.stdout.write = (chunk: string | Uint8Array) => {
    out += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return true;
  };
  try {
    const code = await fn();
    return { code, out };
  } finally {
    process.stdout.write = original;
  }
}

describe('PAUSE', () => {
  it('asks the human-input provider and passes the answer downstream; the checkpoint is stored as resumed', async () => {
    const rt = await makeRuntime({ now: () => 5_000 });
    const log = recordEvents(rt);
    const requests: HumanInputRequest[] = [];
    const r = await rt.execute(
      program({
        params: ['topic'],
        nodes: [
          [1, 'CONST_STR', { value: 'draft about {{topic}}' }],
          [2, 'PAUSE', { message: 'Approve the draft about {{topic}}?' }],
          [3, 'MERGE', { strategy: 'concat', separator: ' | ' }],
          [4, 'RETURN'],
        ],
        edges: [
          [1, 2],
          [2, 3],
          [1, 3],
          [3, 4],
        ],
      }),
      {
        args: { topic: 'tides' },
        runId: RUN_ID,
        humanInput: {
          request: async (req) => {
            requests.push(req);
            return 'approved with edits';
          },
        },
      },
    );
    assert.equal(r.status, 'succeeded', r.error?.message);
    assert.equal(r.result, 'approved with edits | draft about tides');
    assert.equal(r.outputs[2], 'approved with edits');

    assert.equal(requests.length, 1);
    const req = requests[0];
    assert.equal(req.checkpointId, 'chk_0123abcd_2', 'default id: chk_<first 8 chars of the run id>_<node id>');
    assert.equal(req.message, 'Approve the draft about tides?');
    assert.equal(req.displayData, 'draft about tides');
    assert.equal(req.runId, RUN_ID);
    assert.equal(req.nodeId, 2);
    assert.ok(req.signal instanceof AbortSignal);

    const asked = log.of('human:input-requested');
    assert.equal(asked.length, 1);
    assert.equal(asked[0].checkpointId, 'chk_0123abcd_2');
    assert.equal(asked[0].message, 'Approve the draft about tides?');

    const cp = rt.storage.checkpointGet('chk_0123abcd_2');
    assert.ok(cp);
    assert.equal(cp.status, 'resumed');
    assert.equal(cp.humanInput, 'approved with edits');
    assert.equal(cp.runId, RUN_ID);
    assert.equal(cp.nodeId, 2);
    assert.equal(cp.message, 'Approve the draft about tides?');
    assert.equal(cp.displayData, 'draft about tides');
    assert.equal(cp.createdAt, 5_000);
    assert.equal(cp.resumedAt, 5_000);
    assert.deepEqual(rt.storage.checkpointList('pending'), []);
    await rt.dispose();
  });

  it('uses an explicit checkpoint_id and passes structured answers through unchanged', async () => {
    const rt = await makeRuntime();
    const answer = { approved: true, notes: ['shorter intro'] };
    const r = await rt.execute(
      program({
        nodes: [
          [1, 'PAUSE', { message: 'review', checkpoint_id: 'review-1' }],
          [2, 'RETURN'],
        ],
        edges: [[1, 2]],
      }),
      {
        humanInput: { request: async (req) => (req.checkpointId === 'review-1' ? answer : 'wrong id') },
      },
    );
    assert.equal(r.status, 'succeeded', r.error?.message);
    assert.deepEqual(r.result, answer);
    const cp = rt.storage.checkpointGet('review-1');
    assert.equal(cp?.status, 'resumed');
    assert.deepEqual(cp?.humanInput, answer);
    assert.equal(cp?.displayData, null, 'no input → no display data');
    await rt.dispose();
  });

  it('fails with E_HUMAN_INPUT and a hint when no human-input provider is configured', async () => {
    const rt = await makeRuntime();
    const r = await rt.execute(
      program({
        nodes: [
          [1, 'PAUSE', { message: 'Continue?', checkpoint_id: 'nobody-home' }],
          [2, 'RETURN'],
        ],
        edges: [[1, 2]],
      }),
    );
    assert.equal(r.status, 'failed');
    assert.equal(r.error?.code, 'E_HUMAN_INPUT');
    assert.match(r.error?.message ?? '', /nobody-home/);
    assert.match(r.error?.message ?? '', /no human-input provider/);
    assert.match(r.error?.hint ?? '', /--answer/);
    // the checkpoint was written before asking and stays pending
    assert.equal(rt.storage.checkpointGet('nobody-home')?.status, 'pending');
    await rt.dispose();
  });

  it('expires the checkpoint and fails with E_TIMEOUT when timeout_ms passes without an answer', { timeout: 10_000 }, async () => {
    const rt = await makeRuntime();
    const r = await rt.execute(
      program({
        nodes: [
          [1, 'PAUSE', { message: 'quick!', checkpoint_id: 'hurry', timeout_ms: 20 }],
          [2, 'RETURN'],
        ],
        edges: [[1, 2]],
      }),
      {
        humanInput: hangingProvider(() => undefined),
      },
    );
    assert.equal(r.status, 'failed');
    assert.equal(r.error?.code, 'E_TIMEOUT');
    assert.equal(rt.storage.checkpointGet('hurry')?.status, 'expired');
    // a later RESUME of the expired checkpoint fails instead of waiting
    const resumed = await rt.execute(program({ nodes: [[1, 'RESUME', { checkpoint: 'hurry' }]] }));
    assert.equal(resumed.error?.code, 'E_HUMAN_INPUT');
    assert.match(resumed.error?.message ?? '', /expired/);
    await rt.dispose();
  });

  it("snapshots the run's STM into the checkpoint before asking", async () => {
    const rt = await makeRuntime();
    let seenSnapshot: Value | undefined;
    const r = await rt.execute(
      program({
        nodes: [
          [1, 'UMEM', { key: 'draft', value: 'v1' }],
          [2, 'PAUSE', { message: 'ok?', checkpoint_id: 'snap' }],
        ],
        edges: [[1, 2, 'Control']],
      }),
      {
        humanInput: {
          request: async (req) => {
            seenSnapshot = rt.storage.checkpointGet(req.checkpointId)?.snapshot;
            return 'yes';
          },
        },
      },
    );
    assert.equal(r.status, 'succeeded', r.error?.message);
    assert.deepEqual(seenSnapshot, { draft: 'v1' });
    assert.deepEqual(rt.storage.checkpointGet('snap')?.snapshot, { draft: 'v1' });
    await rt.dispose();
  });
});

describe('PAUSE across a restart', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'apxm-pause-'));
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps the pending checkpoint (with its STM snapshot) in SQLite; `apxm resume` answers it and a RESUME in a new run picks it up', async () => {
    const dbPath = path.join(dir, 'runs.sqlite');

    // 1. A run pauses; nobody answers; the process "stops" (cancel + dispose).
    const rt1 = await Runtime.create({ memoryConfig: { dbPath } });
    const ac = new AbortController();
    let asked!: () => void;
    const askedP = new Promise<void>((r) => (asked = r));
    const handle = rt1.start(
      program({
        nodes: [
          [1, 'UMEM', { key: 'draft', value: 'budget v3' }],
          [2, 'UMEM', { key: 'reviewer', value: 'ana' }],
          [3, 'PAUSE', { message: 'Approve the budget?', checkpoint_id: 'budget-approval' }],
          [4, 'RETURN'],
        ],
        edges: [
          [1, 3, 'Control'],
          [2, 3, 'Control'],
          [3, 4],
        ],
      }),
      { signal: ac.signal, humanInput: hangingProvider(() => asked()) },
    );
    await askedP;
    ac.abort();
    const first = await handle.result;
    assert.equal(first.status, 'cancelled');
    await rt1.dispose();

    // 2. A fresh runtime on the same file sees the pending checkpoint and its snapshot.
    const rt2 = await Runtime.create({ memoryConfig: { dbPath } });
    const pending = rt2.storage.checkpointList('pending');
    assert.deepEqual(
      pending.map((c) => c.id),
      ['budget-approval'],
    );
    assert.equal(pending[0].runId, handle.runId);
    assert.equal(pending[0].nodeId, 3);
    assert.equal(pending[0].message, 'Approve the budget?');
    assert.deepEqual(pending[0].snapshot, { draft: 'budget v3', reviewer: 'ana' });
    assert.equal(rt2.storage.runGet(handle.runId)?.status, 'paused', 'stopped while a PAUSE waits: paused, not lost');

    // 3. `apxm resume <id> --input ... --db <file>` answers it (JSON input is parsed).
    const { code, out } = await captureStdout(() => resumeCommand(['budget-approval', '--input', '{"approved":true}', '--db', dbPath]));
    assert.equal(code, 0);
    assert.equal(out, 'resumed budget-approval\n');
    const answered = rt2.storage.checkpointGet('budget-approval');
    assert.equal(answered?.status, 'resumed');
    assert.deepEqual(answered?.humanInput, { approved: true });
    assert.deepEqual(rt2.storage.checkpointList('pending'), []);

    // 4. A new run continues from the checkpoint with RESUME: STM restored, answer as output.
    const h2 = rt2.start(
      program({
        nodes: [
          [1, 'RESUME', { checkpoint: 'budget-approval', poll_interval_ms: 5, poll_max_attempts: 3 }],
          [2, 'QMEM', { query: 'draft', memory_tier: 'stm', mode: 'key' }],
          [3, 'MERGE', { strategy: 'array' }],
          [4, 'RETURN'],
        ],
        edges: [
          [1, 2, 'Control'],
          [1, 3],
          [2, 3],
          [3, 4],
        ],
      }),
    );
    const second = await h2.result;
    assert.equal(second.status, 'succeeded', second.error?.message);
    assert.deepEqual(second.result, [{ approved: true }, [{ key: 'draft', value: 'budget v3', score: 1 }]]);
    assert.equal(h2.stm.get('reviewer'), 'ana');
    assert.notEqual(h2.runId, handle.runId, 'a new run: the paused run itself is not continued');
    await rt2.dispose();
  });

  it('continues the paused run itself after a restart: finished nodes are not run again, PAUSE takes the stored answer', async () => {
    const dbPath = path.join(dir, 'continue.sqlite');
    const calls: unknown[] = [];
    const counting = (rt: Runtime) =>
      tool(rt, 'book', async (p) => (calls.push(p), { booked: p.item }), { type: 'object', properties: { item: { type: 'string' } } });
    const graph = program({
      params: ['item'],
      nodes: [
        [1, 'INV', { capability: 'book', params: { item: '{{item}}' } }],
        [2, 'PAUSE', { message: 'Confirm the booking?' }],
        [3, 'MERGE', { strategy: 'array' }],
        [4, 'RETURN'],
      ],
      edges: [
        [1, 2],
        [1, 3],
        [2, 3],
        [3, 4],
      ],
    });

    const rt1 = await Runtime.create({ memoryConfig: { dbPath } });
    counting(rt1);
    const ac = new AbortController();
    let asked!: (id: string) => void;
    const askedP = new Promise<string>((r) => (asked = r));
    const handle = rt1.start(graph, {
      args: { item: 'hotel' },
      signal: ac.signal,
      humanInput: { request: (req) => (asked(req.checkpointId), new Promise(() => undefined)) },
    });
    const checkpointId = await askedP;
    ac.abort();
    assert.equal((await handle.result).status, 'cancelled');
    await rt1.dispose();
    assert.equal(calls.length, 1);

    const { code } = await captureStdout(() => resumeCommand([checkpointId, '--input', 'yes', '--db', dbPath]));
    assert.equal(code, 0);

    const rt2 = await Runtime.create({ memoryConfig: { dbPath } });
    counting(rt2);
    const log = recordEvents(rt2);
    const cont = rt2.start(graph, {
      continueRun: handle.runId,
      humanInput: { request: async () => assert.fail('the stored answer must be used') },
    });
    const r = await cont.result;
    assert.equal(r.status, 'succeeded', r.error?.message);
    assert.equal(cont.runId, handle.runId, 'the same run continues');
    assert.deepEqual(r.result, [{ booked: 'hotel' }, 'yes']);
    assert.equal(calls.length, 1, 'the capability is not invoked again');
    assert.deepEqual(
      log
        .of('node:finished')
        .filter((e) => e.replayed)
        .map((e) => e.nodeId),
      [1],
    );
    assert.equal(rt2.storage.runGet(handle.runId)?.status, 'succeeded');
    await assert.rejects(async () => rt2.start(graph, { continueRun: handle.runId }).result, /already succeeded/);
    await rt2.dispose();
  });

  it('an answer written to the checkpoint by another process unblocks a live PAUSE', async () => {
    const rt = await makeRuntime();
    let asked!: (id: string) => void;
    const askedP = new Promise<string>((r) => (asked = r));
    let providerAborted = false;
    const handle = rt.start(
      program({
        nodes: [
          [1, 'PAUSE', { message: 'ok?' }],
          [2, 'RETURN'],
        ],
        edges: [[1, 2]],
      }),
      {
        humanInput: {
          request: (req) => {
            asked(req.checkpointId);
            return new Promise((_, reject) =>
              req.signal.addEventListener('abort', () => ((providerAborted = true), reject(new Error('aborted')))),
            );
          },
        },
      },
    );
    const id = await askedP;
    const cp = rt.storage.checkpointGet(id)!;
    rt.storage.checkpointPut({ ...cp, status: 'resumed', humanInput: 'from the CLI', resumedAt: Date.now() });
    const r = await handle.result;
    assert.equal(r.result, 'from the CLI');
    assert.equal(providerAborted, true, "the provider's prompt is withdrawn");
    await rt.dispose();
  });

  it('`apxm resume` of an unknown checkpoint fails with E_HUMAN_INPUT', async () => {
    const dbPath = path.join(dir, 'empty.sqlite');
    await (await Runtime.create({ memoryConfig: { dbPath } })).dispose(); // resume needs an existing database
    const code = await resumeCommand(['nope', '--input', 'x', '--db', dbPath]).then(
      () => 'no error',
      (e: { code?: string; message: string }) => `${e.code}: ${e.message}`,
    );
    assert.match(code, /^E_HUMAN_INPUT: no checkpoint "nope"/);
  });
});

describe('RESUME', () => {
  it('waits for a checkpoint answered later by a PAUSE of the same run and returns the answer', async () => {
    const rt = await makeRuntime();
    // the checkpoint exists whichever of PAUSE / RESUME starts first (PAUSE rewrites it as pending)
    rt.storage.checkpointPut({
      id: 'signoff',
      runId: 'r',
      nodeId: 1,
      message: 'sign off?',
      displayData: null,
      status: 'pending',
      snapshot: {},
      createdAt: 1,
    });
    let answer!: (v: Value) => void;
    let asked!: () => void;
    const askedP = new Promise<void>((r) => (asked = r));
    const handle = rt.start(
      program({
        nodes: [
          [1, 'PAUSE', { message: 'sign off?', checkpoint_id: 'signoff' }],
          [2, 'RESUME', { checkpoint: 'signoff', poll_interval_ms: 5, poll_max_attempts: 2000 }],
          [3, 'MERGE', { strategy: 'object' }],
        ],
        edges: [
          [1, 3],
          [2, 3],
        ],
      }),
      {
        humanInput: {
          request: () =>
            new Promise<Value>((r) => {
              answer = r;
              asked();
            }),
        },
      },
    );
    await askedP;
    // answer only once RESUME has had time to poll and find the checkpoint pending
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(rt.storage.checkpointGet('signoff')?.status, 'pending');
    answer('signed');
    const r = await handle.result;
    assert.equal(r.status, 'succeeded', r.error?.message);
    assert.equal(r.outputs[1], 'signed');
    assert.equal(r.outputs[2], 'signed');
    await rt.dispose();
  });

  it('restores only STM keys the run does not already have', async () => {
    const rt = await makeRuntime();
    rt.storage.checkpointPut({
      id: 'old',
      runId: 'earlier-run',
      nodeId: 7,
      message: 'm',
      displayData: null,
      status: 'resumed',
      humanInput: 'go on',
      snapshot: { draft: 'from checkpoint', step: 3 },
      createdAt: 1,
      resumedAt: 2,
    });
    const handle = rt.start(
      program({
        nodes: [
          [1, 'UMEM', { key: 'draft', value: 'newer' }],
          [2, 'RESUME', { checkpoint: 'old' }],
          [3, 'RETURN'],
        ],
        edges: [
          [1, 2, 'Control'],
          [2, 3],
        ],
      }),
    );
    const r = await handle.result;
    assert.equal(r.status, 'succeeded', r.error?.message);
    assert.equal(r.result, 'go on');
    assert.equal(handle.stm.get('draft'), 'newer');
    assert.equal(handle.stm.get('step'), 3);
    await rt.dispose();
  });

  it('returns null when the checkpoint was resumed without an answer', async () => {
    const rt = await makeRuntime();
    rt.storage.checkpointPut({
      id: 'bare',
      runId: 'r',
      nodeId: 1,
      message: 'm',
      displayData: null,
      status: 'resumed',
      snapshot: {},
      createdAt: 1,
    });
    const r = await rt.execute(
      program({
        nodes: [
          [1, 'RESUME', { checkpoint_id: 'bare' }],
          [2, 'RETURN'],
        ],
        edges: [[1, 2]],
      }),
    );
    assert.equal(r.status, 'succeeded', r.error?.message);
    assert.equal(r.result, null);
    await rt.dispose();
  });

  it('fails with E_HUMAN_INPUT for an unknown or expired checkpoint', async () => {
    const rt = await makeRuntime();
    const missing = await rt.execute(program({ nodes: [[1, 'RESUME', { checkpoint: 'ghost' }]] }));
    assert.equal(missing.status, 'failed');
    assert.equal(missing.error?.code, 'E_HUMAN_INPUT');
    assert.match(missing.error?.message ?? '', /checkpoint 'ghost' does not exist/);
    assert.match(missing.error?.hint ?? '', /PAUSE/);

    rt.storage.checkpointPut({
      id: 'late',
      runId: 'r',
      nodeId: 1,
      message: 'm',
      displayData: null,
      status: 'expired',
      snapshot: {},
      createdAt: 1,
    });
    const expired = await rt.execute(program({ nodes: [[1, 'RESUME', { checkpoint: 'late' }]] }));
    assert.equal(expired.status, 'failed');
    assert.equal(expired.error?.code, 'E_HUMAN_INPUT');
    assert.match(expired.error?.message ?? '', /checkpoint 'late' expired/);
    await rt.dispose();
  });

  it('gives up with E_TIMEOUT after poll_max_attempts on a checkpoint that stays pending', async () => {
    const rt = await makeRuntime();
    rt.storage.checkpointPut({
      id: 'waiting',
      runId: 'r',
      nodeId: 1,
      message: 'm',
      displayData: null,
      status: 'pending',
      snapshot: {},
      createdAt: 1,
    });
    const r = await rt.execute(program({ nodes: [[1, 'RESUME', { checkpoint: 'waiting', poll_max_attempts: 3, poll_interval_ms: 2 }]] }));
    assert.equal(r.status, 'failed');
    assert.equal(r.error?.code, 'E_TIMEOUT');
    assert.match(r.error?.message ?? '', /not resumed within 3 attempts \(2 ms each\)/);
    assert.match(r.error?.hint ?? '', /apxm resume waiting --input/);
    await rt.dispose();
  });
});

describe('CLAIM', () => {
  it('claims the oldest pending task, records the lease and keeps the claim token in STM', async () => {
    const now = 1_000_000;
    const rt = await makeRuntime({ now: () => now });
    const first = rt.storage.queuePush('jobs', { n: 1 }, 1);
    const second = rt.storage.queuePush('jobs', { n: 2 }, 2);
    const handle = rt.start(
      program({
        name: 'Worker.main',
        nodes: [
          [1, 'CLAIM', { queue: 'jobs', lease_ms: 30_000 }],
          [2, 'RETURN'],
        ],
        edges: [[1, 2]],
      }),
      { runId: 'run-claim-1' },
    );
    const r = await handle.result;
    assert.equal(r.status, 'succeeded', r.error?.message);
    const out = r.result as { task_data: Value; task_id: string; claim_token: string };
    assert.deepEqual(out.task_data, { n: 1 });
    assert.equal(out.task_id, first);
    assert.match(out.claim_token, /^[0-9a-f-]{36}$/);
    assert.equal(handle.stm.get(`_claim_token:${first}`), out.claim_token);

    const tasks = rt.storage.queueList('jobs');
    assert.deepEqual(
      tasks.map((t) => [t.taskId, t.status]),
      [
        [first, 'claimed'],
        [second, 'pending'],
      ],
    );
    assert.equal(tasks[0].claimedBy, 'Worker.main@run-claim-1', 'default agent id: <flow>@<run id>');
    assert.equal(tasks[0].claimToken, out.claim_token);
    assert.equal(tasks[0].leaseUntil, now + 30_000);
    assert.equal(tasks[1].claimedBy, undefined);
    await rt.dispose();
  });

  it('gives two CLAIM nodes of one run different tasks, in queue order', async () => {
    const rt = await makeRuntime();
    const ids = ['a', 'b', 'c'].map((x, k) => rt.storage.queuePush('work', x, k));
    const r = await rt.execute(
      program({
        nodes: [
          [1, 'CLAIM', { queue: 'work', agent_id: 'w1' }],
          [2, 'CLAIM', { queue: 'work', agent_id: 'w2' }],
          [3, 'MERGE', { strategy: 'array' }],
        ],
        edges: [
          [1, 3],
          [2, 3],
        ],
      }),
    );
    assert.equal(r.status, 'succeeded', r.error?.message);
    const claimed = r.result as { task_data: Value; task_id: string; claim_token: string }[];
    assert.equal(claimed.length, 2);
    assert.deepEqual(claimed.map((c) => c.task_data).sort(), ['a', 'b']);
    assert.notEqual(claimed[0].task_id, claimed[1].task_id);
    assert.notEqual(claimed[0].claim_token, claimed[1].claim_token);
    const tasks = rt.storage.queueList('work');
    assert.deepEqual(
      tasks.map((t) => t.status),
      ['claimed', 'claimed', 'pending'],
    );
    assert.deepEqual(
      tasks.map((t) => t.taskId),
      ids,
    );
    assert.deepEqual(
      tasks
        .slice(0, 2)
        .map((t) => t.claimedBy)
        .sort(),
      ['w1', 'w2'],
    );
    // each node's output matches the lease recorded for its agent
    for (const t of tasks.slice(0, 2)) assert.equal(claimed.find((c) => c.task_id === t.taskId)?.claim_token, t.claimToken);
    await rt.dispose();
  });

  it('fails with E_QUEUE_EMPTY (not retryable) when nothing arrives within max_wait_ms', async () => {
    const rt = await makeRuntime();
    rt.storage.queuePush('other', 'not for us');
    const r = await rt.execute(program({ nodes: [[1, 'CLAIM', { queue: 'empty', max_wait_ms: 0 }]] }));
    assert.equal(r.status, 'failed');
    assert.equal(r.error?.code, 'E_QUEUE_EMPTY');
    assert.match(r.error?.message ?? '', /no tasks available in queue 'empty' after waiting 0 ms/);
    assert.match(r.error?.hint ?? '', /apxm queue push empty/);
    assert.equal(r.error?.retryable, false);
    assert.equal(rt.storage.queueList('other')[0].status, 'pending', 'other queues are untouched');
    await rt.dispose();
  });

  it(
    'measures max_wait_ms on the real clock, so an injected clock that stands still does not make it wait forever',
    { timeout: 10_000 },
    async () => {
      const rt = await makeRuntime({ now: () => 42 });
      const r = await rt.execute(program({ nodes: [[1, 'CLAIM', { queue: 'never', max_wait_ms: 30 }]] }));
      assert.equal(r.status, 'failed');
      assert.equal(r.error?.code, 'E_QUEUE_EMPTY');
      await rt.dispose();
    },
  );

  it('waits up to max_wait_ms for a task pushed while it waits', async () => {
    const rt = await makeRuntime();
    const handle = rt.start(
      program({
        nodes: [
          [1, 'CLAIM', { queue: 'late', max_wait_ms: 30_000 }],
          [2, 'RETURN'],
        ],
        edges: [[1, 2]],
      }),
    );
    await new Promise((r) => setTimeout(r, 20));
    const id = rt.storage.queuePush('late', { job: 'arrived' });
    const r = await handle.result;
    assert.equal(r.status, 'succeeded', r.error?.message);
    assert.deepEqual(r.result && (r.result as { task_data: Value }).task_data, { job: 'arrived' });
    assert.equal((r.result as { task_id: string }).task_id, id);
    await rt.dispose();
  });

  it('lets another agent re-claim a task whose lease expired, but not one still leased', async () => {
    let now = 10_000;
    const rt = await makeRuntime({ now: () => now });
    const id = rt.storage.queuePush('leases', 'only task', 0);
    const claimOnce = (agent: string) =>
      rt.execute(program({ nodes: [[1, 'CLAIM', { queue: 'leases', agent_id: agent, lease_ms: 1000, max_wait_ms: 0 }]] }));
    const a = await claimOnce('agent-a');
    assert.equal(a.status, 'succeeded', a.error?.message);
    assert.equal((a.result as { task_id: string }).task_id, id);

    now = 10_500; // lease of agent-a still valid
    const b = await claimOnce('agent-b');
    assert.equal(b.error?.code, 'E_QUEUE_EMPTY');

    now = 11_001; // lease expired
    const c = await claimOnce('agent-c');
    assert.equal(c.status, 'succeeded', c.error?.message);
    assert.equal((c.result as { task_id: string }).task_id, id);
    assert.notEqual((c.result as { claim_token: string }).claim_token, (a.result as { claim_token: string }).claim_token);
    const [task] = rt.storage.queueList('leases');
    assert.equal(task.claimedBy, 'agent-c');
    assert.equal(task.leaseUntil, 12_001);
    await rt.dispose();
  });
});

describe('UPDATE_GOAL', () => {
  it('sets goals (description from input or attribute), updates by goal_id without duplicates, completes and cancels', async () => {
    const rt = await makeRuntime();
    const r = await rt.execute(
      program({
        nodes: [
          [1, 'CONST_STR', { value: 'Ship the release notes' }],
          [2, 'UPDATE_GOAL', { goal_id: 'notes', priority: 5 }, 'setNotes'],
          [3, 'UPDATE_GOAL', { goal_id: 'tests', description: 'Make CI green', priority: 9 }, 'setTests'],
          [4, 'UPDATE_GOAL', { goal_id: 'docs' }, 'setDocs'],
          [5, 'CONST_STR', { value: 'Ship the release notes and blog post' }],
          [6, 'UPDATE_GOAL', { goal_id: 'notes', priority: 10 }, 'updateNotes'],
          [7, 'UPDATE_GOAL', { goal_id: 'tests', action: 'COMPLETE' }, 'completeTests'],
          [8, 'UPDATE_GOAL', { goal_id: 'docs', action: 'cancel' }, 'cancelDocs'],
          [9, 'UPDATE_GOAL', { goal_id: 'unknown', action: 'complete' }, 'completeUnknown'],
        ],
        edges: [
          [1, 2],
          [2, 3, 'Control'],
          [3, 4, 'Control'],
          [4, 6, 'Control'],
          [5, 6],
          [6, 7, 'Control'],
          [7, 8, 'Control'],
          [8, 9, 'Control'],
        ],
      }),
    );
    assert.equal(r.status, 'succeeded', r.error?.message);
    assert.equal(r.outputs[2], 'set');
    assert.equal(r.outputs[6], 'set');
    assert.equal(r.outputs[7], 'completed');
    assert.equal(r.outputs[8], 'cancelled');
    assert.equal(r.outputs[9], 'not_found');
    assert.deepEqual(r.goals, [
      { key: 'notes', description: 'Ship the release notes and blog post', priority: 10, status: 'active' },
      { key: 'tests', description: 'Make CI green', priority: 9, status: 'completed' },
      { key: 'docs', description: 'docs', priority: 1, status: 'cancelled' },
    ]);
    await rt.dispose();
  });

  it('removes one goal or clears them all', async () => {
    const rt = await makeRuntime();
    const removeOne = await rt.execute(
      program({
        nodes: [
          [1, 'UPDATE_GOAL', { goal_id: 'a', priority: 2 }],
          [2, 'UPDATE_GOAL', { goal_id: 'b', priority: 3 }],
          [3, 'UPDATE_GOAL', { goal_id: 'a', action: 'remove' }],
          [4, 'UPDATE_GOAL', { goal_id: 'a', action: 'remove' }],
        ],
        edges: [
          [1, 2, 'Control'],
          [2, 3, 'Control'],
          [3, 4, 'Control'],
        ],
      }),
    );
    assert.equal(removeOne.status, 'succeeded', removeOne.error?.message);
    assert.equal(removeOne.outputs[3], 'removed');
    assert.equal(removeOne.outputs[4], 'not_found');
    assert.deepEqual(
      removeOne.goals.map((g) => g.key),
      ['b'],
    );

    const cleared = await rt.execute(
      program({
        nodes: [
          [1, 'UPDATE_GOAL', { goal_id: 'x' }],
          [2, 'UPDATE_GOAL', { goal_id: 'y' }],
          [3, 'UPDATE_GOAL', { action: 'clear' }],
        ],
        edges: [
          [1, 3, 'Control'],
          [2, 3, 'Control'],
        ],
      }),
    );
    assert.equal(cleared.status, 'succeeded', cleared.error?.message);
    assert.equal(cleared.outputs[3], 'cleared');
    assert.deepEqual(cleared.goals, []);
    await rt.dispose();
  });

  it('keeps goals per run and rejects a set without goal_id', async () => {
    const rt = await makeRuntime();
    const one = await rt.execute(program({ nodes: [[1, 'UPDATE_GOAL', { goal_id: 'only-in-run-1' }]] }));
    assert.deepEqual(
      one.goals.map((g) => g.key),
      ['only-in-run-1'],
    );
    const two = await rt.execute(program({ nodes: [[1, 'CONST_STR', { value: 'x' }]] }));
    assert.deepEqual(two.goals, [], 'each run gets its own AAM');
    const bad = await rt.execute(program({ nodes: [[1, 'UPDATE_GOAL', { action: 'set' }]] }));
    assert.equal(bad.status, 'failed');
    assert.equal(bad.error?.code, 'E_ATTRIBUTE');
    assert.match(bad.error?.message ?? '', /goal_id/);
    await rt.dispose();
  });
});
