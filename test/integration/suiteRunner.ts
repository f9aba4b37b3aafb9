/**
 * A minimal sequential test runner for the extension host (no `vscode` import, so it is tested
 * under node:test). node:test cannot run there: its `test()` reports on process exit, and the
 * extension host's process outlives the suite; mocha would be a dependency for four tests.
 */
export interface IntegrationTest {
  name: string;
  timeoutMs: number;
  fn: () => Promise<void>;
}

export interface SuiteResult {
  passed: number;
  failed: number;
  failures: { name: string; error: string }[];
}

/**
 * Runs each test in turn, each bounded by its timeout; a failure or a timeout is recorded and the
 * next test still runs. `afterEach` runs after every test, even one that timed out (it is where
 * sessions a stuck test left open get stopped).
 */
export async function runSuite(
  tests: IntegrationTest[],
  log: (line: string) => void,
  afterEach: () => Promise<void> = async () => undefined,
): Promise<SuiteResult> {
  const result: SuiteResult = { passed: 0, failed: 0, failures: [] };
  for (const t of tests) {
    try {
      await withTimeout(t.fn(), t.timeoutMs, t.name);
      result.passed++;
      log(`ok - ${t.name}`);
    } catch (e) {
      result.failed++;
      const error = e instanceof Error ? (e.stack ?? e.message) : String(e);
      result.failures.push({ name: t.name, error });
      log(`not ok - ${t.name}\n${indent(error)}`);
    }
    try {
      await withTimeout(afterEach(), 15_000, `${t.name} (clean-up)`);
    } catch (e) {
      log(`clean-up after '${t.name}' failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  log(`integration: ${result.passed} passed, ${result.failed} failed`);
  return result;
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`'${what}' timed out after ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n');
}
