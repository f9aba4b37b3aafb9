import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MemoryPage, MemoryPageQuery, MemoryRow } from '../../debug-adapter/protocol/memoryProtocol.js';
import {
  BLOCK_ROWS,
  ExpandedValue,
  MemoryTable,
  ROW_HEIGHT,
  editText,
  pageQuery,
  previewLine,
  sortsOf,
  type PageWant,
} from './tableModel.js';

/** A stand-in for the adapter: `n` LTM keys, answered a page at a time as memoryPages.ts does. */
function listing(n: number, tag = 'v') {
  const asked: MemoryPageQuery[] = [];
  const answer = (q: MemoryPageQuery): MemoryPage => {
    asked.push(q);
    const keys = Array.from(
      { length: Math.max(0, Math.min(q.limit, n - q.offset)) },
      (_, i) => `k${String(q.offset + i).padStart(6, '0')}`,
    );
    const rows: MemoryRow[] = keys.map((key) => ({ key, value: { type: 'str', text: `${tag}:${key}`, length: key.length + 2 } }));
    return { tab: q.tab, rows, total: n, offset: q.offset, stop: 1 };
  };
  return { asked, answer };
}

const serve = (t: MemoryTable, wants: PageWant[], answer: (q: MemoryPageQuery) => MemoryPage) =>
  wants.map((w) => t.accept(w.ticket, answer(w.query)));

