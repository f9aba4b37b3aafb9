import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fillLaunchConfig, runsDatabasePath } from './launchDefaults.js';

const ws = path.resolve('/work/agents');

describe('launch configuration defaults', () => {
  it('F5 without launch.json debugs the program in the active editor, from the workspace folder', () => {
    const program = path.join(ws, 'planner.ais');
    assert.deepEqual(fillLaunchConfig({}, { workspaceFolder: ws, activeFile: program }), {
      type: 'apxm',
      request: 'launch',
      name: 'Debug planner.ais',
      program,
      cwd: ws,
      clientShowsPauses: true,
      clientShowsLaunchErrors: true,
    });
  });

  it('every launch, from launch.json too, tells the adapter that the extension shows waiting PAUSEs and failed launches', () => {
    const given = { type: 'apxm', request: 'launch', name: 'x', program: 'a.ais', args: { topic: 't' } };
    const r = fillLaunchConfig(given, { workspaceFolder: ws }) as Record<string, unknown>;
    assert.equal(r.clientShowsPauses, true);
    assert.equal(r.clientShowsLaunchErrors, true);
    assert.deepEqual(r.args, { topic: 't' });
  });

  it('Run Without Debugging (Ctrl+F5) without launch.json keeps noDebug', () => {
    const r = fillLaunchConfig({ noDebug: true }, { workspaceFolder: ws, activeFile: path.join(ws, 'a.ais') }) as Record<string, unknown>;
    assert.equal(r.noDebug, true);
    assert.equal(r.program, path.join(ws, 'a.ais'));
  });

  it('without a program file open, says what to do instead of launching', () => {
    const r = fillLaunchConfig({}, { workspaceFolder: ws, activeFile: path.join(ws, 'notes.md') });
    assert.match((r as { error: string }).error, /Open an APXM program/);
    assert.ok('error' in fillLaunchConfig({}, {}));
  });

  it("keeps a given cwd; without a workspace folder, uses the program's folder", () => {
    const given = { type: 'apxm', request: 'launch', name: 'x', program: 'a.ais', cwd: '/elsewhere' };
    assert.equal((fillLaunchConfig(given, { workspaceFolder: ws }) as { cwd: string }).cwd, '/elsewhere');
    const program = path.join(ws, 'sub', 'b.json');
    assert.equal(
      (fillLaunchConfig({ type: 'apxm', request: 'launch', name: 'y', program }, {}) as { cwd: string }).cwd,
      path.join(ws, 'sub'),
    );
    assert.equal(
      (fillLaunchConfig({ type: 'apxm', request: 'launch', name: 'z', program: 'rel.ais' }, {}) as { cwd?: string }).cwd,
      undefined,
    );
  });

  it('F5 on a .json file debugs it only when its content is a program, and says why not otherwise', { timeout: 5_000 }, () => {
    const program = path.join(ws, 'trip.json');
    const ok = fillLaunchConfig({}, { workspaceFolder: ws, activeFile: program, activeFileText: '{"name": "T.main", "nodes": []}' });
    assert.equal((ok as { program: string }).program, program);
    const notProgram = fillLaunchConfig(
      {},
      { workspaceFolder: ws, activeFile: path.join(ws, 'package.json'), activeFileText: '{"name": "x"}' },
    );
    assert.match(
      (notProgram as { error: string }).error,
      /^package\.json is not an APXM program: it has no "nodes" or "flows" member .*name the file \*\.apxm\.json\)\.$/,
    );
    const array = fillLaunchConfig({}, { activeFile: path.join(ws, 'list.json'), activeFileText: '[]' });
    assert.match((array as { error: string }).error, /holds a JSON array/);
  });

  it(
    'a launch without "db" records into the Runs view\'s database; its own "db" (even "" for in memory) is kept',
    { timeout: 5_000 },
    () => {
      const runsDatabase = path.join(ws, '.apxm', 'runs.sqlite');
      const program = path.join(ws, 'a.ais');
      const f5 = fillLaunchConfig({}, { workspaceFolder: ws, activeFile: program, runsDatabase }) as Record<string, unknown>;
      assert.equal(f5.db, runsDatabase);
      const given = { type: 'apxm', request: 'launch', name: 'x', program: 'a.ais' };
      assert.equal((fillLaunchConfig(given, { workspaceFolder: ws, runsDatabase }) as Record<string, unknown>).db, runsDatabase);
      assert.equal((fillLaunchConfig({ ...given, db: 'mine.sqlite' }, { runsDatabase }) as Record<string, unknown>).db, 'mine.sqlite');
      assert.equal((fillLaunchConfig({ ...given, db: '' }, { runsDatabase }) as Record<string, unknown>).db, '');
      // no database the adapter can open (the provider leaves runsDatabase out): the adapter's default, in memory
      assert.equal('db' in (fillLaunchConfig(given, { workspaceFolder: ws }) as Record<string, unknown>), false);
    },
  );

  it('apxm.runs.database is relative to the workspace folder, absolute as given, and nothing without a folder', { timeout: 5_000 }, () => {
    assert.equal(runsDatabasePath(undefined, ws), path.join(ws, '.apxm', 'runs.sqlite'));
    assert.equal(runsDatabasePath('  ', ws), path.join(ws, '.apxm', 'runs.sqlite'));
    assert.equal(runsDatabasePath('data/r.db', ws), path.join(ws, 'data', 'r.db'));
    assert.equal(runsDatabasePath(path.resolve('/abs/r.db'), ws), path.resolve('/abs/r.db'));
    assert.equal(runsDatabasePath('data/r.db', undefined), undefined);
  });
});
