/**
 * Fuzz target over the three program loaders: AIS source (`compileAis`), ApxmGraph JSON
 * (`loadProgramFromJsonText`) and `.apxmobj` artifacts (`decodeArtifact` + `artifactToProgram`).
 *
 * Each must never crash, never hang, and fail only with structured errors:
 * - AIS: `compileAis` returns (never throws), every diagnostic has an `AIS_` code, a severity and
 *   a range inside the source, `program` is present exactly when there is no error diagnostic, and
 *   no diagnostic is `AIS_INTERNAL` (the parser's wrapper around an exception it caught);
 * - JSON and artifacts: a returned Program has an entry flow among its flows; a throw is an
 *   `ApxmError` whose code starts with `E_PROGRAM` (the artifact reader uses E_PROGRAM_PARSE,
 *   E_PROGRAM_UNSUPPORTED and E_PROGRAM_INVALID; there are no E_ARTIFACT codes) and that
 *   serialises (`JSON.stringify(toJSON())`, `formatError`) as the CLI prints it.
 * Anything else is a crash, by kind: `exception` (any other throw, e.g. a RangeError), `unexpected-code`
 * (an ApxmError with another code: structured, but the CLI then exits 1, "run failed", instead of
 * 2, "invalid program"), `contract` (a result that breaks the rules above), `internal`
 * (AIS_INTERNAL), `worker-died` (e.g. out of memory). A case slower than `slowMs` (2 s) is a hang
 * suspect; one still running after `hangMs` (20 s; 5 s after the first five) is killed and
 * recorded as a hang.
 *
 * Cases run in a worker thread (stack size close to the main thread's, so a stack overflow here is
 * one in the CLI too) watched from the main thread, which restarts the worker past a hung case or
 * one that took the worker down (out of memory). Inputs are generated deterministically per case
 * (bench/fuzzCorpus.ts): a failure's input is saved under bench/fuzz-failures/ with its stack and
 * can be regenerated from (seed, loader, case).
 *
 * `npm run bench fuzz`; `FUZZ_CASES` (total over the three loaders, default 300,000) and
 * `FUZZ_SEED` override the defaults.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { compileAis } from '../runtime/ais/compileAis.js';
import { artifactToProgram, decodeArtifact } from '../runtime/artifact/readArtifact.js';
import { ApxmError, formatError } from '../runtime/errors.js';
import { loadProgramFromJsonText } from '../runtime/graph/loadGraphJson.js';
import type { Program } from '../runtime/graph/types.js';
import { generateCase, loadCorpus, LOADERS, repoRoot, seedInputs, type Corpus, type FuzzInput, type LoaderName } from './fuzzCorpus.js';

export interface FuzzOptions {
  /** Total cases, split evenly across the loaders (default FUZZ_CASES, else 300,000). */
  cases?: number;
  /** PRNG seed of the run (default FUZZ_SEED, else 20240601). */
  seed?: number;
  /** Loaders to fuzz (default all three). */
  loaders?: LoaderName[];
  /** A case slower than this is a hang suspect (default 2,000 ms). */
  slowMs?: number;
  /**
   * A case still running after this is killed and recorded as a hang (default 20,000 ms); after
   * five such hangs, at max(2 × slowMs, hangMs / 4) (5 s by default) so that a slow path that many
   * inputs reach does not take the run's whole time.
   */
  hangMs?: number;
  /** Where failing inputs are saved (default <repo>/bench/fuzz-failures); false: not saved. */
  failureDir?: string | false;
  /** Distinct failures saved per loader (default 10). */
  maxSaved?: number;
}

const DEFAULT_CASES = 300_000;
const DEFAULT_SEED = 20240601;
const BATCH = 500;
/** Hangs that wait the full hangMs before the kill comes sooner (max(2 × slowMs, hangMs / 4)). */
const PATIENT_HANGS = 5;
/** The watched case index before the worker has started one. */
const STARTING = -0x40000000;
/** V8's default stack limit on the main thread is 984 KB; a worker gets stackSizeMb minus ~192 KB. */
const WORKER_STACK_MB = 1.15;

type Outcome = { kind: 'ok' } | { kind: 'structuredError'; code: string };

/** A failure found by one case. */
interface Failure {
  index: number;
  kind: 'exception' | 'unexpected-code' | 'contract' | 'internal' | 'slow' | 'hang' | 'worker-died';
  signature: string;
  message: string;
  stack?: string;
  ms?: number;
  /** The input, sent with the first failure of each signature (and every slow case). */
  input?: FuzzInput;
}

