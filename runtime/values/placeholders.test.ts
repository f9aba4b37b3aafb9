import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { placeholderText, replacePlaceholders } from './placeholders.js';

describe('placeholders', () => {
  const inputs = ['first', { n: 2 }];
  const vars: Record<string, string> = { city: 'Lisbon', tricky: '{0} and {{city}}' };
  const resolve = (name: string | undefined, i: number) =>
    name !== undefined ? vars[name] : inputs[i] === undefined ? undefined : placeholderText(inputs[i]);

  it('fills {k} with input k and {{name}} with a variable; strings as they are, other values as JSON', () => {
    assert.equal(replacePlaceholders('{0} in {{ city }}: {1}', resolve), 'first in Lisbon: {"n":2}');
  });

  it('leaves what it cannot resolve as written', () => {
    assert.equal(replacePlaceholders('{5} {{nobody}} {x} {{1bad}}', resolve), '{5} {{nobody}} {x} {{1bad}}');
    assert.equal(
      replacePlaceholders('no braces here', () => 'never'),
      'no braces here',
    );
  });

  it('never scans what it put in: a value containing placeholders stays literal', () => {
    assert.equal(replacePlaceholders('{{tricky}} / {0}', resolve), '{0} and {{city}} / first');
  });
});
