import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generateCase, loadCorpus } from './fuzzCorpus.js';
import { fuzzLoaders } from './fuzzLoaders.js';

test('cases are a pure function of (seed, loader, index)', () => {
  const corpus = loadCorpus();
  for (const loader of ['ais', 'json', 'apxmobj'] as const) {
    for (const i of [0, 1, 977]) assert.deepEqual(generateCase(loader, corpus, 7, i), generateCase(loader, corpus, 7, i));
  }
});

test('fuzzLoaders: 2,000 cases over the three loaders, no crash and no slow case', async () => {
  const lines: Record<string, unknown>[] = [];
  await fuzzLoaders((o) => lines.push(o), { cases: 2000, seed: 1, hangMs: 5000, failureDir: false });
  assert.deepEqual(
    lines.map((l) => l.loader),
    ['ais', 'json', 'apxmobj'],
  );
  let total = 0;
  for (const l of lines) {
    const why = JSON.stringify(l, null, 2);
    assert.equal(l.bench, 'fuzz');
    assert.equal(l.crashes, 0, why);
    assert.equal(l.slow, 0, why);
    const { ok, structuredError } = l.outcomes as { ok: number; structuredError: number };
    assert.equal(ok + structuredError, l.cases, why);
    assert.ok((l.baseline as { seeds: number }).seeds > 0, why);
    total += l.cases as number;
  }
  assert.equal(total, 2000);
});
