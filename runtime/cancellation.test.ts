import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CancellationSource, cancellationOf, signalOf } from './cancellation.js';

describe('Cancellation', () => {
  it('tells each listener once, with the first reason; a late listener hears at once; unsubscribed ones never', () => {
    const c = new CancellationSource();
    const heard: unknown[] = [];
    c.onAbort((r) => heard.push(['a', r]));
    const off = c.onAbort((r) => heard.push(['b', r]));
    off();
    assert.equal(c.aborted, false);
    c.abort('first');
    c.abort('second');
    assert.deepEqual([...heard], [['a', 'first']]);
    assert.equal(c.aborted, true);
    assert.equal(c.reason, 'first');
    c.onAbort((r) => heard.push(['late', r]));
    assert.deepEqual(heard.at(-1), ['late', 'first']);
  });

  it('reads an AbortSignal, and makes one that follows it until released', () => {
    const ac = new AbortController();
    const view = cancellationOf(ac.signal);
    const heard: unknown[] = [];
    const off = view.onAbort((r) => heard.push(r));
    const source = new CancellationSource();
    const kept = signalOf(source);
    const released = signalOf(source);
    released.release();
    ac.abort('stop');
    off();
    assert.deepEqual(heard, ['stop']);
    assert.equal(view.aborted, true);
    source.abort('now');
    assert.deepEqual([kept.signal.aborted, kept.signal.reason], [true, 'now']);
    assert.equal(released.signal.aborted, false, 'a released signal no longer follows');
  });
});
