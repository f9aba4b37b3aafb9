import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { program } from '../../test/support/graphBuilder.js';
import { makeRuntime, recordEvents } from '../../test/support/harness.js';
import { loadWorkspaceCapabilities } from '../workspace.js';
import { CapabilityRecord } from './capabilityRecord.js';
import { CapabilitySystem, type CapabilityChange } from './capabilitySystem.js';
import { loadMcpServers } from './mcpCapabilities.js';
import { rejectsWith } from '../../test/support/assertions.js';

// The fixture is plain JS outside out/: find it in the source tree (out/runtime/capabilities → repo root).
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const echoServer = path.join(repoRoot, 'test', 'fixtures', 'mcp', 'echoServer.mjs');
const silentServer = path.join(repoRoot, 'test', 'fixtures', 'mcp', 'silentServer.mjs');

const tmpDirs: string[] = [];
after(() => {
  for (const d of tmpDirs) rmSync(d, { recursive: true, force: true });
});

function tmpDir(): string {
  const d = mkdtempSync(path.join(os.tmpdir(), 'apxm-mcp-'));
  tmpDirs.push(d);
  return d;
}

/** A workspace directory with apxm.config.json; `pidFile` receives the echo server's process id. */
function workspace(servers?: Record<string, unknown>): { dir: string; configFile: string; pidFile: string } {
  const dir = tmpDir();
  const pidFile = path.join(dir, 'echo.pid');
  const configFile = path.join(dir, 'apxm.config.json');
  const mcpServers = servers ?? { fx: { command: process.execPath, args: [echoServer], env: { ECHO_SERVER_PID_FILE: pidFile } } };
  writeFileSync(configFile, JSON.stringify({ mcpServers }, null, 2));
  return { dir, configFile, pidFile };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw e;
  }
}

describe('MCP stdio servers as capabilities', () => {
  assert.ok(existsSync(echoServer), `fixture server missing at ${echoServer}`);
  let system: CapabilitySystem;
  let pidFile: string;

  before(async () => {
    const ws = workspace();
    pidFile = ws.pidFile;
    system = new CapabilitySystem();
    const connections = await loadMcpServers(ws.configFile, system);
    assert.equal(connections.length, 1);
    assert.equal(connections[0].server, 'fx');
    assert.deepEqual([...connections[0].tools].sort(), ['fx.add', 'fx.echo', 'fx.fail']);
  });

  after(async () => {
    await system?.dispose();
  });

  it('registers each tool as <server>.<tool> with its schema, description and MCP source', () => {
    assert.deepEqual(system.listCapabilityNames(), ['fx.add', 'fx.echo', 'fx.fail']);
    const echo = system.get('fx.echo');
    assert.equal(echo?.description, 'Echo the text back');
    assert.deepEqual(echo?.schema, { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] });
    assert.deepEqual(echo?.source, { kind: 'mcp', server: 'fx' });
    assert.deepEqual(system.get('fx.add')?.schema, {
      type: 'object',
      properties: { a: { type: 'number' }, b: { type: 'number' } },
      required: ['a', 'b'],
    });
    assert.deepEqual(system.get('fx.fail')?.source, { kind: 'mcp', server: 'fx' });
  });

  it('calls a tool and returns its text content', async () => {
    assert.equal(await system.invoke('fx.echo', { text: 'hi' }), 'echo: hi');
    assert.equal(await system.invoke('fx.echo', { text: 'twice' }), 'echo: twice');
  });

  it('returns structured content when the tool gives it', async () => {
    assert.deepEqual(await system.invoke('fx.add', { a: 2, b: 3 }), { sum: 5 });
    assert.deepEqual(await system.invoke('fx.add', { a: -1.5, b: 0.25 }), { sum: -1.25 });
  });

  it("turns a tool result with isError into E_CAPABILITY_FAILED with the tool's text", async () => {
    const err = await rejectsWith(() => system.invoke('fx.fail', {}), 'E_CAPABILITY_FAILED');
    assert.equal(err.message, 'capability "fx.fail" failed: the tool failed on purpose');
  });

  it("validates params against the tool's input schema before calling the server", async () => {
    // The fixture itself would answer "echo: undefined": an error proves the check happened here.
    const missing = await rejectsWith(() => system.invoke('fx.echo', {}), 'E_CAPABILITY_ARGS');
    assert.match(missing.message, /must have required property 'text'/);
    const wrongType = await rejectsWith(() => system.invoke('fx.add', { a: 'two', b: 3 }), 'E_CAPABILITY_ARGS');
    assert.match(wrongType.message, /\/a: must be number/);
  });

  it('keeps working after a failed call', async () => {
    await rejectsWith(() => system.invoke('fx.fail', {}), 'E_CAPABILITY_FAILED');
    assert.equal(await system.invoke('fx.echo', { text: 'still here' }), 'echo: still here');
    assert.ok(isAlive(Number(readFileSync(pidFile, 'utf8'))));
  });
});