class ContractViolation extends Error {
  constructor(
    message: string,
    readonly internal = false,
  ) {
    super(message);
    this.name = 'ContractViolation';
  }
}

// ---------------------------------------------------------------------------------------------
// The loaders under test

function checkProgram(p: Program | undefined, what: string): void {
  if (!p || !Array.isArray(p.flows) || p.flows.length === 0 || !p.entry || !p.flows.includes(p.entry)) {
    throw new ContractViolation(`${what} returned a program without flows or with an entry outside its flows`);
  }
}

function structured(e: unknown): Outcome {
  if (!(e instanceof ApxmError) || typeof e.code !== 'string' || !e.code.startsWith('E_PROGRAM')) throw e;
  if (typeof e.message !== 'string' || !e.message) throw new ContractViolation(`${e.code} with an empty message`);
  try {
    JSON.stringify(e.toJSON());
    formatError(e);
  } catch (s) {
    throw new ContractViolation(`${e.code} error does not serialise: ${(s as Error).message}`);
  }
  const reason = e.details?.reason;
  return { kind: 'structuredError', code: typeof reason === 'string' ? `${e.code}/${reason}` : e.code };
}

function runAis(source: string): Outcome {
  const r = compileAis(source, 'fuzz.ais');
  if (!r || !Array.isArray(r.diagnostics)) throw new ContractViolation('compileAis returned no diagnostics array');
  let firstError: string | undefined;
  for (const d of r.diagnostics) {
    if (d.code === 'AIS_INTERNAL') throw new ContractViolation(`AIS_INTERNAL: ${d.message}`, true);
    if (typeof d.code !== 'string' || !d.code.startsWith('AIS_'))
      throw new ContractViolation(`diagnostic code ${JSON.stringify(d.code)} is not an AIS_ code`);
    if (d.severity !== 'error' && d.severity !== 'warning')
      throw new ContractViolation(`${d.code}: severity ${JSON.stringify(d.severity)}`);
    if (typeof d.message !== 'string' || !d.message) throw new ContractViolation(`${d.code} with an empty message`);
    const g = d.range;
    if (
      !g ||
      !(g.offset >= 0 && g.offset <= g.endOffset && g.endOffset <= source.length && g.line >= 1 && g.column >= 1 && g.endLine >= g.line)
    ) {
      throw new ContractViolation(`${d.code}: range ${JSON.stringify(g)} outside the ${source.length}-char source`);
    }
    if (d.severity === 'error' && firstError === undefined) firstError = d.code;
  }
  if (r.program && firstError) throw new ContractViolation(`compileAis returned a program and an error (${firstError})`);
  if (!r.program && !firstError)
    throw new ContractViolation(`compileAis returned neither a program nor an error diagnostic (${r.diagnostics.length} warnings)`);
  if (r.program) {
    checkProgram(r.program, 'compileAis');
    return { kind: 'ok' };
  }
  return { kind: 'structuredError', code: firstError as string };
}

function runJson(text: string): Outcome {
  let p: Program;
  try {
    p = loadProgramFromJsonText(text, 'fuzz.json');
  } catch (e) {
    return structured(e);
  }
  checkProgram(p, 'loadProgramFromJsonText');
  return { kind: 'ok' };
}

function runArtifact(bytes: Uint8Array): Outcome {
  let p: Program;
  try {
    p = artifactToProgram(decodeArtifact(bytes, 'fuzz.apxmobj').payload, 'fuzz.apxmobj');
  } catch (e) {
    return structured(e);
  }
  checkProgram(p, 'artifactToProgram');
  return { kind: 'ok' };
}

function runLoader(loader: LoaderName, input: FuzzInput): Outcome {
  if (loader === 'ais') return runAis(input as string);
  if (loader === 'json') return runJson(input as string);
  return runArtifact(input as Uint8Array);
}

