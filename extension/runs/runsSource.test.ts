import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { APXM_CLI } from '../../test/support/apxmCli.js';
import { recordForkJoin, withRunDatabase } from '../../test/support/runDatabase.js';
import { readRuns } from './runsSource.js';
import { runsSourceCases } from './runsSourceCases.js';

describe('the Runs view source through the CLI (a host without node:sqlite)', () => {
  runsSourceCases(false);

  it('a Node that cannot run, or a file that is no database, is one line and what to set, never a stack', { timeout: 60_000 }, async () => {
    await withRunDatabase(async (db, dir) => {
      await recordForkJoin(db);
      const noNode = await readRuns({
        db,
        cliScript: APXM_CLI,
        hostExecPath: process.execPath,
        nodePath: path.join(dir, 'no-node'),
        inProcess: false,
      });
      assert.ok('problem' in noNode, JSON.stringify(noNode));
      assert.match(noNode.problem, /^cannot run Node .*no-node/);
      assert.match(noNode.fix, /apxm\.debugAdapter\.nodePath/);
      const text = path.join(dir, 'notes.txt');
      writeFileSync(text, 'not a database');
      for (const inProcess of [false, true]) {
        const bad = await readRuns({
          db: text,
          cliScript: APXM_CLI,
          hostExecPath: process.execPath,
          nodePath: process.execPath,
          inProcess,
        });
        assert.ok('problem' in bad, JSON.stringify(bad));
        assert.doesNotMatch(bad.problem, /\n|\bat .*\.js:\d+|NODE_MODULE_VERSION/);
        assert.ok(bad.fix.length > 0);
      }
    });
  });
});