describe('closing MCP servers', () => {
  it('system.dispose() unregisters the tools and ends the server process', async () => {
    const { configFile, pidFile } = workspace();
    const system = new CapabilitySystem();
    const changes: CapabilityChange[] = [];
    system.onChange((c) => changes.push(c));
    await loadMcpServers(configFile, system);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    assert.ok(pid > 0 && isAlive(pid), 'the server is running');
    assert.equal(await system.invoke('fx.echo', { text: 'x' }), 'echo: x');
    await system.dispose();
    assert.deepEqual(system.listCapabilityNames(), []);
    assert.deepEqual(
      changes
        .filter((c) => c.kind === 'unregistered')
        .map((c) => c.name)
        .sort(),
      ['fx.add', 'fx.echo', 'fx.fail'],
    );
    assert.equal(isAlive(pid), false, 'the server process has ended');
    await rejectsWith(() => system.invoke('fx.echo', { text: 'x' }), 'E_CAPABILITY_NOT_FOUND');
  });

  it("a connection's close() does the same for one server", async () => {
    const { configFile, pidFile } = workspace();
    const system = new CapabilitySystem();
    system.register('local', new CapabilityRecord('stays', () => 'local'));
    const [conn] = await loadMcpServers(configFile, system);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    await conn.close();
    assert.deepEqual(system.listCapabilityNames(), ['local']);
    assert.equal(isAlive(pid), false);
    await system.dispose();
  });
});

describe('MCP configuration errors', () => {
  it('a server whose command does not exist fails with E_MCP and registers nothing', async () => {
    const { configFile } = workspace({ ghost: { command: path.join(os.tmpdir(), 'apxm-no-such-command-9f2c1') } });
    const system = new CapabilitySystem();
    const err = await rejectsWith(() => loadMcpServers(configFile, system), 'E_MCP');
    assert.match(err.message, /MCP server "ghost" .* did not start/);
    assert.match(err.hint ?? '', /apxm\.config\.json/);
    assert.deepEqual(system.listCapabilityNames(), []);
    await system.dispose();
  });

  it('a server that exits before answering fails with E_MCP', async () => {
    const { configFile } = workspace({ quitter: { command: process.execPath, args: ['-e', 'process.exit(3)'] } });
    const system = new CapabilitySystem();
    const err = await rejectsWith(() => loadMcpServers(configFile, system), 'E_MCP');
    assert.match(err.message, /"quitter"/);
    await system.dispose();
  });

  it(
    'a server that never answers initialize fails at its start-up timeout and is killed (it ignores SIGTERM)',
    { timeout: 20_000 },
    async () => {
      const dir = tmpDir();
      const pidFile = path.join(dir, 'silent.pid');
      const configFile = path.join(dir, 'apxm.config.json');
      writeFileSync(
        configFile,
        JSON.stringify({
          mcpStartupTimeoutMs: 60_000,
          mcpServers: {
            mute: { command: process.execPath, args: [silentServer], env: { SILENT_SERVER_PID_FILE: pidFile }, startupTimeoutMs: 3000 },
          },
        }),
      );
      const system = new CapabilitySystem();
      try {
        const err = await rejectsWith(() => loadMcpServers(configFile, system), 'E_MCP');
        assert.equal(err.message, `MCP server "mute" (${process.execPath}) did not answer within its 3000 ms start-up timeout`);
        assert.match(err.hint ?? '', /startupTimeoutMs/);
        const pid = Number(readFileSync(pidFile, 'utf8'));
        assert.equal(isAlive(pid), false, 'the silent server was killed');
      } finally {
        await system.dispose();
      }
    },
  );

  it('starting a server is cancelled by the signal, and the server is killed', { timeout: 20_000 }, async () => {
    const dir = tmpDir();
    const pidFile = path.join(dir, 'silent.pid');
    const configFile = path.join(dir, 'apxm.config.json');
    writeFileSync(
      configFile,
      JSON.stringify({
        mcpServers: { mute: { command: process.execPath, args: [silentServer], env: { SILENT_SERVER_PID_FILE: pidFile } } },
      }),
    );
    const system = new CapabilitySystem();
    const controller = new AbortController();
    const poll = setInterval(() => existsSync(pidFile) && controller.abort(), 10);
    try {
      const err = await rejectsWith(() => loadMcpServers(configFile, system, { signal: controller.signal }), 'E_CANCELLED');
      assert.match(err.message, /starting MCP server "mute" was cancelled/);
      assert.equal(isAlive(Number(readFileSync(pidFile, 'utf8'))), false);
    } finally {
      clearInterval(poll);
      await system.dispose();
    }
  });

  it('start-up and call timeouts out of range are E_CONFIG at their JSON path', async () => {
    const global = workspace({ fx: { command: 'x' } });
    writeFileSync(global.configFile, JSON.stringify({ mcpStartupTimeoutMs: 0, mcpServers: { fx: { command: 'x' } } }));
    const a = await rejectsWith(() => loadMcpServers(global.configFile, new CapabilitySystem()), 'E_CONFIG');
    assert.equal(a.place?.jsonPath, '$.mcpStartupTimeoutMs');
    assert.match(a.message, /from 1 to 2147483647/);
    const own = workspace({ fx: { command: 'x', timeoutMs: 1e10 } });
    const b = await rejectsWith(() => loadMcpServers(own.configFile, new CapabilitySystem()), 'E_CONFIG');
    assert.equal(b.place?.jsonPath, '$.mcpServers.fx.timeoutMs');
  });

  it('when one server fails, the servers that started are closed again', async () => {
    const dir = tmpDir();
    const pidFile = path.join(dir, 'echo.pid');
    const configFile = path.join(dir, 'apxm.config.json');
    writeFileSync(
      configFile,
      JSON.stringify({
        mcpServers: {
          fx: { command: process.execPath, args: [echoServer], env: { ECHO_SERVER_PID_FILE: pidFile } },
          ghost: { command: path.join(dir, 'missing-binary') },
        },
      }),
    );
    const system = new CapabilitySystem();
    await rejectsWith(() => loadMcpServers(configFile, system), 'E_MCP');
    assert.deepEqual(system.listCapabilityNames(), []);
    assert.equal(isAlive(Number(readFileSync(pidFile, 'utf8'))), false, 'the echo server was started, then stopped');
    await system.dispose();
  });

  it('a tool name clash closes the server and leaves none of its tools behind', async () => {
    const { configFile, pidFile } = workspace();
    const system = new CapabilitySystem();
    system.register('fx.add', new CapabilityRecord('from code', () => 'code add'));
    const err = await rejectsWith(() => loadMcpServers(configFile, system), 'E_CAPABILITY_DUPLICATE');
    assert.match(err.message, /"fx\.add" is already registered \(from code\)/);
    assert.deepEqual(system.listCapabilityNames(), ['fx.add']);
    assert.equal(await system.invoke('fx.add', {}), 'code add');
    assert.equal(isAlive(Number(readFileSync(pidFile, 'utf8'))), false);
    await system.dispose();
  });

  it('an entry without "command" is E_CONFIG pointing at its JSON path', async () => {
    const { configFile } = workspace({ broken: { args: ['server.mjs'] } });
    const err = await rejectsWith(() => loadMcpServers(configFile, new CapabilitySystem()), 'E_CONFIG');
    assert.equal(err.place?.file, configFile);
    assert.equal(err.place?.jsonPath, '$.mcpServers.broken.command');
    assert.match(err.message, /mcpServers\.broken needs a "command"/);
  });

  it('args that are not a list of strings are E_CONFIG pointing at args', async () => {
    const { configFile } = workspace({ bad: { command: process.execPath, args: 'server.mjs' } });
    const err = await rejectsWith(() => loadMcpServers(configFile, new CapabilitySystem()), 'E_CONFIG');
    assert.equal(err.place?.jsonPath, '$.mcpServers.bad.args');
  });
});