describe('the memory table model', () => {
  it('asks only for the pages in view as it scrolls through 100,000 rows, each once', { timeout: 5_000 }, () => {
    const t = new MemoryTable('ltm');
    const a = listing(100_000);
    const first = t.wanted(0, 600);
    assert.deepEqual(
      first.map((w) => [w.query.offset, w.query.limit]),
      [[0, BLOCK_ROWS]],
    );
    assert.deepEqual(t.wanted(0, 600), [], 'a page on its way is not asked for twice');
    serve(t, first, a.answer);
    assert.equal(t.total, 100_000);
    assert.equal(t.contentHeight(), 100_000 * ROW_HEIGHT);
    assert.equal(t.rowAt(0)?.key, 'k000000');
    assert.deepEqual(t.wanted(0, 600), [], 'rows in hand are not asked for again');

    // scrolled to row 50,000: that page alone (the overscan reaches into the one before)
    const far = t.wanted(50_000 * ROW_HEIGHT, 600);
    assert.deepEqual(
      far.map((w) => w.query.offset),
      [49_900, 50_000],
    );
    serve(t, far, a.answer);
    assert.equal(t.rowAt(50_010)?.key, 'k050010');
    assert.equal(t.rowAt(20_000), undefined, 'rows never scrolled past are never fetched');
    assert.ok(t.rowsHeld <= 3 * BLOCK_ROWS, `held ${t.rowsHeld} rows`);

    // the very end: the last page is cut at the total
    const end = t.wanted(100_000 * ROW_HEIGHT - 600, 600);
    assert.deepEqual(
      end.map((w) => w.query.offset),
      [99_900],
    );
    assert.equal(t.visibleRange(100_000 * ROW_HEIGHT - 600, 600).end, 100_000);
  });

  it('drops the answer to an older search, and asks again under the new one', { timeout: 5_000 }, () => {
    const t = new MemoryTable('ltm');
    const a = listing(500);
    const old = t.wanted(0, 300);
    t.setQuery({ text: 'k0001', mode: 'prefix', sort: 'updated' });
    assert.equal(t.total, undefined);
    assert.deepEqual(serve(t, old, a.answer), [false], 'the answer to the old search is stale');
    assert.equal(t.rowAt(0), undefined);
    const fresh = t.wanted(0, 300);
    assert.deepEqual(fresh[0].query, { tab: 'ltm', offset: 0, limit: BLOCK_ROWS, prefix: 'k0001', sort: 'updated' });
    assert.deepEqual(serve(t, fresh, a.answer), [true]);
  });

  it('after a stop keeps the rows shown and asks for them again; a late older answer does not win', { timeout: 5_000 }, () => {
    const t = new MemoryTable('stm');
    const before = listing(150, 'before');
    serve(t, t.wanted(0, 600), before.answer);
    t.invalidate();
    assert.equal(t.rowAt(3)?.value.text, 'before:k000003', 'the old rows stay until the refresh arrives');
    const again = t.wanted(0, 600);
    assert.equal(again.length, 1);
    // a second stop before the first refresh came back: the first refresh is older than the second
    t.invalidate();
    const newest = t.wanted(0, 600);
    const after = listing(150, 'after');
    serve(t, newest, after.answer);
    assert.deepEqual(serve(t, again, listing(150, 'middle').answer), [false]);
    assert.equal(t.rowAt(3)?.value.text, 'after:k000003');
  });

  it('forgets pages past the end when the listing shrinks (a key deleted)', { timeout: 5_000 }, () => {
    const t = new MemoryTable('ltm');
    const a = listing(250);
    serve(t, t.wanted(0, 24 * 130), a.answer);
    // the total known, the second page is in view too
    serve(t, t.wanted(0, 24 * 130), a.answer);
    assert.ok(t.rowAt(120));
    t.invalidate();
    serve(t, t.wanted(0, 24 * 10), listing(90).answer);
    assert.equal(t.total, 90);
    assert.equal(t.rowAt(120), undefined);
  });

  it('a failed request may be asked again; an edit replaces its row at once', { timeout: 5_000 }, () => {
    const t = new MemoryTable('stm');
    const w = t.wanted(0, 100);
    t.failed(w[0].ticket);
    const again = t.wanted(0, 100);
    assert.equal(again.length, 1);
    serve(t, again, listing(5).answer);
    assert.equal(t.replaceRow({ key: 'k000002', value: { type: 'int', text: '7', length: 1 }, changed: true }), true);
    assert.deepEqual(t.rowAt(2), { key: 'k000002', value: { type: 'int', text: '7', length: 1 }, changed: true });
    assert.equal(t.replaceRow({ key: 'nope', value: { type: 'int', text: '7', length: 1 } }), false);
  });

  it('turns the search box into the adapter query: a prefix as typed, words trimmed, the tab default order', { timeout: 5_000 }, () => {
    assert.deepEqual(pageQuery('ltm', { text: 'user ', mode: 'prefix', sort: 'key' }, 0, 10), {
      tab: 'ltm',
      offset: 0,
      limit: 10,
      prefix: 'user ',
      sort: 'key',
    });
    assert.deepEqual(pageQuery('ltm', { text: '  capital norway ', mode: 'words' }, 100, 100), {
      tab: 'ltm',
      offset: 100,
      limit: 100,
      search: 'capital norway',
    });
    assert.deepEqual(pageQuery('episodic', { text: '   ', mode: 'words' }, 0, 5), { tab: 'episodic', offset: 0, limit: 5 });
    assert.equal(new MemoryTable('goals').query.sort, undefined, 'goals: by priority');
    assert.equal(new MemoryTable('ltm').query.sort, 'key');
    assert.deepEqual(
      sortsOf('episodic').map((s) => s.sort),
      [undefined],
    );
  });

  it('edits start from text that parses back to the same value', { timeout: 5_000 }, () => {
    assert.equal(editText({ type: 'str', text: 'hello', length: 5 }, 'hello'), 'hello');
    assert.equal(editText({ type: 'str', text: '42', length: 2 }, '42'), '"42"', 'a string of digits stays a string');
    assert.equal(editText({ type: 'str', text: 'true', length: 4 }, 'true'), '"true"');
    assert.equal(editText({ type: 'int', text: '42', length: 2 }, '42'), '42');
    assert.equal(editText({ type: 'json', text: '{"a": 1}', length: 8 }, '{"a": 1}'), '{"a": 1}');
  });

  it('pages a long value in, in order, and says when it is whole', { timeout: 5_000 }, () => {
    const whole = 'x'.repeat(1000);
    const v = new ExpandedValue({ type: 'str', text: whole.slice(0, 240), length: 1000, pageRef: 'p1' });
    assert.equal(v.complete, false);
    const n1 = v.next(500);
    assert.deepEqual(n1, { pageRef: 'p1', offset: 240, length: 500 });
    assert.equal(v.append({ text: whole.slice(240, 740), offset: 240 }), true);
    assert.equal(v.append({ text: whole.slice(240, 740), offset: 240 }), false, 'a repeated page is ignored');
    const n2 = v.next(500);
    assert.deepEqual(n2, { pageRef: 'p1', offset: 740, length: 260 });
    v.append({ text: whole.slice(740), offset: 740 });
    assert.equal(v.complete, true);
    assert.equal(v.next(), undefined);
    assert.equal(v.text, whole);
    assert.equal(previewLine({ type: 'str', text: 'a\n  b', length: 1000, pageRef: 'p' }), 'a b… (1,000 chars)');
  });
});
