import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApxmError, formatError, MAX_SHOWN_TEXT } from '../errors.js';
import { terminalSafe, terminalSafeJson, unsafeNameCharacter } from './terminalSafe.js';

const RAW_UNSAFE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

describe('terminalSafe', () => {
  it('escapes C0, DEL, C1 and bidirectional controls; leaves other text alone', { timeout: 5_000 }, () => {
    assert.equal(terminalSafe('\u001b[2J\u001b]0;pwned\u0007'), '\\x1b[2J\\x1b]0;pwned\\x07');
    assert.equal(terminalSafe('a\u007fb\u009bc\u0085'), 'a\\x7fb\\x9bc\\x85');
    assert.equal(terminalSafe('user\u202eexe.txt \u2066x\u2069 \u200f'), 'user\\u202eexe.txt \\u2066x\\u2069 \\u200f');
    assert.equal(terminalSafe('line\nnext\ttab\r'), 'line\\nnext\\ttab\\r');
    assert.equal(terminalSafe('line\nnext\ttab\r', true), 'line\nnext\ttab\\r');
    const plain = 'Zürich — 東京 🙂 "quoted" \\ back';
    assert.equal(terminalSafe(plain), plain);
  });

  it('terminalSafeJson keeps the JSON value and leaves no raw DEL, C1 or bidi character', { timeout: 5_000 }, () => {
    const value = { name: 'a\u009b1m\u202e', list: ['\u001b', '\u007f'] };
    const text = terminalSafeJson(JSON.stringify(value));
    assert.doesNotMatch(text, RAW_UNSAFE);
    assert.deepEqual(JSON.parse(text), value);
  });

  it('names the first unsafe character of a name', { timeout: 5_000 }, () => {
    assert.deepEqual(unsafeNameCharacter('ok\u202Ebad'), { codePoint: 'U+202E', index: 2 });
    assert.equal(unsafeNameCharacter('Trip.main'), undefined);
  });

  it('formatError escapes what a message, hint and place quote', { timeout: 5_000 }, () => {
    const e = new ApxmError('E_PROGRAM_INVALID', 'unknown op "\u001b[31mRED"\nsecond line', {
      place: { file: 'evil\u001b]0;t\u0007.json', jsonPath: '$.nodes[0]["\u202e"]' },
      hint: 'remove \u009b',
      op: 'A\u0007',
    });
    const text = formatError(e);
    assert.doesNotMatch(text, RAW_UNSAFE);
    assert.match(
      text,
      /^evil\\x1b\]0;t\\x07\.json \$\.nodes\[0\]\["\\u202e"\]: error\[E_PROGRAM_INVALID\] unknown op "\\x1b\[31mRED"\nsecond line\n  fix: remove \\x9b$/,
    );
  });

  // A 10 MB name quoted in a diagnostic printed 10 MB, twice (message and hint), per diagnostic.
  it('formatError cuts a message, hint or place longer than MAX_SHOWN_TEXT, saying how much is left out', { timeout: 5_000 }, () => {
    const name = 'a'.repeat(10_000_000);
    const e = new ApxmError('E_PROGRAM_INVALID', `'${name}' is bound but never used`, {
      place: { file: `${name}.ais`, line: 1, column: 1 },
      hint: `drop '-> ${name}'`,
    });
    const text = formatError(e);
    assert.ok(text.length < 4 * MAX_SHOWN_TEXT, `formatted error of ${text.length} characters`);
    assert.match(text, /^a+… \(\d+ more characters\):1:1: error\[E_PROGRAM_INVALID\] 'a+… \(\d+ more characters\)\n  fix: drop/);
    const emoji = formatError(new ApxmError('E_PROGRAM_INVALID', `x${'🙂'.repeat(MAX_SHOWN_TEXT)}`));
    assert.doesNotMatch(emoji, /[\ud800-\udbff](?![\udc00-\udfff])/, 'no half of a surrogate pair');
  });
});
