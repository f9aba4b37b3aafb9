import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { it } from 'node:test';
import { Runtime } from './runtime.js';

/** Open file descriptors of this process that point at `file` (Linux). */
function openHandles(file: string): number {
  return readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`).startsWith(file);
    } catch {
      return false;
    }
  }).length;
}

it(
  'a bad LLM setting fails Runtime.create without leaving its database open',
  { timeout: 20_000, skip: process.platform !== 'linux' },
  async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'apxm-create-'));
    try {
      const dbPath = path.join(dir, 'runs.sqlite');
      await assert.rejects(Runtime.create({ memoryConfig: { dbPath }, llm: { timeoutMs: -5 } }), { code: 'E_LLM_CONFIG' });
      assert.equal(openHandles(dbPath), 0, 'the database file is not held open');
      const rt = await Runtime.create({ memoryConfig: { dbPath } });
      assert.ok(openHandles(dbPath) > 0, 'the check sees a database that is open');
      await rt.dispose();
      assert.equal(openHandles(dbPath), 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
