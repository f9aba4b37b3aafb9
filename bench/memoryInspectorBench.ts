/**
 * The memory inspector at the adapter: a 100,000-entry LTM on a real SQLite file, a session stopped
 * on entry, and the time from sending `apxm/memoryPage` to its response (first page, a deep page,
 * most recently updated first, a key prefix, a full-text search with a rare word and with a word in
 * one entry of twelve). Baseline from the same session:
 * the round trip of `threads`, a request that reads nothing.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import { openStorage } from '../runtime/memory/openStorage.js';
import type { Emit } from './schedulerBench.js';
import { p50, quantile } from './stats.js';

const ADAPTER = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../debug-adapter/dapMain.js');
const WORDS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet', 'kilo', 'lima'];

export async function memoryInspectorBench(emit: Emit, entries = 100_000, repeats = 30): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'apxm-bench-inspector-'));
  const db = path.join(dir, 'ltm.sqlite');
  const program = path.join(dir, 'p.json');
  writeFileSync(
    program,
    JSON.stringify({
      name: 'Bench.main',
      parameters: [],
      nodes: [{ id: 1, name: 'done', op: 'RETURN', attributes: {} }],
      edges: [],
      metadata: {},
    }),
  );
  const storage = await openStorage(db);
  const t0 = performance.now();
  storage.ltmPutMany(
    Array.from({ length: entries }, (_, i) => ({
      key: `note:${String(i).padStart(6, '0')}`,
      value: { text: `${WORDS[i % 12]} ${WORDS[(i * 7) % 12]} fact number ${i}`, n: i },
    })),
  );
  const loadMs = performance.now() - t0;
  storage.close();
  const dc = new DebugClient(process.execPath, ADAPTER, 'apxm');
  dc.defaultTimeout = 120_000;
  await dc.start();
  try {
    await Promise.all([dc.configurationSequence(), dc.launch({ program, db, stopOnEntry: true }), dc.waitForEvent('stopped')]);
    const time = async (command: string, args: Record<string, unknown>): Promise<number[]> => {
      const out: number[] = [];
      for (let i = 0; i < repeats; i++) {
        const t = performance.now();
        const { fixed, ...rest } = args;
        await dc.customRequest(
          command,
          typeof args.search === 'string' && !fixed ? { ...rest, search: `${WORDS[i % 12]} ${i * 3001}` } : rest,
        );
        out.push(performance.now() - t);
      }
      return out;
    };
    // the very first page, before anything warmed the statements
    const tFirst = performance.now();
    const first = (await dc.customRequest('apxm/memoryPage', { tab: 'ltm', offset: 0, limit: 100 })).body as { total: number };
    const coldFirstMs = performance.now() - tFirst;
    if (first.total !== entries) throw new Error(`expected ${entries} LTM rows, the page says ${first.total}`);
    const baseline = await time('threads', {});
    const page0 = await time('apxm/memoryPage', { tab: 'ltm', offset: 0, limit: 100 });
    const deep = await time('apxm/memoryPage', { tab: 'ltm', offset: entries - 100, limit: 100 });
    const updated = await time('apxm/memoryPage', { tab: 'ltm', offset: 0, limit: 100, sort: 'updated' });
    const prefix = await time('apxm/memoryPage', { tab: 'ltm', offset: 0, limit: 100, prefix: 'note:0420' });
    const search = await time('apxm/memoryPage', { tab: 'ltm', offset: 0, limit: 100, search: 'x' });
    // one common word: in 1 entry of 12, so the search stops at its 1,000-hit cap
    const common = await time('apxm/memoryPage', { tab: 'ltm', offset: 0, limit: 100, search: 'alpha', fixed: true });
    const r = (x: number) => Math.round(x * 100) / 100;
    emit({
      bench: 'memory-inspector',
      entries,
      load_ms: Math.round(loadMs),
      first_page_cold_ms: r(coldFirstMs),
      first_page_p50_ms: r(p50(page0)),
      first_page_p90_ms: r(quantile(page0, 0.9)),
      last_page_p50_ms: r(p50(deep)),
      updated_first_page_p50_ms: r(p50(updated)),
      prefix_page_p50_ms: r(p50(prefix)),
      fulltext_search_p50_ms: r(p50(search)),
      fulltext_search_p90_ms: r(quantile(search, 0.9)),
      common_word_search_p50_ms: r(p50(common)),
      baseline_threads_p50_ms: r(p50(baseline)),
      target_first_page_ms: 100,
      target_search_ms: 50,
    });
    await dc.terminateRequest();
  } finally {
    await dc.stop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}
