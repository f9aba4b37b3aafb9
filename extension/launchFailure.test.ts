import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { commandOfUrl, launchFailureNotice, OPEN_LAUNCH_JSON } from './launchFailure.js';

const failedLaunch = (error: Partial<DebugProtocol.Message>, message = 'raw'): DebugProtocol.ErrorResponse => ({
  seq: 3,
  type: 'response',
  request_seq: 2,
  command: 'launch',
  success: false,
  message,
  body: { error: { id: 3002, format: '{_message}', ...error } },
});

describe('a failed launch as a notification', () => {
  it('shows the adapter text with Open launch.json', { timeout: 5_000 }, () => {
    const n = launchFailureNotice(
      failedLaunch({ variables: { _message: 'error[E_RUN_NOT_FOUND] no run x\n  fix: set "replay" to the id of a run' } }),
    );
    assert.ok(n);
    assert.equal(n.message, 'APXM: cannot start — error[E_RUN_NOT_FOUND] no run x\n  fix: set "replay" to the id of a run');
    assert.deepEqual(n.actions, [OPEN_LAUNCH_JSON]);
  });

  it("offers the adapter's command link instead, with its label and arguments", { timeout: 5_000 }, () => {
    const url = `command:workbench.action.openSettings?${encodeURIComponent(JSON.stringify(['apxm.debugAdapter']))}`;
    const n = launchFailureNotice(
      failedLaunch({ variables: { _message: 'cannot open the memory database' }, url, urlLabel: 'Open Settings' }),
    );
    assert.deepEqual(n?.actions, [{ label: 'Open Settings', command: 'workbench.action.openSettings', args: ['apxm.debugAdapter'] }]);
  });

  it('falls back to the response message, and ignores every other message', { timeout: 5_000 }, () => {
    assert.equal(launchFailureNotice(failedLaunch({}, 'the program is gone'))?.message, 'APXM: cannot start — the program is gone');
    assert.equal(launchFailureNotice({ ...failedLaunch({}), success: true } as DebugProtocol.Response), undefined);
    assert.equal(launchFailureNotice({ ...failedLaunch({}), command: 'threads' } as DebugProtocol.Response), undefined);
    assert.equal(launchFailureNotice({ seq: 1, type: 'event', event: 'output' } as DebugProtocol.Event), undefined);
  });

  it('reads command links, and refuses other URLs or bad arguments', { timeout: 5_000 }, () => {
    assert.deepEqual(commandOfUrl('command:workbench.action.debug.configure'), { command: 'workbench.action.debug.configure', args: [] });
    assert.deepEqual(commandOfUrl(`command:x.y?${encodeURIComponent('{"a":1}')}`), { command: 'x.y', args: [{ a: 1 }] });
    assert.equal(commandOfUrl('https://example.com'), undefined);
    assert.equal(commandOfUrl('command:x.y?%7Bnot json'), undefined);
  });
});
