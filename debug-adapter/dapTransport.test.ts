import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PassThrough, Writable } from 'node:stream';
import { MAX_HEADER_BYTES, MAX_MESSAGE_BYTES, MessageReader, frame, serveDap } from './dapTransport.js';
import { parseDapFlags } from './dapMain.js';

function reader(max?: number) {
  const bodies: string[] = [];
  const fatal: string[] = [];
  const r = new MessageReader(
    (b) => bodies.push(b),
    (p) => fatal.push(p),
    max,
  );
  return { r, bodies, fatal };
}

describe('DAP message framing', () => {
  it('reads messages however the bytes are split, several in one chunk, multi-byte text intact', { timeout: 10_000 }, () => {
    const msgs = [
      { seq: 1, command: 'threads' },
      { seq: 2, command: 'evaluate', arguments: { expression: '"Zürich — 東京"' } },
      { seq: 3 },
    ];
    const wire = Buffer.from(msgs.map(frame).join(''));
    for (const step of [1, 2, 3, 7, 64, wire.length]) {
      const { r, bodies, fatal } = reader();
      for (let i = 0; i < wire.length; i += step) r.push(wire.subarray(i, i + step));
      assert.deepEqual(
        bodies.map((b) => JSON.parse(b)),
        msgs,
        `split every ${step} bytes`,
      );
      assert.deepEqual(fatal, []);
    }
  });

  it('takes other header fields and any case of Content-Length', { timeout: 10_000 }, () => {
    const { r, bodies } = reader();
    r.push(Buffer.from('Content-Type: application/vscode-jsonrpc; charset=utf-8\r\ncontent-length: 2\r\n\r\n{}'));
    assert.deepEqual(bodies, ['{}']);
  });

  it('refuses a length over the cap from the header alone, before any body arrives', { timeout: 10_000 }, () => {
    const { r, bodies, fatal } = reader();
    r.push(Buffer.from('Content-Length: 2000000000\r\n\r\n'));
    assert.equal(fatal.length, 1);
    assert.match(fatal[0], /2000000000 bytes is over the limit of 8388608 bytes/);
    // what follows is dropped, not buffered
    r.push(Buffer.alloc(1024 * 1024, 0x61));
    assert.deepEqual(bodies, []);
    assert.equal(fatal.length, 1);
  });

  it('takes a message of exactly the cap, and refuses one byte more', { timeout: 10_000 }, () => {
    const ok = reader(100);
    ok.r.push(Buffer.from(`Content-Length: 100\r\n\r\n"${'x'.repeat(98)}"`));
    assert.equal(ok.bodies.length, 1);
    const over = reader(100);
    over.r.push(Buffer.from('Content-Length: 101\r\n\r\n'));
    assert.equal(over.fatal.length, 1);
    assert.equal(MAX_MESSAGE_BYTES, 8 * 1024 * 1024);
  });

  it('refuses a header that never ends, a missing or malformed Content-Length, a line that is not a header', { timeout: 10_000 }, () => {
    const endless = reader();
    endless.r.push(Buffer.alloc(MAX_HEADER_BYTES + 10, 0x61));
    assert.match(endless.fatal[0] ?? '', /no end of the message header/);
    for (const [header, why] of [
      ['Content-Type: x\r\n\r\n{}', /no Content-Length/],
      ['Content-Length: -5\r\n\r\n', /must be a number of bytes/],
      ['Content-Length: 1e9\r\n\r\n', /must be a number of bytes/],
      ['Content-Length: 99999999999999999999\r\n\r\n', /must be a number of bytes/],
      ['hello\r\n\r\n', /not "Name: value"/],
    ] as const) {
      const t = reader();
      t.r.push(Buffer.from(header));
      assert.match(t.fatal[0] ?? '(none)', why, header);
      assert.deepEqual(t.bodies, []);
    }
  });
});

describe('apxm dap flags', () => {
  it('stdio without flags; --server=PORT on 127.0.0.1; --host changes the address', { timeout: 10_000 }, () => {
    assert.deepEqual(parseDapFlags([]), { host: '127.0.0.1' });
    assert.deepEqual(parseDapFlags(['--server=4711']), { port: 4711, host: '127.0.0.1' });
    assert.deepEqual(parseDapFlags(['--server', '0', '--host', '::1']), { port: 0, host: '::1' });
    assert.deepEqual(parseDapFlags(['--host=0.0.0.0', '--server=4711']), { port: 4711, host: '0.0.0.0' });
  });

  it('says what is wrong with a flag', { timeout: 10_000 }, () => {
    for (const [argv, why] of [
      [['--server=70000'], /port number/],
      [['--server=abc'], /port number/],
      [['--server'], /needs a value/],
      [['--host=::1'], /goes with --server/],
      [['--port=1'], /unknown argument/],
      [['4711'], /unknown argument/],
    ] as const) {
      const r = parseDapFlags(argv);
      assert.ok('error' in r && why.test(r.error), `${argv.join(' ')}: ${JSON.stringify(r)}`);
    }
  });
});

describe('a client that stops reading', () => {
  it('is dropped once what waits unsent passes the cap: its session is told the connection is lost', { timeout: 10_000 }, async () => {
    const input = new PassThrough();
    // a socket whose peer never reads: nothing written ever drains
    const output = new Writable({ highWaterMark: 1024, write: () => undefined });
    let send: (m: object) => void = () => undefined;
    let lostCalls = 0;
    const closed = new Promise<boolean>((resolve) =>
      serveDap(
        {
          handleMessage: () => undefined,
          onDidSendMessage: (l) => (send = l),
          sendEvent: () => undefined,
          connectionLost: async () => void lostCalls++,
        },
        input,
        output,
        { maxPendingOutputBytes: 64 * 1024, onClosed: resolve },
      ),
    );
    const event = { seq: 1, type: 'event', event: 'output', body: { output: 'x'.repeat(10_000) } };
    for (let i = 0; i < 5; i++) send(event);
    assert.equal(lostCalls, 0, 'under the cap the client is kept');
    for (let i = 0; i < 10; i++) send(event);
    assert.equal(await closed, true);
    assert.equal(lostCalls, 1);
    assert.ok(output.destroyed, 'the connection is closed');
    send(event); // nothing more is written, nothing throws
  });
});
