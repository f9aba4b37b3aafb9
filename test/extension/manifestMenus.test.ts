// package.json's menus: each entry names a declared command, a toolbar button has an icon to draw,
// and the memory inspector's debug toolbar button shows in APXM sessions only.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  contributes: {
    commands: { command: string; icon?: unknown }[];
    menus: Record<string, { command: string; when?: string; group?: string }[]>;
  };
};
const commands = new Map(pkg.contributes.commands.map((c) => [c.command, c]));
// menus drawn as icon buttons: an entry there without an icon would show its title as text
const TOOLBARS = ['debug/toolBar', 'view/title', 'editor/title', 'editor/title/run'];

describe('package.json menus', () => {
  it('every entry names a declared command; a toolbar button has an icon', { timeout: 5_000 }, () => {
    for (const [menu, entries] of Object.entries(pkg.contributes.menus)) {
      for (const e of entries) {
        const c = commands.get(e.command);
        assert.ok(c, `menus.${menu}: ${e.command} is not in contributes.commands`);
        if (TOOLBARS.includes(menu) && (e.group ?? '').startsWith('navigation'))
          assert.ok(c.icon, `menus.${menu}: ${e.command} has no icon`);
      }
    }
  });

  it('the debug toolbar has Show Memory in APXM sessions only, and the APXM view keeps its button', { timeout: 5_000 }, () => {
    const toolbar = pkg.contributes.menus['debug/toolBar'] ?? [];
    const memory = toolbar.find((e) => e.command === 'apxm.showMemory');
    assert.ok(memory, 'menus["debug/toolBar"] has apxm.showMemory');
    assert.equal(memory.when, 'debugType == apxm');
    for (const e of toolbar)
      assert.match(e.when ?? '', /\bdebugType == apxm\b/, `${e.command}: every other debugger's toolbar stays as it is`);
    assert.ok(pkg.contributes.menus['view/title']?.some((e) => e.command === 'apxm.showMemory'));
  });
});
