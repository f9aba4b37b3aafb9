// run under Node 24 by scripts/run-tests.mjs (the name has nodeSqlite): the extension host's in-process path
import { describe } from 'node:test';
import { runsSourceCases } from './runsSourceCases.js';

describe('the Runs view source in the extension host (node:sqlite)', () => {
  runsSourceCases(true);
});
