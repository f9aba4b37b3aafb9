/**
 * The toolbar: search, fit, collapse/expand all, heat map and critical path, and the run's status
 * line. Standard controls are vscode-elements (only the four components used are bundled).
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import { custom, el } from './dom.js';

export type Heat = 'none' | 'latency' | 'tokens' | 'cost';

export interface ToolbarActions {
  search(text: string): void;
  /** Enter in the search box: go to the next match (Shift+Enter: the previous one). */
  nextMatch(back: boolean): void;
  fit(): void;
  collapseAll(): void;
  expandAll(): void;
  heat(h: Heat): void;
  criticalPath(on: boolean): void;
}

export class Toolbar {
  readonly root: HTMLElement;
  readonly searchField: HTMLElement & { value: string };
  private readonly count: HTMLElement;
  private readonly status: HTMLElement;
  private readonly heatSelect: HTMLElement & { value: string };
  private readonly critical: HTMLElement & { checked: boolean };

  constructor(host: HTMLElement, a: ToolbarActions) {
    this.searchField = custom('vscode-textfield', {
      placeholder: 'Search name, op or tool  ( / )',
      'aria-label': 'Search nodes',
      class: 'search',
    }) as HTMLElement & {
      value: string;
    };
    this.searchField.addEventListener('input', () => a.search(this.searchField.value));
    this.searchField.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') {
        e.preventDefault();
        a.nextMatch(e.shiftKey);
      }
    });
    this.count = el('span', { className: 'match-count', attrs: { 'aria-live': 'polite' } });
    const button = (label: string, title: string, run: () => void) => {
      const b = custom('vscode-button', { secondary: '', title }, label);
      b.addEventListener('click', run);
      return b;
    };
    this.heatSelect = custom(
      'vscode-single-select',
      { 'aria-label': 'Heat map', title: 'Heat map', class: 'heat' },
      custom('vscode-option', { value: 'none' }, 'No heat map'),
      custom('vscode-option', { value: 'latency' }, 'Heat: latency'),
      custom('vscode-option', { value: 'tokens' }, 'Heat: tokens'),
      custom('vscode-option', { value: 'cost' }, 'Heat: cost'),
    ) as HTMLElement & { value: string };
    this.heatSelect.addEventListener('change', () => a.heat(this.heatSelect.value as Heat));
    this.critical = custom('vscode-checkbox', { label: 'Critical path' }) as HTMLElement & { checked: boolean };
    this.critical.addEventListener('change', () => a.criticalPath(this.critical.checked));
    this.status = el('span', { className: 'run-status', attrs: { role: 'status' } });
    this.root = el(
      'div',
      { className: 'toolbar', attrs: { role: 'toolbar', 'aria-label': 'Graph' } },
      this.searchField,
      this.count,
      button('Fit', 'Fit the graph in view (F)', () => a.fit()),
      button('Collapse', 'Collapse every flow call, plan and loop', () => a.collapseAll()),
      button('Expand', 'Expand everything', () => a.expandAll()),
      this.heatSelect,
      this.critical,
      this.status,
    );
    host.append(this.root);
  }

  set(heat: Heat, critical: boolean): void {
    this.heatSelect.value = heat;
    this.critical.checked = critical;
  }

  setMatches(text: string): void {
    this.count.textContent = text;
  }

  setStatus(text: string): void {
    this.status.textContent = text;
  }
}