/** Groups failures: the error's name, its message with numbers and quoted text blurred, and its first frame. */
function signatureOf(e: unknown): { kind: Failure['kind']; signature: string; message: string; stack?: string } {
  const err = e instanceof Error ? e : new Error(String(e));
  const blur = (s: string) =>
    s
      .split('\n')[0]
      .replace(/"[^"]*"|'[^']*'|`[^`]*`/g, 'S')
      .replace(/\d+/g, 'N')
      .slice(0, 160);
  if (err instanceof ContractViolation) {
    return {
      kind: err.internal ? 'internal' : 'contract',
      signature: `${err.internal ? 'internal' : 'contract'}: ${blur(err.message)}`,
      message: err.message,
    };
  }
  const frame = firstFrame(err.stack) ?? '';
  const name = err instanceof ApxmError ? `${err.name}[${err.code}]` : err.name;
  const stack = compactStack(err.stack);
  // ApxmError messages quote the offending input: group them by code and place.
  if (err instanceof ApxmError)
    return { kind: 'unexpected-code', signature: `${name} @ ${frame}`, message: `${name}: ${err.message}`, stack };
  return { kind: 'exception', signature: `${name}: ${blur(err.message)} @ ${frame}`, message: `${name}: ${err.message}`, stack };
}

/** A stack with runs of repeated frames (deep recursion) folded: `... the 2 frames above 4,000 more times`. */
function compactStack(stack: string | undefined): string | undefined {
  if (!stack) return stack;
  const lines = stack.split('\n');
  const out: string[] = [];
  let i = 0;
  while (i < lines.length) {
    let folded = false;
    for (let p = 1; p <= 4 && !folded; p++) {
      let reps = 0;
      while (
        i + (reps + 2) * p <= lines.length &&
        lines.slice(i + (reps + 1) * p, i + (reps + 2) * p).join('\n') === lines.slice(i, i + p).join('\n')
      )
        reps++;
      if (reps >= 3) {
        out.push(...lines.slice(i, i + p), `    ... the ${p === 1 ? 'frame' : `${p} frames`} above ${reps} more times`);
        i += (reps + 1) * p;
        folded = true;
      }
    }
    if (!folded) out.push(lines[i++]);
  }
  return out.join('\n');
}

/** The first stack frame in a source file (not `JSON.stringify (<anonymous>)` or node internals). */
function firstFrame(stack: string | undefined): string | undefined {
  const frames = (stack ?? '')
    .split('\n')
    .filter((l) => /^\s+at /.test(l))
    .map((l) => l.trim());
  return frames.find((l) => /file:|\/|\\/.test(l) && !l.includes('node:internal')) ?? frames[0];
}

// ---------------------------------------------------------------------------------------------
// Worker side

interface WorkerInput {
  marker: 'apxm-fuzz-loaders';
  root: string;
  loader: LoaderName;
  seed: number;
  start: number;
  end: number;
  skip: number[];
  slowMs: number;
  baseline: boolean;
  /** Int32Array [case index (-1 - k while timing seed k), phase: 0 generating, 1 loading]. */
  shared: SharedArrayBuffer;
}

interface BaselineReport {
  seeds: number;
  /** Median of 20 timed passes over all seeds. */
  passUs: number;
  /** Median time of one seed load. */
  p50Us: number;
  maxUs: number;
  outcomes: { ok: number; structuredError: number; crash: number };
}

type WorkerMessage =
  | { type: 'baseline'; baseline: BaselineReport }
  | {
      type: 'batch';
      from: number;
      to: number;
      durations: Float64Array;
      ok: number;
      structuredError: number;
      codes: Record<string, number>;
      failures: Failure[];
    }
  | { type: 'done' }
  | { type: 'fatal'; message: string };

function median(xs: ArrayLike<number>): number {
  const s = Float64Array.from(xs).sort();
  return s.length ? s[Math.floor(s.length / 2)] : 0;
}

function percentile(sorted: Float64Array, p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] : 0;
}

const us = (ms: number) => Math.round(ms * 10_000) / 10;

function runBaseline(loader: LoaderName, corpus: Corpus, shared: Int32Array, post: (m: WorkerMessage) => void): void {
  const seeds = seedInputs(corpus, loader);
  const outcomes = { ok: 0, structuredError: 0, crash: 0 };
  const perSeed: number[] = [];
  const passes: number[] = [];
  for (let rep = 0; rep <= 20; rep++) {
    const p0 = performance.now();
    seeds.forEach((input, k) => {
      Atomics.store(shared, 0, -1 - k);
      Atomics.store(shared, 1, 1);
      const t0 = performance.now();
      let o: Outcome | undefined;
      try {
        o = runLoader(loader, input);
      } catch {
        o = undefined; // a seed that crashes shows up again among the mutated cases
      }
      const t = performance.now() - t0;
      Atomics.store(shared, 1, 0);
      if (rep === 0) {
        // warm-up pass: outcomes only
        outcomes[o ? o.kind : 'crash']++;
      } else perSeed.push(t);
    });
    if (rep > 0) passes.push(performance.now() - p0);
  }
  post({
    type: 'baseline',
    baseline: { seeds: seeds.length, passUs: us(median(passes)), p50Us: us(median(perSeed)), maxUs: us(Math.max(...perSeed)), outcomes },
  });
}

