/**
 * The canvas's colours from VS Code's theme variables (`--vscode-*` on the page), read again when
 * the theme changes (VS Code swaps the body's class and the variables together).
 */
import type { TimelineState } from '../protocol.js';

export interface Palette {
  background: string;
  text: string;
  muted: string;
  grid: string;
  rowAlt: string;
  critical: string;
  cursor: string;
  selection: string;
  /** Bars coloured by tokens or cost: this colour, more opaque the more the op took. */
  heat: string;
  state: Record<TimelineState, string>;
}

const VARS: Record<Exclude<keyof Palette, 'state'>, [string, string]> = {
  background: ['--vscode-editor-background', '#1e1e1e'],
  text: ['--vscode-editor-foreground', '#cccccc'],
  muted: ['--vscode-descriptionForeground', '#9d9d9d'],
  grid: ['--vscode-editorIndentGuide-background1', '#80808033'],
  rowAlt: ['--vscode-list-hoverBackground', '#80808014'],
  critical: ['--vscode-charts-orange', '#d18616'],
  cursor: ['--vscode-debugIcon-pauseForeground', '#75beff'],
  selection: ['--vscode-focusBorder', '#007fd4'],
  // the graph's heat map colour, so both views read the same
  heat: ['--vscode-charts-red', '#f14c4c'],
};

const STATE_VARS: Record<TimelineState, [string, string]> = {
  running: ['--vscode-charts-blue', '#3794ff'],
  succeeded: ['--vscode-testing-iconPassed', '#73c991'],
  failed: ['--vscode-testing-iconFailed', '#f14c4c'],
  replayed: ['--vscode-charts-purple', '#b180d7'],
};

export function readPalette(): Palette {
  const css = getComputedStyle(document.documentElement);
  const read = ([name, fallback]: [string, string]) => css.getPropertyValue(name).trim() || fallback;
  const p = Object.fromEntries(Object.entries(VARS).map(([k, v]) => [k, read(v)])) as Omit<Palette, 'state'>;
  const state = Object.fromEntries(Object.entries(STATE_VARS).map(([k, v]) => [k, read(v)])) as Palette['state'];
  return { ...p, state };
}

/** Calls `changed` when VS Code changes the theme (the body's class, or the root's variables). */
export function watchTheme(changed: () => void): void {
  const o = new MutationObserver(changed);
  o.observe(document.body, { attributes: true, attributeFilter: ['class'] });
  o.observe(document.documentElement, { attributes: true, attributeFilter: ['style'] });
}
