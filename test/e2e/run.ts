/**
 * `npm run test:e2e [-- name-part...]`: packages the extension, installs it into code-server and
 * runs each scenario in test/e2e/scenarios/ (or those whose file name contains a given part)
 * against its own code-server, in headless Chromium.
 *
 * The suite can fail but never hang: each scenario has its own timeout, the whole run a limit past
 * which everything it started is killed; browser and servers are stopped in `finally`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { codeServerCli, E2E_OUTPUT, ensureCodeServer, killAllServers, REPO_ROOT } from './codeServer.js';
import type { Scenario } from './scenario.js';
import { Workbench } from './workbench.js';

const CHROMIUM = process.env.APXM_E2E_CHROMIUM ?? '/usr/bin/chromium';
const SUITE_LIMIT_MS = Number(process.env.APXM_E2E_LIMIT_S ?? 30 * 60) * 1000;
const log = (line: string): void => console.log(line);

async function loadScenarios(filters: string[]): Promise<Scenario[]> {
  const dir = path.join(path.dirname(new URL(import.meta.url).pathname), 'scenarios');
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.js'))
    .filter((f) => filters.length === 0 || filters.some((p) => f.includes(p)))
    .sort();
  const out: Scenario[] = [];
  for (const f of files) out.push(((await import(pathToFileURL(path.join(dir, f)).href)) as { scenario: Scenario }).scenario);
  return out;
}

function packageVsix(): string {
  const version = (JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  const vsix = path.join(REPO_ROOT, `apxm-vscode-${version}.vsix`);
  const r = spawnSync('npm', ['run', 'package', '--silent'], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 5 * 60_000 });
  if (r.status !== 0 || !existsSync(vsix)) throw new Error(`npm run package failed:\n${r.stdout}\n${r.stderr}`);
  return vsix;
}

/** Prints what explains a failure: the extension host's log and the APXM output channel. */
function printLogs(wb: Workbench): void {
  for (const { file, text } of wb.extensionHostLogs()) {
    console.log(`--- ${path.relative(wb.userDataDir, file)} (last 150 lines) ---`);
    console.log(text.split('\n').slice(-150).join('\n'));
  }
  const channels = wb.outputChannels();
  if (channels.length === 0) console.log('--- no APXM output channel logged ---');
  for (const { file, text } of channels)
    console.log(`--- output channel ${path.basename(file, '.log')} (last 100 lines) ---\n${text.split('\n').slice(-100).join('\n')}`);
}

async function runScenario(s: Scenario, browser: Browser, extensionsDir: string): Promise<boolean> {
  const started = Date.now();
  let wb: Workbench | undefined;
  let timer: NodeJS.Timeout | undefined;
  let failure: unknown;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${s.timeoutMs / 1000} s`)), s.timeoutMs);
    });
    await Promise.race([
      timeout,
      (async () => {
        wb = await Workbench.start({ name: s.name, browser, extensionsDir, workspace: s.workspace, settings: s.settings });
        await s.run(wb);
      })(),
    ]);
  } catch (e) {
    failure = e;
  } finally {
    clearTimeout(timer);
  }
  if (wb) {
    // the state it ended in, pass or fail
    await wb.screenshot(failure ? 'failure' : 'end').catch(() => undefined);
    for (const { file, text } of [...wb.extensionHostLogs(), ...wb.outputChannels()])
      writeFileSync(path.join(wb.outputDir, path.basename(file)), text);
    if (failure) printLogs(wb);
    await wb.stop().catch((e: unknown) => console.log(`e2e: stopping ${s.name}: ${String(e)}`));
  }
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  if (failure) {
    console.log(
      `not ok - ${s.name}: ${s.title} (${secs} s)\n  ${failure instanceof Error ? (failure.stack ?? failure.message) : String(failure)}`,
    );
    return false;
  }
  console.log(`ok - ${s.name}: ${s.title} (${secs} s)`);
  return true;
}

async function main(): Promise<number> {
  const filters = process.argv.slice(2);
  const scenarios = await loadScenarios(filters);
  if (scenarios.length === 0) {
    console.log(`e2e: no scenario matches ${filters.join(' ')}`);
    return 64;
  }
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (.ci/run does)`);
  const setupStarted = Date.now();
  ensureCodeServer(log);
  const vsix = packageVsix();
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'apxm-e2e-'));
  let browser: Browser | undefined;
  let passed = 0;
  let failed = 0;
  try {
    const extensionsDir = path.join(tmp, 'extensions');
    mkdirSync(extensionsDir);
    codeServerCli(
      ['--extensions-dir', extensionsDir, '--user-data-dir', path.join(tmp, 'install-user-data'), '--install-extension', vsix],
      path.join(tmp, 'config.yaml'),
    );
    mkdirSync(E2E_OUTPUT, { recursive: true });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
    log(
      `e2e: set-up ${Math.round((Date.now() - setupStarted) / 1000)} s (${path.basename(vsix)} installed); output in ${path.relative(REPO_ROOT, E2E_OUTPUT)}/`,
    );
    for (const s of scenarios) {
      if (await runScenario(s, browser, extensionsDir)) passed++;
      else failed++;
    }
  } finally {
    await browser?.close().catch(() => undefined);
    rmSync(tmp, { recursive: true, force: true });
  }
  console.log(`e2e: ${passed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

// Past the limit: the process group (servers, browser) is killed and the run fails.
const limit = setTimeout(() => {
  console.log(`e2e: the suite passed its ${SUITE_LIMIT_MS / 1000} s limit; stopping everything`);
  killAllServers();
  console.log('e2e: 0 passed, 1 failed (limit)');
  process.exit(1);
}, SUITE_LIMIT_MS);

main()
  .then((code) => {
    clearTimeout(limit);
    process.exitCode = code;
  })
  .catch((e: unknown) => {
    clearTimeout(limit);
    console.log(`e2e: ${e instanceof Error ? e.message : String(e)}`);
    console.log('e2e: 0 passed, 1 failed');
    process.exitCode = 1;
  });
