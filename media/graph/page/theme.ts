/**
 * The canvas's colours, read from VS Code's theme variables (`--vscode-*` on the page), and read
 * again when the theme changes: VS Code swaps the body's class (vscode-light, vscode-dark,
 * vscode-high-contrast…) and the variables on the root element together.
 */
import type { NodeState } from '../graphModel.js';

export interface Palette {
  background: string;
  nodeFill: string;
  nodeBorder: string;
  text: string;
  muted: string;
  edge: string;
  container: string;
  containerBorder: string;
  selection: string;
  stopped: string;
  stoppedFill: string;
  breakpoint: string;
  critical: string;
  heat: string;
  minimap: string;
  viewport: string;
  state: Record<NodeState, string>;
  family: Record<string, string>;
  highContrast: boolean;
}

/** [variable, fallback]: the fallback serves a page outside VS Code (and a theme that leaves one out). */
const VARS = {
  background: ['--vscode-editor-background', '#1e1e1e'],
  nodeFill: ['--vscode-editorWidget-background', '#252526'],
  nodeBorder: ['--vscode-widget-border', '#454545'],
  text: ['--vscode-editor-foreground', '#cccccc'],
  muted: ['--vscode-descriptionForeground', '#9d9d9d'],
  edge: ['--vscode-editorLineNumber-foreground', '#858585'],
  container: ['--vscode-sideBar-background', '#252526'],
  containerBorder: ['--vscode-panel-border', '#80808059'],
  selection: ['--vscode-focusBorder', '#007fd4'],
  stopped: ['--vscode-debugIcon-pauseForeground', '#75beff'],
  stoppedFill: ['--vscode-editor-stackFrameHighlightBackground', '#ffff0033'],
  breakpoint: ['--vscode-debugIcon-breakpointForeground', '#e51400'],
  critical: ['--vscode-charts-orange', '#d18616'],
  heat: ['--vscode-charts-red', '#f14c4c'],
  minimap: ['--vscode-editorWidget-background', '#252526'],
  viewport: ['--vscode-scrollbarSlider-activeBackground', '#bfbfbf66'],
} as const;

const STATE_VARS: Record<NodeState, [string, string]> = {
  pending: ['--vscode-testing-iconUnset', '#848484'],
  ready: ['--vscode-testing-iconQueued', '#cca700'],
  running: ['--vscode-charts-blue', '#3794ff'],
  succeeded: ['--vscode-testing-iconPassed', '#73c991'],
  failed: ['--vscode-testing-iconFailed', '#f14c4c'],
  skipped: ['--vscode-testing-iconSkipped', '#848484'],
  cancelled: ['--vscode-charts-orange', '#d18616'],
  replayed: ['--vscode-charts-purple', '#b180d7'],
};

const FAMILY_VARS: Record<string, [string, string]> = {
  llm: ['--vscode-charts-purple', '#b180d7'],
  tools: ['--vscode-charts-blue', '#3794ff'],
  memory: ['--vscode-charts-green', '#89d185'],
  control: ['--vscode-charts-yellow', '#cca700'],
  sync: ['--vscode-charts-foreground', '#cccccc'],
  multiAgent: ['--vscode-charts-orange', '#d18616'],
  coordination: ['--vscode-charts-red', '#f14c4c'],
  basic: ['--vscode-descriptionForeground', '#9d9d9d'],
};

export function readPalette(): Palette {
  const style = getComputedStyle(document.body);
  const read = ([name, fallback]: readonly [string, string]) => style.getPropertyValue(name).trim() || fallback;
  const p = Object.fromEntries(Object.entries(VARS).map(([k, v]) => [k, read(v)])) as Omit<Palette, 'state' | 'family' | 'highContrast'>;
  const state = Object.fromEntries(Object.entries(STATE_VARS).map(([k, v]) => [k, read(v)])) as Record<NodeState, string>;
  const family = Object.fromEntries(Object.entries(FAMILY_VARS).map(([k, v]) => [k, read(v)]));
  const highContrast =
    document.body.classList.contains('vscode-high-contrast') || document.body.classList.contains('vscode-high-contrast-light');
  return { ...p, state, family, highContrast };
}

/** Calls `changed` when VS Code changes the theme (the body's class or its variables). */
export function watchTheme(changed: () => void): MutationObserver {
  const observer = new MutationObserver(() => changed());
  // VS Code sets the variables on <html style> and the theme's kind as <body class>
  observer.observe(document.documentElement, { attributes: true, attributeFilter: ['style', 'class'] });
  observer.observe(document.body, { attributes: true, attributeFilter: ['class', 'style', 'data-vscode-theme-kind'] });
  return observer;
}
