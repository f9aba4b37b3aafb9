/**
 * The API key a host hands the adapter in `llm.apiKey` (the VS Code extension, from SecretStorage)
 * reaches the LLM server's Authorization header and nothing else: not a DAP message (output,
 * responses, errors, exception info), not the adapter's stderr, not the run's database.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DapWire, spawnAdapter } from '../test/support/dapWire.js';
import { startFakeOpenAi, type FakeHandler } from '../test/support/fakeOpenAiServer.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ADAPTER = path.join(HERE, 'dapMain.js');
const TRIP = path.resolve(HERE, '../../examples/trip_planner.ais');
const INIT = { adapterID: 'apxm', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' };
const KEY = 'sk-apxm-LEAK-CHECK-7f3a9c';

interface Session {
  wire: DapWire;
  /** Everything the adapter said: every DAP message and its stderr. */
  said: () => string;
  db: string;
  dir: string;
}

async function session(t: TestContext): Promise<Session> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'apxm-key-'));
  const adapter = spawnAdapter(ADAPTER);
  t.after(async () => {
    await adapter.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const wire = DapWire.overStdio(adapter.child);
  t.after(() => wire.close());
  await wire.request('initialize', INIT);
  return { wire, dir, db: path.join(dir, 'runs.sqlite'), said: () => JSON.stringify(wire.messages) + adapter.stderr() };
}

/** Every byte of the run's database files (the file, its WAL and shared memory), as text. */
function databaseBytes(dir: string): string {
  return readdirSync(dir)
    .filter((f) => f.startsWith('runs.sqlite'))
    .map((f) => readFileSync(path.join(dir, f)).toString('latin1'))
    .join('');
}

const launchArgs = (s: Session, baseUrl: string) => ({
  program: TRIP,
  args: { city: 'Lisbon' },
  db: s.db,
  llm: { provider: 'openai', baseUrl, apiKey: KEY },
});

/** Launches trip_planner against `baseUrl` with the key and lets it run. */
async function runWithKey(s: Session, baseUrl: string): Promise<void> {
  const launched = s.wire.request('launch', launchArgs(s, baseUrl));
  await s.wire.event('initialized');
  await s.wire.request('configurationDone');
  assert.equal((await launched).success, true);
}

async function withServer(t: TestContext, handler: FakeHandler) {
  const server = await startFakeOpenAi(handler);
  t.after(() => server.close());
  return server;
}

describe('the API key given to the adapter', () => {
  it('is sent as the bearer token and recorded nowhere (DAP messages, stderr, the database)', { timeout: 60_000 }, async (t) => {
    const server = await withServer(t, () => ({ reply: 'a plan' }));
    const s = await session(t);
    await runWithKey(s, server.url);
    await s.wire.event('terminated', 30_000);
    assert.ok(server.requests.length > 0, 'the run asked the server');
    for (const r of server.requests) assert.equal(r.headers.authorization, `Bearer ${KEY}`);
    await s.wire.request('disconnect', {});
    assert.ok(!s.said().includes(KEY), 'no DAP message or stderr line has the key');
    const bytes = databaseBytes(s.dir);
    assert.ok(bytes.length > 0, 'the run was recorded');
    assert.ok(!bytes.includes(KEY), 'the database has no trace of the key');
  });

  it('a server that refuses it and quotes it back: the failure says why without the key', { timeout: 60_000 }, async (t) => {
    const server = await withServer(t, (r) => ({ status: 401, message: `Incorrect API key provided: ${r.headers.authorization}` }));
    const s = await session(t);
    await s.wire.request('setExceptionBreakpoints', { filters: [] });
    await runWithKey(s, server.url);
    await s.wire.event('terminated', 30_000);
    assert.ok(server.requests.length > 0);
    const said = s.said();
    assert.match(said, /refused the credentials \(401\)/, 'the failure is told');
    assert.match(said, /APXM: Set API Key/, 'with where a key is set');
    assert.ok(!said.includes(KEY), 'the quoted key is removed');
    assert.ok(!databaseBytes(s.dir).includes(KEY), 'the recorded failure has no key either');
  });

  it('a launch that fails (bad base URL, bad cwd) never echoes it', { timeout: 30_000 }, async (t) => {
    const s = await session(t);
    const bad = await s.wire.request('launch', launchArgs(s, 'ftp://127.0.0.1/v1'));
    assert.equal(bad.success, false);
    const badCwd = await s.wire.request('launch', {
      program: TRIP,
      args: { city: 'Oslo' },
      cwd: path.join(s.dir, 'missing'),
      llm: { provider: 'openai', baseUrl: 'http://127.0.0.1:9/v1', apiKey: KEY, timeoutMs: 'soon' },
    });
    assert.equal(badCwd.success, false);
    assert.ok(!s.said().includes(KEY));
  });
});
