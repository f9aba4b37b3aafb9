import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { durationText } from './durationText.js';

describe('durationText', () => {
  it('ms under a second, s with a tenth under a minute, then m ss and h mm ss', { timeout: 5_000 }, () => {
    const table: [number | undefined, string][] = [
      [0, '0 ms'],
      [0.2, '<1 ms'],
      [0.5, '1 ms'],
      [4, '4 ms'],
      [12.4, '12 ms'],
      [999, '999 ms'],
      // rounded before the unit is chosen: not `1000 ms`, not `60.0 s`
      [999.6, '1.0 s'],
      [1000, '1.0 s'],
      [3_449, '3.4 s'],
      [59_949, '59.9 s'],
      [59_960, '1 m 00 s'],
      [125_000, '2 m 05 s'],
      [725_400, '12 m 05 s'],
      [3_599_400, '59 m 59 s'],
      [3_599_600, '1 h 00 m 00 s'],
      [3_723_000, '1 h 02 m 03 s'],
      [90_061_000, '25 h 01 m 01 s'],
      [-5, '0 ms'],
      [undefined, '—'],
      [Number.NaN, '—'],
      [Number.POSITIVE_INFINITY, '—'],
    ];
    assert.deepEqual(
      table.map(([ms]) => [ms, durationText(ms)]),
      table,
    );
  });
});
