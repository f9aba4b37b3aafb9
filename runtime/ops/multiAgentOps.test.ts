import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Value } from '../values/value.js';
import { bundle } from '../../test/support/graphBuilder.js';
import { makeRuntime, recordEvents } from '../../test/support/harness.js';

/** A flow that answers a message: "<prefix> {{msg}}". */
const replier = (name: string, prefix: string) => ({
  name,
  params: ['msg'],
  nodes: [
    [1, 'CONST_STR', { value: `${prefix} {{msg}}` }],
    [2, 'RETURN'],
  ] as [number, string, Record<string, unknown>][],
  edges: [[1, 2]] as [number, number][],
});

/** Main.main: sends CONST_STR `message` to `recipient` with COMMUNICATE and returns the reply. */
const sender = (attrs: Record<string, unknown>, message = 'hello') => ({
  name: 'Main.main',
  isEntry: true,
  nodes: [
    [1, 'CONST_STR', { value: message }],
    [2, 'COMMUNICATE', attrs],
    [3, 'RETURN'],
  ] as [number, string, Record<string, unknown>][],
  edges: [
    [1, 2],
    [2, 3],
  ] as [number, number][],
});

describe('COMMUNICATE (local)', () => {
  it("delivers the message to the recipient's communicate flow as a message frame and returns its reply", async () => {
    const rt = await makeRuntime();
    const log = recordEvents(rt);
    const handle = rt.start(bundle('Main.main', [replier('Helper.communicate', 'Helper got:'), sender({ recipient: 'Helper' })]));
    const r = await handle.result;
    assert.equal(r.status, 'succeeded', r.error?.message);
    assert.equal(r.result, 'Helper got: hello');

    const frames = log.of('frame:entered');
    assert.deepEqual(
      frames.map((f) => [f.flow, f.kind]),
      [
        ['Main.main', 'flow'],
        ['Helper.communicate', 'message'],
      ],
    );
    assert.equal(frames[1].callerNodeId, 2);
    assert.equal(frames[1].parentFrameId, frames[0].frameId);

    // the pending-message belief is set while the recipient runs and removed afterwards
    const labels = handle.aam.transitions().map((t) => t.label);
    assert.deepEqual(
      labels.filter((l) => l.includes('communicate')),
      ['communicate:Helper', 'communicate_completed:Helper'],
    );
    const setT = handle.aam.transitions().find((t) => t.label === 'communicate:Helper');
    assert.deepEqual(setT?.beliefs?.[0].after, { recipient: 'Helper', message: 'hello' });
    assert.equal(Object.keys(r.beliefs).filter((k) => k.startsWith('_pending_communicate')).length, 0);
    await rt.dispose();
  });

  it('prefers a "communicate" flow over "main" and falls back to "main"; accepts target/target_agent and a message attribute', async () => {
    const rt = await makeRuntime();
    const r = await rt.execute(
      bundle('Main.main', [
        replier('Both.communicate', 'inbox'),
        replier('Both.main', 'wrong flow'),
        replier('OnlyMain.main', 'main of OnlyMain:'),
        {
          name: 'Main.main',
          isEntry: true,
          nodes: [
            [1, 'CONST_STR', { value: 'one' }],
            [2, 'COMMUNICATE', { recipient: 'Both' }, 'toBoth'],
            [3, 'COMMUNICATE', { target: 'OnlyMain', message: { kind: 'note', text: 'two' } }, 'toOnlyMain'],
            [4, 'COMMUNICATE', { target_agent: 'OnlyMain', message: 'ignored because of the input' }, 'toOnlyMainWithInput'],
          ],
          edges: [
            [1, 2],
            [1, 4],
          ],
        },
      ]),
    );
    assert.equal(r.status, 'succeeded', r.error?.message);
    assert.deepEqual(r.result, {
      toBoth: 'inbox one',
      toOnlyMain: 'main of OnlyMain: {"kind":"note","text":"two"}',
      toOnlyMainWithInput: 'main of OnlyMain: one',
    });
    await rt.dispose();
  });

  it("fails the run when the recipient's flow fails, with the recipient's error", async () => {
    const rt = await makeRuntime();
    const r = await rt.execute(
      bundle('Main.main', [
        { name: 'Broken.communicate', params: ['msg'], nodes: [[1, 'ERR', { message: 'inbox is full' }]] },
        sender({ recipient: 'Broken' }),
      ]),
    );
    assert.equal(r.status, 'failed');
    assert.match(r.error?.message ?? '', /inbox is full/);
    assert.equal(
      Object.keys(r.beliefs).filter((k) => k.startsWith('_pending_communicate')).length,
      0,
      'the pending belief is cleared on failure too',
    );
    await rt.dispose();
  });

  it('names an unknown recipient and lists the agents that can receive messages', async () => {
    const rt = await makeRuntime();
    const r = await rt.execute(bundle('Main.main', [replier('Helper.communicate', 'x'), sender({ recipient: 'Ghost' })]));
    assert.equal(r.status, 'failed');
    assert.equal(r.error?.code, 'E_COMMUNICATE');
    assert.match(r.error?.message ?? '', /agent "Ghost" has no "communicate" or "main" flow/);
    assert.match(r.error?.hint ?? '', /agents that can receive messages: .*Helper/);
    await rt.dispose();
  });

  it('requires a recipient', async () => {
    const rt = await makeRuntime();
    const r = await rt.execute(bundle('Main.main', [replier('Helper.communicate', 'x'), sender({})]));
    assert.equal(r.status, 'failed');
    assert.equal(r.error?.code, 'E_ATTRIBUTE');
    assert.match(r.error?.message ?? '', /no "recipient"/);
    await rt.dispose();
  });
});

