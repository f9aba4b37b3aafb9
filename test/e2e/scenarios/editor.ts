/**
 * Scenario 2: trip_planner.ais in the editor — TextMate highlighting, a diagnostic for an undefined
 * variable (squiggle and Problems entry), the hover on `ask`, completion of ops and bindings.
 */
import assert from 'node:assert/strict';
import type { Scenario } from '../scenario.js';

export const scenario: Scenario = {
  name: 'editor',
  title: 'trip_planner.ais: highlighting, an undefined variable, hover on ask, completion',
  timeoutMs: 180_000,
  async run(wb) {
    await wb.openFile('trip_planner.ais');
    await wb.waitForLanguageServer();

    // Highlighting: the grammar's scopes at `ask` (line 6) and the coloured token spans of that line.
    const scopes = await wb.tokenScopesAt(6, 10);
    assert.match(scopes, /support\.function\.operation\.ais/, scopes);
    assert.match(scopes, /source\.ais/, scopes);
    const tokens = await wb.lineTokens(6);
    const ask = tokens.find((t) => t.text === 'ask');
    const str = tokens.find((t) => t.text.startsWith('"List three'));
    assert.ok(ask && str, JSON.stringify(tokens));
    assert.notEqual(ask.className, str.className, 'an op and a string are coloured alike');
    await wb.screenshot('highlighted');

    // An undefined variable: `merge(stay, food, transport, budget)` on line 9.
    await wb.goTo(9, 36);
    await wb.type(', budget');
    const squiggle = wb.activeEditor().locator('.squiggly-error');
    await squiggle.first().waitFor({ timeout: 30_000 });
    const problems = await wb.problems();
    assert.ok(
      problems.some((p) => p.includes("undefined variable 'budget'")),
      `Problems: ${JSON.stringify(problems)}`,
    );
    await wb.screenshot('undefined-variable');

    // Hover on `ask`: the op's description.
    const hover = await wb.hoverAt(6, 10);
    assert.match(hover, /ASK/, hover);
    assert.match(hover, /latency class/, hover);
    await wb.screenshot('hover-ask');
    await wb.press('Escape');

    // Completion on a new line of the flow: the bindings in scope first, then (filtered) the ops.
    await wb.goTo(8, 200);
    await wb.press('End', 'Enter');
    const bindings = await wb.completions('completion-bindings');
    for (const want of ['city', 'stay', 'food', 'transport'])
      assert.ok(bindings.includes(want), `completion lacks ${want}: ${JSON.stringify(bindings)}`);
    await wb.type('th');
    const ops = await wb.completions('completion-ops');
    assert.ok(ops.includes('think'), `completion lacks think: ${JSON.stringify(ops)}`);
  },
};