function workerMain(d: WorkerInput): void {
  const port = parentPort as NonNullable<typeof parentPort>;
  const post = (m: WorkerMessage) => port.postMessage(m);
  // Whole stacks, so that a stack overflow shows where the recursion started (folded by compactStack).
  Error.stackTraceLimit = Infinity;
  const corpus = loadCorpus(d.root);
  const shared = new Int32Array(d.shared);
  if (d.baseline) runBaseline(d.loader, corpus, shared, post);
  const skip = new Set(d.skip);
  const seen = new Set<string>();
  let from = d.start;
  let durations = new Float64Array(Math.min(BATCH, d.end - from)).fill(NaN);
  let ok = 0;
  let structuredError = 0;
  let codes: Record<string, number> = {};
  let failures: Failure[] = [];
  for (let i = d.start; i < d.end; i++) {
    Atomics.store(shared, 1, 0);
    Atomics.store(shared, 0, i);
    if (!skip.has(i)) {
      let input: FuzzInput;
      try {
        input = generateCase(d.loader, corpus, d.seed, i);
      } catch (e) {
        post({ type: 'fatal', message: `the generator failed on case ${i}: ${(e as Error).stack ?? String(e)}` });
        return;
      }
      Atomics.store(shared, 1, 1);
      const t0 = performance.now();
      let outcome: Outcome | undefined;
      let thrown: unknown;
      try {
        outcome = runLoader(d.loader, input);
      } catch (e) {
        thrown = e;
      }
      const ms = performance.now() - t0;
      Atomics.store(shared, 1, 0);
      durations[i - from] = ms;
      if (outcome) {
        if (outcome.kind === 'ok') ok++;
        else {
          structuredError++;
          codes[outcome.code] = (codes[outcome.code] ?? 0) + 1;
        }
      } else {
        const s = signatureOf(thrown);
        const first = !seen.has(s.signature);
        seen.add(s.signature);
        failures.push({ index: i, ...s, ms, ...(first ? { input } : {}) });
      }
      if (ms > d.slowMs)
        failures.push({ index: i, kind: 'slow', signature: `slow: case ${i}`, message: `took ${Math.round(ms)} ms`, ms, input });
    }
    if (i + 1 - from === durations.length) {
      post({ type: 'batch', from, to: i + 1, durations, ok, structuredError, codes, failures });
      from = i + 1;
      durations = new Float64Array(Math.min(BATCH, d.end - from)).fill(NaN);
      ok = structuredError = 0;
      codes = {};
      failures = [];
    }
  }
  post({ type: 'done' });
}

if (!isMainThread && (workerData as WorkerInput | undefined)?.marker === 'apxm-fuzz-loaders') workerMain(workerData as WorkerInput);

// ---------------------------------------------------------------------------------------------
// Main side

interface LoaderRun {
  durations: Float64Array;
  ok: number;
  structuredError: number;
  codes: Record<string, number>;
  failures: Failure[];
  baseline?: BaselineReport;
}