describe('COMMUNICATE broadcast', () => {
  it('sends the message to every other agent and collects each reply or error per agent', async () => {
    const rt = await makeRuntime();
    const log = recordEvents(rt);
    const r = await rt.execute(
      bundle('Main.main', [
        replier('Alpha.communicate', 'alpha:'),
        { name: 'Beta.main', params: ['msg'], nodes: [[1, 'ERR', { message: 'beta is offline' }]] },
        replier('Gamma.main', 'gamma:'),
        { name: 'Lib.helper', params: ['x'], nodes: [[1, 'CONST_STR', { value: 'no inbox' }]] },
        {
          name: 'Main.main',
          isEntry: true,
          nodes: [
            [1, 'COMMUNICATE', { protocol: 'BROADCAST', message: 'status?' }],
            [2, 'RETURN'],
          ],
          edges: [[1, 2]],
        },
      ]),
    );
    assert.equal(r.status, 'succeeded', r.error?.message);
    assert.deepEqual(r.result, [
      { agent: 'Alpha', result: 'alpha: status?' },
      { agent: 'Beta', error: 'beta is offline' },
      { agent: 'Gamma', result: 'gamma: status?' },
    ]);
    const messageFrames = log
      .of('frame:entered')
      .filter((f) => f.kind === 'message')
      .map((f) => f.flow)
      .sort();
    assert.deepEqual(messageFrames, ['Alpha.communicate', 'Beta.main', 'Gamma.main'], 'not the sender itself, not agents without an inbox');
    await rt.dispose();
  });

  it('returns an empty list when no other agent can receive messages', async () => {
    const rt = await makeRuntime();
    const r = await rt.execute(
      bundle('Solo.main', [
        { name: 'Solo.main', isEntry: true, nodes: [[1, 'COMMUNICATE', { protocol: 'broadcast', message: 'anyone?' }]] },
      ]),
    );
    assert.equal(r.status, 'succeeded', r.error?.message);
    assert.deepEqual(r.result, []);
    await rt.dispose();
  });
});

interface Received {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: unknown;
}

