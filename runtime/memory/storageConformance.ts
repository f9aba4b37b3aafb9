/**
 * The one conformance suite every StorageBackend passes. Each backend's test file calls it with
 * a factory; nothing here knows which driver is underneath.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RunLease, RunRecord, StorageBackend } from './storage.js';
import { textOf } from '../values/value.js';

export function storageConformance(name: string, open: () => Promise<StorageBackend> | StorageBackend): void {
  describe(`StorageBackend conformance: ${name}`, () => {
    const withStore = (fn: (s: StorageBackend) => void | Promise<void>) => async () => {
      const s = await open();
      try {
        await fn(s);
      } finally {
        s.close();
      }
    };

    it(
      'LTM round-trips JSON values and keeps createdAt on update',
      withStore((s) => {
        s.ltmPut('user:1', { name: 'Ada', tags: ['x', 1, null, true] }, 1000);
        assert.deepEqual(s.ltmGet('user:1'), {
          key: 'user:1',
          value: { name: 'Ada', tags: ['x', 1, null, true] },
          createdAt: 1000,
          updatedAt: 1000,
        });
        s.ltmPut('user:1', 'replaced', 2000);
        assert.deepEqual(s.ltmGet('user:1'), { key: 'user:1', value: 'replaced', createdAt: 1000, updatedAt: 2000 });
        assert.equal(s.ltmGet('missing'), undefined);
        assert.equal(s.ltmCount(), 1);
      }),
    );

    it(
      'LTM delete removes the entry from every index',
      withStore((s) => {
        s.ltmPut('city:lisbon', 'sunny harbour town');
        assert.equal(s.ltmDelete('city:lisbon'), true);
        assert.equal(s.ltmDelete('city:lisbon'), false);
        assert.equal(s.ltmGet('city:lisbon'), undefined);
        assert.deepEqual(s.ltmSearchKeys('lisbon', 10), []);
        assert.deepEqual(s.ltmSearchText('harbour', 10), []);
      }),
    );

    it(
      'key search: exact, then prefix, then case-insensitive substring, with a limit',
      withStore((s) => {
        for (const k of ['note', 'note:2', 'note:1', 'my-NOTE', 'other', 'x_note_y']) s.ltmPut(k, k);
        assert.deepEqual(
          s.ltmSearchKeys('note', 10).map((h) => h.key),
          ['note', 'note:1', 'note:2', 'my-NOTE', 'x_note_y'],
        );
        assert.deepEqual(
          s.ltmSearchKeys('note', 2).map((h) => h.key),
          ['note', 'note:1'],
        );
        assert.deepEqual(
          s.ltmSearchKeys('no', 10).map((h) => h.key),
          ['note', 'note:1', 'note:2', 'my-NOTE', 'x_note_y'],
        );
        assert.deepEqual(s.ltmSearchKeys('%', 10), []);
        assert.deepEqual(
          s.ltmSearchKeys('_', 10).map((h) => h.key),
          ['x_note_y'],
        );
        assert.equal(s.ltmSearchKeys('note', 0).length, 0);
        assert.ok(s.ltmSearchKeys('note', 10).every((h) => h.score === 1));
      }),
    );

    it(
      'full-text search ranks all-words matches, falls back to any word, and never treats input as query syntax',
      withStore((s) => {
        s.ltmPut('trip:lisbon', { summary: 'Lisbon has trams and custard tarts', days: 3 });
        s.ltmPut('trip:porto', { summary: 'Porto has port wine and trams' });
        s.ltmPut('recipe', 'custard with sugar');
        const both = s.ltmSearchText('custard trams', 10);
        assert.deepEqual(
          both.map((h) => h.key),
          ['trip:lisbon'],
        );
        assert.ok(both[0].score > 0 && both[0].score <= 1);
        assert.deepEqual(
          s
            .ltmSearchText('wine custard', 10)
            .map((h) => h.key)
            .sort(),
          ['recipe', 'trip:lisbon', 'trip:porto'],
        );
        assert.deepEqual(
          s.ltmSearchText('porto', 10).map((h) => h.key),
          ['trip:porto'],
        );
        assert.deepEqual(s.ltmSearchText('NEAR( "zebra* OR -quokka', 10), []);
        assert.deepEqual(s.ltmSearchText('   ', 10), []);
        assert.equal(s.ltmSearchText('trams', 1).length, 1);
      }),
    );

    it(
      'searches words found in thousands of entries quickly, preferring rarer words when not all match',
      withStore((s) => {
        s.ltmPutMany(Array.from({ length: 2100 }, (_, i) => ({ key: `log:${String(i).padStart(4, '0')}`, value: `common line ${i}` })));
        s.ltmPut('odd', 'a zebra crossing');
        const common = s.ltmSearchText('common', 5);
        assert.equal(common.length, 5);
        assert.ok(common.every((h) => textOf(h.value).startsWith('common line')));
        assert.deepEqual(
          s.ltmSearchText('common zebra', 5).map((h) => h.key),
          ['odd'],
          'no entry has both: the rare word decides',
        );
        assert.deepEqual(
          s.ltmSearchText('common 1234', 5).map((h) => h.key),
          ['log:1234'],
        );
        assert.deepEqual(
          s.ltmSearchText('log common 1234', 5).map((h) => h.key),
          ['log:1234'],
          'two common words and a rare one',
        );
        const allCommon = s.ltmSearchText('common line', 5);
        assert.equal(allCommon.length, 5);
        assert.ok(allCommon.every((h) => /^common line \d+$/.test(textOf(h.value)) && h.score > 0 && h.score <= 1));
      }),
    );

    it(
      'lists LTM pages by key, optionally under a prefix',
      withStore((s) => {
        for (let i = 0; i < 25; i++) s.ltmPut(`k:${String(i).padStart(2, '0')}`, i);
        s.ltmPut('z', 'last');
        assert.deepEqual(
          s.ltmList(0, 3).map((e) => e.key),
          ['k:00', 'k:01', 'k:02'],
        );
        assert.deepEqual(
          s.ltmList(24, 10).map((e) => e.key),
          ['k:24', 'z'],
        );
        assert.deepEqual(
          s.ltmList(0, 100, 'k:2').map((e) => e.value),
          [20, 21, 22, 23, 24],
        );
        assert.equal(s.ltmCount(), 26);
        assert.equal(s.ltmCount('k:2'), 5);
        assert.equal(s.ltmCount('nothing'), 0);
      }),
    );

    it(
      'lists LTM pages most recently updated first, ties by key, under a prefix too',
      withStore((s) => {
        s.ltmPut('a', 1, 1000);
        s.ltmPut('b', 2, 3000);
        s.ltmPut('c', 3, 2000);
        s.ltmPut('d', 4, 3000);
        s.ltmPut('a', 5, 4000); // an update moves it first; its creation time stays
        assert.deepEqual(
          s.ltmList(0, 10, undefined, 'updated').map((e) => e.key),
          ['a', 'b', 'd', 'c'],
        );
        assert.deepEqual(
          s.ltmList(1, 2, undefined, 'updated').map((e) => e.key),
          ['b', 'd'],
        );
        assert.deepEqual(
          s.ltmList(0, 10, 'c', 'updated').map((e) => [e.key, e.createdAt, e.updatedAt]),
          [['c', 2000, 2000]],
        );
        assert.equal(s.ltmList(0, 10, undefined, 'key')[0].createdAt, 1000);
      }),
    );

    it(
      'episodic log appends in order and filters by run, type, node and seq',
      withStore((s) => {
        const ev = (runId: string, eventType: string, nodeId: number | null, t: number) => ({
          runId,
          frameId: nodeId === null ? null : 1,
          nodeId,
          eventType,
          payload: { t },
          timestamp: t,
        });
        const seqs = s.episodicAppend([ev('r1', 'op_start', 1, 1), ev('r1', 'op_success', 1, 2), ev('r2', 'op_start', 5, 3)]);
        assert.equal(seqs.length, 3);
        assert.ok(seqs[0] < seqs[1] && seqs[1] < seqs[2]);
        assert.deepEqual(s.episodicAppend([]), []);
        assert.deepEqual(
          s.episodicQuery({ runId: 'r1' }).map((e) => e.eventType),
          ['op_start', 'op_success'],
        );
        assert.deepEqual(
          s.episodicQuery({ eventType: 'start' }).map((e) => e.runId),
          ['r1', 'r2'],
        );
        assert.deepEqual(
          s.episodicQuery({ nodeId: 5 }).map((e) => e.payload),
          [{ t: 3 }],
        );
        assert.deepEqual(
          s.episodicQuery({ afterSeq: seqs[0] }).map((e) => e.seq),
          seqs.slice(1),
        );
        assert.deepEqual(
          s.episodicQuery({ order: 'desc', limit: 1 }).map((e) => e.seq),
          [seqs[2]],
        );
        assert.deepEqual(
          s.episodicQuery({ limit: 1, offset: 1 }).map((e) => e.seq),
          [seqs[1]],
        );
        const first = s.episodicQuery({ runId: 'r1', limit: 1 })[0];
        assert.deepEqual(first, {
          seq: seqs[0],
          runId: 'r1',
          frameId: 1,
          nodeId: 1,
          eventType: 'op_start',
          payload: { t: 1 },
          timestamp: 1,
        });
        assert.equal(s.episodicCount(), 3);
        assert.equal(s.episodicCount('r2'), 1);
      }),
    );

    it(
      "stores an event's payloadJson when it has one (the payload as it was when the recorder took it)",
      withStore((s) => {
        const payload = { items: [1, 'changed later'] };
        s.episodicAppend([
          {
            runId: 'j',
            frameId: null,
            nodeId: null,
            eventType: 'run_end',
            payload,
            payloadJson: JSON.stringify({ items: [1] }),
            timestamp: 1,
          },
        ]);
        const [back] = s.episodicQuery({ runId: 'j' });
        assert.deepEqual(back.payload, { items: [1] });
        assert.equal((back as { payloadJson?: string }).payloadJson, undefined, 'a read gives the payload, not the text');
      }),
    );

    it(
      'appends large batches with increasing seqs, in order',
      withStore((s) => {
        const events = Array.from({ length: 150 }, (_, i) => ({
          runId: i % 3 ? 'big' : 'other',
          frameId: 1,
          nodeId: i,
          eventType: 'op_success',
          payload: { i },
          timestamp: i,
        }));
        const seqs = s.episodicAppend(events);
        assert.equal(seqs.length, 150);
        for (let i = 1; i < seqs.length; i++) assert.ok(seqs[i] > seqs[i - 1]);
        const back = s.episodicQuery({ runId: 'big' });
        assert.deepEqual(
          back.map((e) => e.nodeId),
          events.filter((e) => e.runId === 'big').map((e) => e.nodeId),
        );
        assert.deepEqual(
          back.map((e) => e.seq),
          seqs.filter((_, i) => i % 3),
        );
        assert.deepEqual(s.episodicQuery({ runId: 'nobody' }), []);
        assert.equal(s.episodicCount('nobody'), 0);
      }),
    );

    it(
      'runs are upserted and listed newest first',
      withStore((s) => {
        s.runPut({ runId: 'a', program: 'p.json', entryFlow: 'main', status: 'running', startedAt: 10, args: { x: 1 } });
        s.runPut({ runId: 'b', program: 'p.json', entryFlow: 'main', status: 'running', startedAt: 20, args: {} });
        s.runPut({
          runId: 'a',
          program: 'p.json',
          entryFlow: 'main',
          status: 'succeeded',
          startedAt: 10,
          finishedAt: 15,
          args: { x: 1 },
          result: 'ok',
        });
        assert.deepEqual(s.runGet('a'), {
          runId: 'a',
          program: 'p.json',
          entryFlow: 'main',
          status: 'succeeded',
          startedAt: 10,
          finishedAt: 15,
          args: { x: 1 },
          result: 'ok',
        });
        assert.deepEqual(
          s.runList(10).map((r) => r.runId),
          ['b', 'a'],
        );
        assert.deepEqual(
          s.runList(1, 1).map((r) => r.runId),
          ['a'],
        );
        assert.equal(s.runGet('zzz'), undefined);
      }),
    );

    it(
      'runDelete removes one run with its events and checkpoints, and no other run',
      withStore((s) => {
        for (const [runId, startedAt] of [
          ['a', 10],
          ['b', 20],
          ['c', 30],
        ] as const) {
          s.runPut({ runId, program: 'p.json', entryFlow: 'main', status: 'succeeded', startedAt, args: {} });
          s.episodicAppend(
            [1, 2].map((n) => ({ runId, frameId: 1, nodeId: n, eventType: 'op_start', payload: n, timestamp: startedAt + n })),
          );
          s.checkpointPut({
            id: `cp-${runId}`,
            runId,
            nodeId: 1,
            message: 'ok?',
            displayData: null,
            status: 'pending',
            snapshot: {},
            createdAt: startedAt,
          });
        }
        assert.equal(s.runDelete('c'), true);
        assert.equal(s.runDelete('b'), true);
        assert.equal(s.runDelete('b'), false, 'a second delete finds nothing');
        assert.equal(s.runDelete('zzz'), false);
        assert.deepEqual(
          s.runList(10).map((r) => r.runId),
          ['a'],
        );
        assert.equal(s.episodicCount('b'), 0);
        assert.equal(s.episodicCount('a'), 2);
        assert.equal(s.episodicCount(), 2);
        assert.deepEqual(
          s.checkpointList().map((c) => c.id),
          ['cp-a'],
        );
        // a run recorded again under a deleted id starts afresh
        const [seq] = s.episodicAppend([{ runId: 'b', frameId: 1, nodeId: 9, eventType: 'op_start', payload: 9, timestamp: 99 }]);
        assert.deepEqual(
          s.episodicQuery({ runId: 'b' }).map((e) => e.nodeId),
          [9],
        );
        assert.ok(seq > s.episodicQuery({ runId: 'a' }).at(-1)!.seq!, 'a new seq follows the kept run');
      }),
    );

    const lease = (token: string, at: number, ms = 1000): RunLease => ({
      host: 'h',
      pid: 42,
      token,
      startedAt: at,
      heartbeatAt: at,
      expiresAt: at + ms,
    });
    const run = (status: RunRecord['status'], extra: Partial<RunRecord> = {}): RunRecord => ({
      runId: 'L',
      program: 'p.json',
      entryFlow: 'main',
      status,
      startedAt: 10,
      args: { a: 1 },
      ...extra,
    });

    it(
      'run leases: a new run is inserted with its lease; a held lease is refused until released or expired',
      withStore((s) => {
        const a = s.runAcquire(run('running'), lease('A', 100), 100);
        assert.deepEqual(a, { ...run('running'), lease: lease('A', 100) });
        assert.deepEqual(s.runGet('L')?.lease, lease('A', 100));
        assert.deepEqual(s.runList(10)[0].lease, lease('A', 100));
        // B is refused while A's lease runs, whatever B would write
        const refused = s.runAcquire(run('running', { startedAt: 99 }), lease('B', 200), 200);
        assert.equal(refused.lease?.token, 'A');
        assert.equal(refused.startedAt, 10);
        // renewing needs the holder's token
        assert.equal(s.runRenew('L', 'B', 5000, 300), false);
        assert.equal(s.runRenew('L', 'A', 2500, 300), true);
        assert.deepEqual(s.runGet('L')?.lease, { ...lease('A', 100), heartbeatAt: 300, expiresAt: 2500 });
        assert.equal(s.runAcquire(run('running'), lease('B', 1500), 1500).lease?.token, 'A', 'renewed: not expired at 1500');
        // runPut (the run's records) never touches the lease
        s.runPut({ ...run('paused'), lease: lease('X', 0) });
        assert.equal(s.runGet('L')?.lease?.token, 'A');
        assert.equal(s.runGet('L')?.status, 'paused');
        // released: free for the next owner, who takes it with its own status, keeping startedAt and clearing the end
        assert.equal(s.runRelease('L', 'B'), false);
        assert.equal(s.runRelease('L', 'A'), true);
        assert.equal(s.runRelease('L', 'A'), false);
        assert.equal(s.runGet('L')?.lease, undefined);
        s.runPut(run('failed', { finishedAt: 20, error: { code: 'E' } }));
        const b = s.runAcquire(run('running', { startedAt: 77 }), lease('B', 3000), 3000);
        assert.deepEqual(b, { ...run('running'), lease: lease('B', 3000) });
        assert.equal(s.runRenew('L', 'A', 9000, 3000), false, 'a released token renews nothing');
      }),
    );

    it(
      'run leases: an expired lease, or one held by the token a caller found gone, is taken over; a succeeded run never is',
      withStore((s) => {
        s.runAcquire(run('running'), lease('A', 100), 100);
        assert.equal(s.runAcquire(run('running'), lease('B', 1100), 1100).lease?.token, 'A', 'expires at 1100: still held at 1100');
        assert.equal(s.runAcquire(run('running'), lease('B', 1101), 1101).lease?.token, 'B', 'expired');
        assert.equal(s.runAcquire(run('running'), lease('C', 1200), 1200, 'A').lease?.token, 'B', 'takeOver names a token no longer there');
        assert.equal(s.runAcquire(run('running'), lease('C', 1200), 1200, 'B').lease?.token, 'C', 'takeOver of the holder found gone');
        assert.equal(s.runRenew('L', 'B', 9000, 1300), false, 'the old owner has lost it');
        s.runPut(run('succeeded', { finishedAt: 1400, result: 'ok' }));
        assert.equal(s.runRelease('L', 'C'), true);
        const done = s.runAcquire(run('running'), lease('D', 5000), 5000);
        assert.equal(done.status, 'succeeded');
        assert.equal(done.lease, undefined);
        assert.equal(s.runGet('L')?.result, 'ok');
      }),
    );

    it(
      'checkpoints persist their snapshot and resume state',
      withStore((s) => {
        s.checkpointPut({
          id: 'cp1',
          runId: 'r',
          nodeId: 3,
          message: 'approve?',
          displayData: { a: 1 },
          status: 'pending',
          snapshot: { k: 'v' },
          createdAt: 5,
        });
        assert.deepEqual(
          s.checkpointList('pending').map((c) => c.id),
          ['cp1'],
        );
        const cp = s.checkpointGet('cp1')!;
        s.checkpointPut({ ...cp, status: 'resumed', humanInput: 'yes', resumedAt: 9 });
        assert.deepEqual(s.checkpointGet('cp1'), { ...cp, status: 'resumed', humanInput: 'yes', resumedAt: 9 });
        assert.deepEqual(s.checkpointList('pending'), []);
        assert.equal(s.checkpointList().length, 1);
      }),
    );

    it(
      'queue claims are exclusive, leased, and completed only with the claim token',
      withStore((s) => {
        const t1 = s.queuePush('jobs', { n: 1 }, 1);
        const t2 = s.queuePush('jobs', { n: 2 }, 2);
        s.queuePush('other', 'x', 3);
        const a = s.queueClaim('jobs', 'agentA', 1000, 100)!;
        const b = s.queueClaim('jobs', 'agentB', 1000, 100)!;
        assert.equal(a.taskId, t1);
        assert.equal(b.taskId, t2);
        assert.equal(a.status, 'claimed');
        assert.equal(a.leaseUntil, 1100);
        assert.notEqual(a.claimToken, b.claimToken);
        assert.equal(s.queueClaim('jobs', 'agentC', 1000, 200), undefined);
        // agentA's lease runs out: the task can be claimed again, and A's token no longer completes it
        const again = s.queueClaim('jobs', 'agentC', 1000, 1200)!;
        assert.equal(again.taskId, t1);
        assert.equal(s.queueComplete(t1, a.claimToken!, 'late', true), false);
        assert.equal(s.queueComplete(t1, again.claimToken!, 'done!', true), true);
        assert.equal(s.queueComplete(t1, again.claimToken!, 'twice', true), false);
        assert.equal(s.queueComplete(t2, b.claimToken!, 'boom', false), true);
        assert.deepEqual(
          s.queueList('jobs').map((t) => [t.status, t.result]),
          [
            ['done', 'done!'],
            ['failed', 'boom'],
          ],
        );
      }),
    );

    it(
      'bulk LTM writes are searchable',
      withStore((s) => {
        s.ltmPutMany(
          Array.from({ length: 50 }, (_, i) => ({ key: `fact:${i}`, value: `fact number ${i} about ${i % 2 ? 'odd' : 'even'}` })),
          7,
        );
        assert.equal(s.ltmCount(), 50);
        assert.equal(s.ltmSearchText('odd', 100).length, 25);
        assert.equal(s.ltmGet('fact:3')!.createdAt, 7);
        assert.ok(s.schemaVersion() >= 1);
      }),
    );
  });
}