/** Runs cases [0, count) of one loader, restarting the worker past hung or fatal cases. */
async function runLoaderCases(
  root: string,
  loader: LoaderName,
  count: number,
  seed: number,
  slowMs: number,
  hangMs: number,
): Promise<LoaderRun> {
  const run: LoaderRun = { durations: new Float64Array(count).fill(NaN), ok: 0, structuredError: 0, codes: {}, failures: [] };
  const skip: number[] = [];
  let done = 0; // cases [0, done) are accounted for
  let hangs = 0;
  while (done < count) {
    // After a few hangs have waited the full hangMs, kill sooner: each one costs the whole wait.
    const killMs = hangs < PATIENT_HANGS ? hangMs : Math.min(hangMs, Math.max(2 * slowMs, hangMs / 4));
    const shared = new SharedArrayBuffer(8);
    const state = new Int32Array(shared);
    Atomics.store(state, 0, STARTING); // the worker's first case or seed always reads as a change
    const input: WorkerInput = {
      marker: 'apxm-fuzz-loaders',
      root,
      loader,
      seed,
      start: done,
      end: count,
      skip,
      slowMs,
      baseline: !run.baseline,
      shared,
    };
    const worker = new Worker(new URL(import.meta.url), {
      workerData: input,
      execArgv: [],
      resourceLimits: { stackSizeMb: WORKER_STACK_MB, maxOldGenerationSizeMb: 4096 },
    });
    type End = { how: 'done' } | { how: 'hang' | 'died' | 'fatal'; index: number; message: string };
    const end = await new Promise<End>((resolve) => {
      let last = Atomics.load(state, 0);
      let since = performance.now();
      let settled = false;
      const finish = (r: End) => {
        if (settled) return;
        settled = true;
        clearInterval(watch);
        resolve(r);
      };
      const watch = setInterval(() => {
        const now = Atomics.load(state, 0);
        if (now !== last) {
          last = now;
          since = performance.now();
        } else if (Atomics.load(state, 1) === 1 && performance.now() - since > killMs) {
          finish({ how: 'hang', index: now, message: `still running after ${killMs} ms; the worker was terminated` });
          void worker.terminate();
        }
      }, 100);
      worker.on('message', (m: WorkerMessage) => {
        if (m.type === 'baseline') run.baseline = m.baseline;
        else if (m.type === 'batch') {
          run.durations.set(m.durations, m.from);
          run.ok += m.ok;
          run.structuredError += m.structuredError;
          for (const [k, v] of Object.entries(m.codes)) run.codes[k] = (run.codes[k] ?? 0) + v;
          run.failures.push(...m.failures);
          done = m.to;
        } else if (m.type === 'fatal') finish({ how: 'fatal', index: -1, message: m.message });
        else finish({ how: 'done' });
      });
      worker.on('error', (e) => finish({ how: 'died', index: Atomics.load(state, 0), message: `${e.name}: ${e.message}` }));
      worker.on('exit', (code) => finish({ how: 'died', index: Atomics.load(state, 0), message: `worker exited with code ${code}` }));
    });
    await worker.terminate();
    if (end.how === 'done') break;
    if (end.how === 'fatal') throw new Error(`fuzz ${loader}: ${end.message}`);
    if (end.index === STARTING) throw new Error(`fuzz ${loader}: the worker failed before its first case: ${end.message}`);
    if (end.index < 0)
      throw new Error(
        `fuzz ${loader}: seed ${-1 - end.index} ${end.how === 'hang' ? 'hung' : 'took the worker down'} in the baseline: ${end.message}`,
      );
    if (end.how === 'hang') hangs++;
    const corpus = loadCorpus(root);
    run.failures.push({
      index: end.index,
      kind: end.how === 'hang' ? 'hang' : 'worker-died',
      signature: `${end.how}: case ${end.index}`,
      message: end.message,
      ms: end.how === 'hang' ? killMs : undefined,
      input: generateCase(loader, corpus, seed, end.index),
    });
    skip.push(end.index);
    // cases between the last batch and the hung one were lost with the worker: run them again
  }
  // a killed case counts with the time it was given (the reruns left its slot empty)
  for (const f of run.failures) if (f.kind === 'hang') run.durations[f.index] = f.ms as number;
  return run;
}

function saveFailure(dir: string, loader: LoaderName, seed: number, f: Failure): string | undefined {
  if (f.input === undefined) return undefined;
  mkdirSync(dir, { recursive: true });
  const ext = loader === 'ais' ? 'ais' : loader === 'json' ? 'json' : 'apxmobj';
  const base = path.join(dir, `${loader}-${f.kind}-seed${seed}-case${f.index}`);
  writeFileSync(`${base}.${ext}`, f.input);
  const call =
    loader === 'ais'
      ? "compileAis(readFileSync(f, 'utf8'), f)  // runtime/ais/compileAis.ts"
      : loader === 'json'
        ? "loadProgramFromJsonText(readFileSync(f, 'utf8'), f)  // runtime/graph/loadGraphJson.ts"
        : 'artifactToProgram(decodeArtifact(readFileSync(f), f).payload, f)  // runtime/artifact/readArtifact.ts';
  writeFileSync(
    `${base}.txt`,
    [
      `loader: ${loader}`,
      `kind: ${f.kind}`,
      `case: ${f.index} (seed ${seed}; regenerate with generateCase('${loader}', loadCorpus(), ${seed}, ${f.index}) from bench/fuzzCorpus.ts)`,
      `input: ${path.basename(base)}.${ext} (${typeof f.input === 'string' ? `${f.input.length} chars` : `${f.input.length} bytes`})`,
      ...(f.ms !== undefined ? [`time: ${f.ms.toFixed(1)} ms`] : []),
      `call: ${call}`,
      '',
      f.message,
      '',
      f.stack ?? '',
      '',
    ].join('\n'),
  );
  return path.relative(process.cwd(), `${base}.${ext}`);
}

