/**
 * The packaged extension (`npm run package`): builds the .vsix from a staged copy of the repository's
 * packaging inputs (its own bundles, so dist/ and the bundle test are left alone), checks its file
 * list against the allow-list's rules, then runs the bundled debug adapter from the unpacked
 * package — so a file the adapter loads at run time but the package left out fails here.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { REPO_ROOT } from '../support/apxmCli.js';
import { launch, outputs, withClient } from '../support/debugClient.js';
import { zipEntries, type ZipEntry } from './zipEntries.js';
import { BUNDLES } from '../support/bundleFiles.js';

/** The packages that stay outside the bundles (scripts/bundle.mjs) and what they load. */
const RUNTIME_PACKAGES = [
  'better-sqlite3',
  'bindings',
  'file-uri-to-path',
  'quickjs-emscripten',
  'quickjs-emscripten-core',
  '@jitl/quickjs-ffi-types',
  '@jitl/quickjs-wasmfile-release-sync',
];

describe('the packaged extension (.vsix)', { timeout: 180_000 }, () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'apxm-vsix-'));
  let entries: ZipEntry[] = [];
  let names: string[] = [];

  before(() => {
    // what vsce reads, as in the repository; the allow-list picks from it
    const stage = path.join(tmp, 'stage');
    mkdirSync(stage);
    for (const f of ['package.json', 'README.md', 'LICENSE', '.vscodeignore', 'extension', 'media', 'examples', 'test', 'runtime'])
      if (existsSync(path.join(REPO_ROOT, f))) cpSync(path.join(REPO_ROOT, f), path.join(stage, f), { recursive: true });
    symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(stage, 'node_modules'));
    const bundle = spawnSync(process.execPath, [path.join(REPO_ROOT, 'scripts/bundle.mjs')], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      env: { ...process.env, APXM_BUNDLE_OUT: path.join(stage, 'dist') },
    });
    assert.equal(bundle.status, 0, bundle.stderr);
    const vsix = path.join(tmp, 'apxm.vsix');
    const vsce = spawnSync(process.execPath, [path.join(REPO_ROOT, 'node_modules/@vscode/vsce/vsce'), 'package', '--out', vsix], {
      cwd: stage,
      encoding: 'utf8',
      timeout: 150_000,
    });
    assert.equal(vsce.status, 0, `${vsce.stdout}\n${vsce.stderr}`);
    entries = zipEntries(readFileSync(vsix));
    names = entries.map((e) => e.name);
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('holds the manifest, README, LICENSE, every bundle, the grammar and the native module', () => {
    const want = [
      'extension/package.json',
      // vsce's names for README.md and LICENSE
      'extension/readme.md',
      'extension/LICENSE.txt',
      ...BUNDLES.map((b) => `extension/dist/${b}`),
      'extension/extension/syntaxes/ais.tmLanguage.json',
      'extension/extension/language-configuration.json',
      'extension/media/artifactViewer.css',
      'extension/media/icons/graph-light.svg',
      'extension/media/icons/graph-dark.svg',
      'extension/node_modules/better-sqlite3/build/Release/better_sqlite3.node',
      'extension/node_modules/better-sqlite3/lib/index.js',
      'extension/node_modules/@jitl/quickjs-wasmfile-release-sync/dist/emscripten-module.wasm',
    ];
    for (const f of want) assert.ok(names.includes(f), `${f} is missing from the .vsix`);
    const manifest = JSON.parse(
      entries
        .find((e) => e.name === 'extension/package.json')!
        .data()
        .toString('utf8'),
    );
    assert.equal(manifest.publisher, 'apxm');
    assert.equal(manifest.license, 'MIT');
  });

  it('holds every file package.json contributes (activity-bar and command icons, grammars, language configurations)', () => {
    // any string of `contributes` naming a file of the repository is a path the workbench will load from the package
    const manifest = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { contributes: unknown };
    const files = new Set<string>();
    const walk = (v: unknown): void => {
      if (typeof v === 'string') {
        const rel = path.posix.normalize(v.replace(/^\.\//, ''));
        if (
          !rel.startsWith('..') &&
          !v.includes('$(') &&
          existsSync(path.join(REPO_ROOT, rel)) &&
          statSync(path.join(REPO_ROOT, rel)).isFile()
        )
          files.add(rel);
      } else if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') Object.values(v).forEach(walk);
    };
    walk(manifest.contributes);
    assert.ok(files.has('media/icons/apxm.svg'), [...files].join(', '));
    for (const f of files) assert.ok(names.includes(`extension/${f}`), `${f} (contributed by package.json) is missing from the .vsix`);
  });

  it('holds nothing that does not run: no sources, object files, build trees, tests, examples or source maps', () => {
    const refused: [RegExp, string][] = [
      [/\.(cc|cpp|c|h|hpp|o|a|gyp|gypi|mk|ts|mts|cts|map)$/, 'source, object file or source map'],
      [/\/(deps|src|obj|obj\.target|test|tests|__tests__)\//, 'build or test tree'],
      [/\.test\.[cm]?js$/, 'test'],
      [/^extension\/examples\//, 'example'],
      [/^extension\/(out|runtime|debug-adapter|bench|scripts|\.e2e|\.ci)\//, 'development tree'],
      [/test_extension\.node$/, 'test binary'],
    ];
    for (const n of names) for (const [re, what] of refused) assert.ok(!re.test(n), `${n} (${what}): the .vsix ships only what runs`);
  });

  it('ships only the run-time packages the bundles leave out', () => {
    const packages = new Set(
      names
        .filter((n) => n.startsWith('extension/node_modules/'))
        .map((n) => {
          const parts = n.slice('extension/node_modules/'.length).split('/');
          return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
        }),
    );
    for (const p of packages)
      assert.ok(RUNTIME_PACKAGES.includes(p) || p.startsWith('@jitl/quickjs-wasmfile-'), `${p} is not loaded at run time`);
    for (const p of RUNTIME_PACKAGES) assert.ok(packages.has(p), `${p} is missing`);
  });

  it('the unpacked package runs a program with an EXC sandbox step and a SQLite database', { timeout: 60_000 }, async (t) => {
    const ext = path.join(tmp, 'unpacked');
    for (const e of entries) {
      if (!e.name.startsWith('extension/')) continue;
      const file = path.join(ext, e.name.slice('extension/'.length));
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, e.data());
    }
    const work = path.join(tmp, 'work');
    mkdirSync(work);
    const program = path.join(work, 'calc.ais');
    writeFileSync(
      program,
      'agent C { @entry flow main() -> str {\n  exc("return 6 * 7") -> answer\n  print("answer: " + answer)\n  return answer } }\n',
    );
    await withClient(
      t,
      async (dc) => {
        const out = outputs(dc, 'stdout');
        await launch(dc, { program, db: path.join(work, 'run.sqlite'), noDebug: true }, { until: 'terminated' });
        assert.deepEqual(out, ['answer: 42\n']);
      },
      path.join(ext, 'dist/debugAdapter.js'),
    );
  });
});