describe('MCP tools in a run', () => {
  it('an INV node calls fx.echo with a value from a CONST_STR node', async () => {
    const { dir, configFile, pidFile } = workspace();
    const rt = await makeRuntime();
    try {
      const loaded = await loadWorkspaceCapabilities(rt.capabilitySystem(), path.join(dir, 'program.json'), { config: configFile });
      assert.equal(loaded.module, undefined);
      assert.deepEqual(loaded.tools, []);
      assert.deepEqual([...loaded.mcp].sort(), ['fx.add', 'fx.echo', 'fx.fail']);
      const log = recordEvents(rt);
      const r = await rt.execute(
        program({
          nodes: [
            [1, 'CONST_STR', { value: 'hello from the graph' }],
            [2, 'INV', { capability: 'fx.echo', params: { text: '{0}' } }],
            [3, 'RETURN'],
          ],
          edges: [
            [1, 2],
            [2, 3],
          ],
        }),
      );
      assert.equal(r.status, 'succeeded', r.error?.message);
      assert.equal(r.result, 'echo: hello from the graph');
      assert.deepEqual(
        log.of('capability:call').map((e) => [e.name, e.params]),
        [['fx.echo', { text: 'hello from the graph' }]],
      );

      const failed = await rt.execute(program({ nodes: [[1, 'INV', { capability: 'fx.fail' }]] }));
      assert.equal(failed.status, 'failed');
      assert.equal(failed.error?.code, 'E_CAPABILITY_FAILED');
      assert.match(failed.error?.message ?? '', /the tool failed on purpose/);
    } finally {
      await rt.dispose();
    }
    assert.equal(isAlive(Number(readFileSync(pidFile, 'utf8'))), false, 'disposing the runtime ended the server');
  });

  it('finds apxm.config.json next to the program when no config is given', async () => {
    const { dir, pidFile } = workspace();
    const rt = await makeRuntime();
    try {
      const loaded = await loadWorkspaceCapabilities(rt.capabilitySystem(), path.join(dir, 'program.json'));
      assert.equal(loaded.mcp.length, 3);
      const r = await rt.execute(
        program({
          nodes: [
            [1, 'INV', { capability: 'fx.add', params: { a: 40, b: 2 } }],
            [2, 'RETURN'],
          ],
          edges: [[1, 2]],
        }),
      );
      assert.deepEqual(r.result, { sum: 42 });
    } finally {
      await rt.dispose();
    }
    assert.equal(isAlive(Number(readFileSync(pidFile, 'utf8'))), false);
  });
});
