import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backoffDelay, parseRetryAfter } from './retry.js';
import { DEFAULT_RETRY_POLICY } from './types.js';

const policy = { ...DEFAULT_RETRY_POLICY, initialDelayMs: 100, maxDelayMs: 1000, jitter: 0.2 };

describe('retry arithmetic', () => {
  it('doubles the delay per retry, capped, with jitter of ±jitter around it', () => {
    const mid = () => 0.5; // no jitter at the middle of the random range
    assert.deepEqual(
      [1, 2, 3, 4, 5].map((n) => backoffDelay(n, policy, undefined, mid)),
      [100, 200, 400, 800, 1000],
    );
    assert.equal(
      backoffDelay(1, policy, undefined, () => 0),
      80,
      'lowest: 20 % under',
    );
    assert.equal(
      backoffDelay(1, policy, undefined, () => 0.999999),
      120,
      'highest: 20 % over',
    );
    const seen = new Set(Array.from({ length: 200 }, () => backoffDelay(2, policy)));
    assert.ok(seen.size > 10, 'Math.random spreads retries apart');
    for (const d of seen) assert.ok(d >= 160 && d <= 240, `${d} within ±20 % of 200`);
  });

  it('waits at least what the server asks in Retry-After, up to the cap', () => {
    const mid = () => 0.5;
    assert.equal(backoffDelay(1, policy, 700, mid), 700);
    assert.equal(backoffDelay(3, policy, 10, mid), 400, 'the backoff when it is longer');
    assert.equal(backoffDelay(1, policy, 5000, mid), 1000, 'never past maxDelayMs');
  });

  it('reads Retry-After as seconds or as an HTTP date, and retry-after-ms first', () => {
    const now = Date.parse('Wed, 25 Nov 2026 10:00:00 GMT');
    assert.equal(parseRetryAfter('2', undefined, now), 2000);
    assert.equal(parseRetryAfter('Wed, 25 Nov 2026 10:00:03 GMT', undefined, now), 3000);
    assert.equal(parseRetryAfter('Wed, 25 Nov 2026 09:59:00 GMT', undefined, now), 0, 'a date in the past: at once');
    assert.equal(parseRetryAfter('2', '150', now), 150);
    assert.equal(parseRetryAfter('soon', undefined, now), undefined);
    assert.equal(parseRetryAfter(undefined), undefined);
  });
});