function envNumber(name: string): number | undefined {
  const v = process.env[name];
  if (v === undefined || v.trim() === '') return undefined;
  const n = Number(v.replace(/_/g, ''));
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`${name}=${v} is not a non-negative integer`);
  return n;
}

export async function fuzzLoaders(emit: (o: Record<string, unknown>) => void, options: FuzzOptions = {}): Promise<void> {
  const total = options.cases ?? envNumber('FUZZ_CASES') ?? DEFAULT_CASES;
  const seed = (options.seed ?? envNumber('FUZZ_SEED') ?? DEFAULT_SEED) >>> 0;
  const loaders = options.loaders ?? [...LOADERS];
  const slowMs = options.slowMs ?? 2000;
  const hangMs = Math.max(options.hangMs ?? 20_000, slowMs);
  const maxSaved = options.maxSaved ?? 10;
  const root = repoRoot();
  const dir = options.failureDir === false ? undefined : (options.failureDir ?? path.join(root, 'bench', 'fuzz-failures'));

  for (const [li, loader] of loaders.entries()) {
    const count = Math.floor(total / loaders.length) + (li < total % loaders.length ? 1 : 0);
    const t0 = performance.now();
    const run = await runLoaderCases(root, loader, count, seed, slowMs, hangMs);
    const wallMs = performance.now() - t0;

    const crashes = run.failures.filter((f) => f.kind !== 'slow' && f.kind !== 'hang');
    const slow = run.failures.filter((f) => f.kind === 'slow' || f.kind === 'hang');
    const bySignature = new Map<string, { count: number; first: Failure }>();
    for (const f of crashes) {
      const g = bySignature.get(f.signature);
      if (g) {
        g.count++;
        if (g.first.input === undefined && f.input !== undefined) g.first = f;
      } else bySignature.set(f.signature, { count: 1, first: f });
    }
    const crashKinds: Record<string, number> = {};
    for (const f of crashes) crashKinds[f.kind] = (crashKinds[f.kind] ?? 0) + 1;
    // the most frequent crashes first, then hangs, then the slowest cases
    const findings = [...bySignature.values()]
      .sort((a, b) => b.count - a.count)
      .map((g) => ({ ...g.first, count: g.count }))
      .concat(
        slow
          .slice()
          .sort((a, b) => (a.kind === b.kind ? 0 : a.kind === 'hang' ? -1 : 1) || (b.ms ?? 0) - (a.ms ?? 0))
          .map((f) => ({ ...f, count: 1 })),
      );
    const reported = findings.slice(0, maxSaved).map((f) => ({
      kind: f.kind,
      case: f.index,
      count: f.count,
      error: f.message.split('\n')[0].slice(0, 300),
      ...(f.stack ? { at: firstFrame(f.stack) } : {}),
      ...(f.ms !== undefined && (f.kind === 'slow' || f.kind === 'hang') ? { ms: Math.round(f.ms) } : {}),
      ...(dir ? { file: saveFailure(dir, loader, seed, f) } : {}),
    }));

    const sorted = Float64Array.from(run.durations.filter((x) => !Number.isNaN(x))).sort();
    const topCodes = Object.fromEntries(
      Object.entries(run.codes)
        .sort((a, b) => b[1] - a[1])
        .slice(0, 12),
    );
    emit({
      bench: 'fuzz',
      loader,
      seed,
      cases: count,
      crashes: crashes.length,
      distinctCrashes: bySignature.size,
      ...(crashes.length ? { crashKinds } : {}),
      slow: slow.length,
      hangs: slow.filter((f) => f.kind === 'hang').length,
      maxMs: Math.round((sorted.length ? sorted[sorted.length - 1] : 0) * 10) / 10,
      p50Us: us(percentile(sorted, 0.5)),
      p99Us: us(percentile(sorted, 0.99)),
      outcomes: { ok: run.ok, structuredError: run.structuredError },
      errorCodes: topCodes,
      baseline: run.baseline,
      wallMs: Math.round(wallMs),
      ...(reported.length ? { findings: reported } : {}),
      ...(slow.length
        ? {
            slowCases: slow
              .map((f) => f.index)
              .sort((a, b) => a - b)
              .slice(0, 200),
          }
        : {}),
    });
  }
}