describe('COMMUNICATE over HTTP', () => {
  let server: Server;
  let base: string;
  const received: Received[] = [];
  let reply: (req: Received) => { status: number; body: string; type?: string } = () => ({ status: 200, body: '{}' });

  before(async () => {
    server = createServer((req, res) => {
      const parts: Buffer[] = [];
      req.on('data', (c: Buffer) => parts.push(c));
      req.on('end', () => {
        const text = Buffer.concat(parts).toString('utf8');
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          /* keep text */
        }
        const r: Received = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body };
        received.push(r);
        const out = reply(r);
        res.writeHead(out.status, { 'content-type': out.type ?? 'application/json' });
        res.end(out.body);
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  });

  it('POSTs {from, message} as JSON to <url>/v1/receive of a configured remote agent and returns the parsed reply', async () => {
    received.length = 0;
    reply = () => ({ status: 200, body: JSON.stringify({ ok: true, id: 'msg-17', echo: 'roger' }) });
    const rt = await makeRuntime({ remoteAgents: { Remote: `${base}/agents/remote/` } });
    const r = await rt.execute(
      bundle('Main.main', [
        {
          name: 'Main.main',
          isEntry: true,
          nodes: [
            [1, 'COMMUNICATE', { recipient: 'Remote', message: { text: 'hi there', n: 3 } }],
            [2, 'RETURN'],
          ],
          edges: [[1, 2]],
        },
      ]),
      { runId: 'run-http-1' },
    );
    assert.equal(r.status, 'succeeded', r.error?.message);
    assert.deepEqual(r.result, { ok: true, id: 'msg-17', echo: 'roger' });
    assert.equal(received.length, 1);
    assert.equal(received[0].method, 'POST');
    assert.equal(received[0].path, '/agents/remote/v1/receive', 'trailing slashes of the base URL are trimmed');
    assert.equal(received[0].headers['content-type'], 'application/json');
    assert.deepEqual(received[0].body, { from: 'run-http-1', message: { text: 'hi there', n: 3 } });
    await rt.dispose();
  });

  it('takes a URL as the recipient and returns a non-JSON reply as text', async () => {
    received.length = 0;
    reply = () => ({ status: 200, body: 'thanks, noted', type: 'text/plain' });
    const rt = await makeRuntime();
    const r = await rt.execute(bundle('Main.main', [sender({ recipient: base }, 'plain message')]));
    assert.equal(r.status, 'succeeded', r.error?.message);
    assert.equal(r.result, 'thanks, noted');
    assert.equal(received.length, 1);
    assert.equal(received[0].path, '/v1/receive');
    assert.deepEqual((received[0].body as { message: Value }).message, 'plain message');
    await rt.dispose();
  });

  it('fails with E_COMMUNICATE naming the remote URL, the status and the body when the server answers 500', async () => {
    received.length = 0;
    reply = () => ({ status: 500, body: 'remote agent crashed', type: 'text/plain' });
    const rt = await makeRuntime({ remoteAgents: { Remote: `${base}/remote` } });
    const r = await rt.execute(bundle('Main.main', [sender({ recipient: 'Remote' })]));
    assert.equal(r.status, 'failed');
    assert.equal(r.error?.code, 'E_COMMUNICATE');
    assert.equal(r.error?.message, `${base}/remote/v1/receive answered 500: remote agent crashed`);
    assert.equal(r.error?.nodeId, 2);
    assert.equal(received.length, 1);
    await rt.dispose();
  });

  it('fails with a retryable E_COMMUNICATE when the remote agent cannot be reached', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', () => resolve()));
    const deadUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const rt = await makeRuntime({ remoteAgents: { Gone: deadUrl } });
    const r = await rt.execute(bundle('Main.main', [sender({ recipient: 'Gone' })]));
    assert.equal(r.status, 'failed');
    assert.equal(r.error?.code, 'E_COMMUNICATE');
    assert.match(r.error?.message ?? '', new RegExp(`could not reach ${deadUrl.replace(/[.]/g, '\\.')}/v1/receive`));
    assert.equal(r.error?.retryable, true);
    await rt.dispose();
  });

  it('prefers an agent of the program over a remote agent of the same name', async () => {
    received.length = 0;
    const rt = await makeRuntime({ remoteAgents: { Helper: base } });
    const r = await rt.execute(bundle('Main.main', [replier('Helper.communicate', 'local:'), sender({ recipient: 'Helper' })]));
    assert.equal(r.status, 'succeeded', r.error?.message);
    assert.equal(r.result, 'local: hello');
    assert.equal(received.length, 0);
    await rt.dispose();
  });

  it('with protocol "http" and no URL for the recipient, fails naming the agent', async () => {
    const rt = await makeRuntime();
    const r = await rt.execute(bundle('Main.main', [sender({ recipient: 'Nowhere', protocol: 'http' })]));
    assert.equal(r.status, 'failed');
    assert.equal(r.error?.code, 'E_COMMUNICATE');
    assert.match(r.error?.message ?? '', /no URL is configured for remote agent "Nowhere"/);
    assert.match(r.error?.hint ?? '', /remoteAgents/);
    await rt.dispose();
  });
});

describe('FLOW_CALL between agents', () => {
  it("calls another agent's flow with the inputs bound to its parameters and records the call", async () => {
    const rt = await makeRuntime();
    const log = recordEvents(rt);
    const handle = rt.start(
      bundle('Shop.main', [
        {
          name: 'Pricing.quote',
          params: [
            ['item', 'str'],
            ['qty', 'int'],
          ],
          nodes: [
            [1, 'CONST_STR', { value: '{{qty}} x {{item}}' }],
            [2, 'FLOW_CALL', { agent_name: 'Tax', flow_name: 'apply' }],
            [3, 'RETURN'],
          ],
          edges: [
            [1, 2],
            [2, 3],
          ],
        },
        {
          name: 'Tax.apply',
          params: ['line'],
          nodes: [
            [1, 'CONST_STR', { value: '{{line}} + VAT' }],
            [2, 'RETURN'],
          ],
          edges: [[1, 2]],
        },
        {
          name: 'Shop.main',
          isEntry: true,
          params: ['product'],
          nodes: [
            [1, 'CONST_STR', { value: '{{product}}' }],
            [2, 'CONST_STR', { value: '3' }],
            [3, 'FLOW_CALL', { agent_name: 'Pricing', flow_name: 'quote' }],
            [4, 'RETURN'],
          ],
          edges: [
            [1, 3],
            [2, 3],
            [3, 4],
          ],
        },
      ]),
      { args: { product: 'lamp' } },
    );
    const r = await handle.result;
    assert.equal(r.status, 'succeeded', r.error?.message);
    assert.equal(r.result, '3 x lamp + VAT');

    const frames = log.of('frame:entered');
    assert.deepEqual(
      frames.map((f) => [f.flow, f.kind, f.callerNodeId]),
      [
        ['Shop.main', 'flow', undefined],
        ['Pricing.quote', 'flow', 3],
        ['Tax.apply', 'flow', 2],
      ],
    );

    const episodes = rt.storage.episodicQuery({ runId: r.runId, eventType: 'flow_call:' });
    assert.deepEqual(
      episodes.map((e) => e.eventType),
      ['flow_call:Pricing:quote', 'flow_call:Tax:apply'],
    );
    assert.deepEqual(episodes[0].payload, { type: 'flow_call', agent: 'Pricing', flow: 'quote', args: ['lamp', '3'], run_id: r.runId });
    assert.deepEqual(
      handle.aam
        .transitions()
        .map((t) => t.label)
        .filter((l) => l.startsWith('flow_call')),
      ['flow_call:Pricing:quote', 'flow_call:Tax:apply', 'flow_call_completed:Tax:apply', 'flow_call_completed:Pricing:quote'],
    );
    assert.deepEqual(
      Object.keys(r.beliefs).filter((k) => k.startsWith('_pending_flow_call')),
      [],
    );
    await rt.dispose();
  });

  it("fails the caller with the callee's error and clears the pending belief", async () => {
    const rt = await makeRuntime();
    const r = await rt.execute(
      bundle('Main.main', [
        { name: 'Billing.charge', params: ['amount'], nodes: [[1, 'ERR', { message: 'card declined' }]] },
        {
          name: 'Main.main',
          isEntry: true,
          nodes: [
            [1, 'CONST_STR', { value: '12.50' }],
            [2, 'FLOW_CALL', { agent_name: 'Billing', flow_name: 'charge' }],
            [3, 'RETURN'],
          ],
          edges: [
            [1, 2],
            [2, 3],
          ],
        },
      ]),
    );
    assert.equal(r.status, 'failed');
    assert.match(r.error?.message ?? '', /card declined/);
    assert.deepEqual(
      Object.keys(r.beliefs).filter((k) => k.startsWith('_pending_flow_call')),
      [],
    );
    await rt.dispose();
  });

  it('rejects at load time a call to a flow the bundle does not define, or with the wrong number of arguments', () => {
    assert.throws(
      () =>
        bundle('Main.main', [{ name: 'Main.main', isEntry: true, nodes: [[1, 'FLOW_CALL', { agent_name: 'Ghost', flow_name: 'run' }]] }]),
      /Ghost\.run, which is not in this program/,
    );
    assert.throws(
      () =>
        bundle('Main.main', [
          replier('Lib.echo', 'echo'),
          { name: 'Main.main', isEntry: true, nodes: [[1, 'FLOW_CALL', { agent_name: 'Lib', flow_name: 'echo' }]] },
        ]),
      /passes 0 argument\(s\) but Lib\.echo takes 1/,
    );
  });
});

describe('flow parameters by any name', () => {
  it('a callee parameter named __proto__ or constructor is bound as a value, not as the prototype', { timeout: 20_000 }, async () => {
    const rt = await makeRuntime();
    try {
      const callee = {
        name: 'Helper.echo',
        params: ['__proto__', 'constructor'],
        nodes: [
          [1, 'CONST_STR', { value: '{{__proto__}}/{{constructor}}' }],
          [2, 'RETURN'],
        ] as [number, string, Record<string, unknown>][],
        edges: [[1, 2]] as [number, number][],
      };
      const main = {
        name: 'Main.main',
        isEntry: true,
        nodes: [
          [1, 'CONST_STR', { value: 'first' }],
          [2, 'CONST_STR', { value: 'second' }],
          [3, 'FLOW_CALL', { agent_name: 'Helper', flow_name: 'echo' }],
          [4, 'RETURN'],
        ] as [number, string, Record<string, unknown>][],
        edges: [
          [1, 3],
          [2, 3],
          [3, 4],
        ] as [number, number][],
      };
      const r = await rt.execute(bundle('Main.main', [callee, main]));
      assert.equal(r.status, 'succeeded', r.error?.message);
      assert.equal(r.result, 'first/second');
    } finally {
      await rt.dispose();
    }
  });
});

describe('values keyed by program names', () => {
  it('MERGE "object" keys and a flow\'s exit values named __proto__ stay keys', { timeout: 20_000 }, async () => {
    const rt = await makeRuntime();
    try {
      const merged = await rt.execute(
        bundle('Main.main', [
          {
            name: 'Main.main',
            isEntry: true,
            nodes: [
              [1, 'CONST_STR', { value: 'x' }],
              [2, 'CONST_STR', { value: 'y' }],
              [3, 'MERGE', { strategy: 'object', keys: ['__proto__', 'b'] }],
              [4, 'RETURN'],
            ] as [number, string, Record<string, unknown>][],
            edges: [
              [1, 3],
              [2, 3],
              [3, 4],
            ] as [number, number][],
          },
        ]),
      );
      assert.equal(merged.status, 'succeeded', merged.error?.message);
      assert.deepEqual(JSON.parse(JSON.stringify(merged.result)), JSON.parse('{"__proto__":"x","b":"y"}'));
      const exits = await rt.execute(
        bundle('Main.main', [
          {
            name: 'Main.main',
            isEntry: true,
            nodes: [
              [1, 'CONST_STR', { value: 'x' }, '__proto__'],
              [2, 'CONST_STR', { value: 'y' }, 'other'],
            ] as [number, string, Record<string, unknown>, string][],
            edges: [] as [number, number][],
          },
        ]),
      );
      assert.equal(exits.status, 'succeeded', exits.error?.message);
      assert.equal(JSON.stringify(exits.result), '{"__proto__":"x","other":"y"}');
    } finally {
      await rt.dispose();
    }
  });
});
