import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CapabilitySystem } from './capabilities/capabilitySystem.js';
import { loadCapabilityModule } from './capabilities/workspaceModule.js';
import { ApxmError } from './errors.js';
import { PROGRAM_FILE, PROGRAM_FILE_MAX_BYTES, readInputFile, readInputFileSync } from './inputFile.js';
import { loadProgramFile } from './programFile.js';
import { readTraceFile } from './replay/traceFile.js';
import { readWorkspaceConfig } from './workspace.js';
import { APXM_CLI, REPO_ROOT } from '../test/support/apxmCli.js';

const root = REPO_ROOT;
const cli = APXM_CLI;

/** The CLI as a real process; killed in `finally` by the caller's timeout guard if it hangs. */
function apxm(args: string[], timeoutMs = 15_000): Promise<{ status: number | null; stderr: string; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

const isCode = (code: string, pattern: RegExp) => (e: unknown) =>
  e instanceof ApxmError && e.code === code && pattern.test(e.message) && Boolean(e.hint);

describe('input files: only regular files within the cap are read', () => {
  let dir: string;
  let fifo: string;
  let sparse: string;
  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'apxm-input-'));
    fifo = path.join(dir, 'pipe.ais');
    execFileSync('mkfifo', [fifo]);
    // Sparse: one byte over the cap without writing 64 MiB.
    sparse = path.join(dir, 'huge.json');
    writeFileSync(sparse, '');
    execFileSync('truncate', ['-s', String(PROGRAM_FILE_MAX_BYTES + 1), sparse]);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a program and a configuration saved with a byte-order mark', { timeout: 20_000 }, async () => {
    const config = path.join(dir, 'bom.config.json');
    writeFileSync(config, '\ufeff{"mcpServers": {}}');
    assert.deepEqual(readWorkspaceConfig(config), { mcpServers: {} });
    const program = path.join(dir, 'bom.json');
    writeFileSync(program, `\ufeff${JSON.stringify({ name: 'A.main', nodes: [{ id: 1, name: 'r', op: 'RETURN' }], edges: [] })}`);
    assert.equal((await loadProgramFile(program)).flows.length, 1);
  });

  it('a FIFO is refused at once, not waited on (async and sync readers)', { timeout: 10_000 }, async () => {
    await assert.rejects(loadProgramFile(fifo), isCode('E_PROGRAM_READ', /is a named pipe \(FIFO\), not a program file/));
    assert.throws(() => readInputFileSync(fifo, PROGRAM_FILE), isCode('E_PROGRAM_READ', /named pipe/));
    assert.throws(
      () => readTraceFile(fifo),
      (e: unknown) => e instanceof ApxmError && e.code === 'E_TRACE_FILE' && /named pipe/.test(e.message),
    );
    assert.throws(
      () => readWorkspaceConfig(fifo),
      (e: unknown) => e instanceof ApxmError && e.code === 'E_CONFIG' && /named pipe/.test(e.message),
    );
    await assert.rejects(
      loadCapabilityModule(fifo, new CapabilitySystem()),
      isCode('E_CAPABILITY_MODULE', /named pipe \(FIFO\), not a capability module file/),
    );
  });

  it('/dev/zero and a directory are refused by kind', { timeout: 10_000 }, async () => {
    await assert.rejects(loadProgramFile('/dev/zero.json'), isCode('E_PROGRAM_READ', /no such file/));
    await assert.rejects(
      readInputFile('/dev/zero', PROGRAM_FILE),
      isCode('E_PROGRAM_READ', /^\/dev\/zero is a character device, not a program file/),
    );
    const sub = path.join(dir, 'prog.ais');
    mkdirSync(sub);
    await assert.rejects(loadProgramFile(sub), isCode('E_PROGRAM_READ', /is a directory/));
  });

  it('a file over the cap is refused before it is read, with the cap in the message', { timeout: 10_000 }, async () => {
    await assert.rejects(
      loadProgramFile(sparse),
      isCode('E_PROGRAM_READ', /huge\.json is 64\.0 MiB; a program file may be at most 64 MiB/),
    );
    await assert.rejects(loadProgramFile(sparse), (e: ApxmError) => e.place?.file === sparse);
  });

  it('a regular file at the cap is read whole; a small one as it is', { timeout: 20_000 }, async () => {
    const ok = path.join(dir, 'ok.json');
    writeFileSync(ok, '{"a": 1}');
    assert.equal((await readInputFile(ok, PROGRAM_FILE)).toString(), '{"a": 1}');
    assert.equal(readInputFileSync(ok, { ...PROGRAM_FILE, maxBytes: 8 }).toString(), '{"a": 1}');
    assert.throws(() => readInputFileSync(ok, { ...PROGRAM_FILE, maxBytes: 7 }), isCode('E_PROGRAM_READ', /at most 7 bytes/));
  });

  it(
    'the CLI exits 2 with E_PROGRAM_READ for a FIFO, /dev/zero and an oversized file (run and validate)',
    { timeout: 60_000 },
    async () => {
      for (const [command, file, message] of [
        ['validate', fifo, /named pipe/],
        ['run', fifo, /named pipe/],
        ['inspect', fifo, /named pipe/],
        ['run', '/dev/zero', /character device/],
        ['validate', sparse, /at most 64 MiB/],
      ] as const) {
        const r = await apxm([command, file]);
        assert.equal(r.status, 2, `${command} ${file}: ${r.stderr}`);
        assert.match(r.stderr, /error\[E_PROGRAM_READ\]/);
        assert.match(r.stderr, message);
        assert.match(r.stderr, /fix: /);
      }
    },
  );
});
