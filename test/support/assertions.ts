/** Assertions shared by tests. */
import assert from 'node:assert/strict';
import { ApxmError, type ErrorCode } from '../../runtime/errors.js';

/** Asserts that `fn` throws (or rejects with) an ApxmError with `code`, and returns it. */
export async function rejectsWith(fn: () => unknown, code: ErrorCode): Promise<ApxmError> {
  let caught: unknown;
  try {
    await fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof ApxmError, `expected an ApxmError ${code}, got ${caught === undefined ? 'no error' : String(caught)}`);
  assert.equal(caught.code, code, `expected ${code}, got ${caught.code}: ${caught.message}`);
  return caught;
}
