/** Peak RSS of a 100k-node run (in a fresh process, against the same process idle) and LTM QMEM p50 over 100k entries. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { MemorySystem } from '../runtime/memory/memorySystem.js';
import { openStorage } from '../runtime/memory/openStorage.js';
import { ShortTermMemory } from '../runtime/memory/shortTermMemory.js';
import type { Emit } from './schedulerBench.js';
import { p50 } from './stats.js';

const here = path.dirname(fileURLToPath(import.meta.url));

function childRss(mode: 'idle' | 'run', nodes: number): number {
  const r = spawnSync(process.execPath, [path.join(here, 'rssChild.js'), mode, String(nodes)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`rss child failed: ${r.stderr}`);
  return (JSON.parse(r.stdout.trim().split('\n').pop() as string) as { maxRssMb: number }).maxRssMb;
}

export async function memoryBench(emit: Emit, entries = 100_000): Promise<void> {
  const idle = childRss('idle', 100_000);
  const run = childRss('run', 100_000);
  emit({
    bench: 'peak-rss',
    nodes: 100_000,
    idle_rss_mb: idle,
    run_rss_mb: run,
    delta_mb: Math.round((run - idle) * 10) / 10,
    bytes_per_node: Math.round(((run - idle) * 1024 * 1024) / 100_000),
  });

  const dir = mkdtempSync(path.join(os.tmpdir(), 'apxm-bench-'));
  const storage = await openStorage(path.join(dir, 'ltm.sqlite'));
  try {
    const words = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet', 'kilo', 'lima'];
    const t0 = performance.now();
    storage.ltmPutMany?.(
      Array.from({ length: entries }, (_, i) => ({
        key: `note:${i}`,
        value: { text: `${words[i % 12]} ${words[(i * 7) % 12]} fact number ${i}`, n: i },
      })),
    );
    if (!storage.ltmPutMany)
      for (let i = 0; i < entries; i++)
        storage.ltmPut(`note:${i}`, { text: `${words[i % 12]} ${words[(i * 7) % 12]} fact number ${i}`, n: i });
    const loadMs = performance.now() - t0;
    const point: number[] = [];
    const keyQ: number[] = [];
    const textQ: number[] = [];
    // what the QMEM op runs: MemorySystem.search, key matches first, then full text to fill k
    const memory = new MemorySystem('bench', new ShortTermMemory(), storage, undefined, Date.now);
    const opKey: number[] = [];
    const opWords: number[] = [];
    for (let q = 0; q < 1000; q++) {
      const i = (q * 7919) % entries;
      let t = performance.now();
      storage.ltmGet(`note:${i}`);
      point.push(performance.now() - t);
      t = performance.now();
      storage.ltmSearchKeys(`note:${i}`, 10);
      keyQ.push(performance.now() - t);
      t = performance.now();
      storage.ltmSearchText(`${words[q % 12]} ${i}`, 10);
      textQ.push(performance.now() - t);
      t = performance.now();
      memory.search('ltm', `note:${i}`, 10);
      opKey.push(performance.now() - t);
      t = performance.now();
      memory.search('ltm', `${words[q % 12]} ${i}`, 10);
      opWords.push(performance.now() - t);
    }
    const r = (x: number) => Math.round(x * 1000) / 1000;
    emit({
      bench: 'ltm-qmem',
      entries,
      backend: storage.kind,
      load_ms: Math.round(loadMs),
      point_get_p50_ms: r(p50(point)),
      qmem_key_p50_ms: r(p50(keyQ)),
      qmem_fulltext_p50_ms: r(p50(textQ)),
      qmem_op_by_key_p50_ms: r(p50(opKey)),
      qmem_op_by_words_p50_ms: r(p50(opWords)),
      target_p50_ms: 1,
    });
  } finally {
    storage.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
