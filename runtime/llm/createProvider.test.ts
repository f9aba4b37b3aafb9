import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApxmError } from '../errors.js';
import { createProvider } from './createProvider.js';

describe('createProvider', () => {
  // A file:, data: or ftp: base URL was taken, and every LLM op then failed at its first call
  // ("fetch failed: not implemented... yet...") after four attempts.
  it('refuses a base URL that is not http or https, naming it', { timeout: 5_000 }, () => {
    for (const baseUrl of ['file:///etc/passwd', 'data:text/plain,hi', 'ftp://example.com/v1', 'javascript:alert(1)']) {
      assert.throws(
        () => createProvider({ baseUrl }),
        (e: unknown) =>
          e instanceof ApxmError && e.code === 'E_LLM_CONFIG' && e.message.includes(`"${baseUrl}" is not an http or https URL`),
      );
    }
    assert.equal(createProvider({ baseUrl: 'http://127.0.0.1:9/v1' }).constructor.name, 'OpenAiProvider');
  });

  // fetch refuses a URL with credentials at every call, and the error quoted the password.
  it('refuses a base URL with a user name or password without showing them', { timeout: 5_000 }, () => {
    for (const baseUrl of [
      'http://user:s3cret@127.0.0.1:9/v1',
      'https://s3cret@api.example.com/v1',
      'ftp://u:s3cret@x/',
      'http://u:s3cret@[::1',
    ]) {
      assert.throws(
        () => createProvider({ baseUrl }),
        (e: unknown) => e instanceof ApxmError && e.code === 'E_LLM_CONFIG' && !JSON.stringify([e.message, e.hint]).includes('s3cret'),
      );
    }
  });

  // the SDK appends its paths after the query, so no call could work, and every error quoted the key there
  it('refuses a base URL with a query or fragment without showing it', { timeout: 5_000 }, () => {
    for (const baseUrl of [
      'http://127.0.0.1:9/v1?api_key=s3cret',
      'https://api.example.com/v1#s3cret',
      'https://u:s3cret@api.example.com/v1?k=s3cret',
    ]) {
      assert.throws(
        () => createProvider({ baseUrl }),
        (e: unknown) =>
          e instanceof ApxmError &&
          e.code === 'E_LLM_CONFIG' &&
          /query or fragment|user name or password/.test(e.message) &&
          !JSON.stringify([e.message, e.hint]).includes('s3cret'),
      );
    }
    assert.ok(createProvider({ baseUrl: 'https://api.example.com/v1' }));
  });
});
