/**
 * The selected row's detail, below the table: its whole value (a long one read a page at a time
 * with `apxm/valuePage`), the ops that wrote the key (with "Reveal in Graph" and "Go to Source"),
 * "Watch Key", and while stopped Edit and Delete.
 */
import type { ValuePreview } from '../../../debug-adapter/customProtocol.js';
import type { MemoryProvenance, MemoryRow, MemoryTab, MemoryWrite } from '../../../debug-adapter/protocol/memoryProtocol.js';
import { el } from '../../graph/page/dom.js';
import type { MemoryCallName, MemoryCalls, SessionView } from '../protocol.js';
import { ExpandedValue, canDelete, canEdit, canWatch, formatTime, hasProvenance } from '../tableModel.js';
import { post } from './vscodeApi.js';

export interface DetailHost {
  call<K extends MemoryCallName>(name: K, args: MemoryCalls[K]['arguments']): Promise<MemoryCalls[K]['body']>;
  session(): SessionView | undefined;
  edit(row: MemoryRow): void;
  remove(row: MemoryRow): void;
  close(): void;
}

/** One line of provenance, as the tests read it. */
export function writeLine(w: MemoryWrite): string {
  const what = w.op ? `${w.op}${w.name ? ` ${w.name}` : ''}` : (w.label ?? 'a write');
  const where =
    w.flow !== undefined && w.nodeId !== undefined ? ` (${w.flow}#${w.nodeId})` : w.nodeId !== undefined ? ` (node ${w.nodeId})` : '';
  const run = w.thisRun ? '' : ` in run ${w.runId.slice(0, 8)}`;
  const line = w.source ? `, line ${w.source.line}` : '';
  return `${what}${where} at ${formatTime(w.time)}${run}${line}`;
}

export class DetailPane {
  readonly root: HTMLElement;
  private tab: MemoryTab | undefined;
  private row: MemoryRow | undefined;
  private value: ExpandedValue | undefined;
  private provenance: MemoryProvenance | undefined;
  private provenanceError: string | undefined;
  private loadError: string | undefined;
  /** Watched keys as the adapter lists them (`tier:key`). */
  private watching = new Set<string>();
  /** Bumps with each row shown: a late answer for an earlier row is dropped. */
  private shown = 0;

  constructor(private readonly host: DetailHost) {
    this.root = el('section', { className: 'detail', attrs: { 'aria-label': 'Selected row' } });
    this.root.hidden = true;
  }

  show(tab: MemoryTab, row: MemoryRow): void {
    const same = this.tab === tab && this.row?.key === row.key;
    this.tab = tab;
    this.row = row;
    if (!same || !this.value || this.value.value.text !== row.value.text || this.value.value.length !== row.value.length) {
      this.value = new ExpandedValue(row.value);
      this.loadError = undefined;
    }
    if (!same) {
      this.shown++;
      this.provenance = undefined;
      this.provenanceError = undefined;
      this.loadProvenance();
    }
    this.render();
  }

  /** The row as the table has it now (a refreshed page): a new value replaces the one shown. */
  update(row: MemoryRow): void {
    if (
      this.tab &&
      this.row?.key === row.key &&
      (this.row.value.text !== row.value.text || this.row.value.length !== row.value.length || this.row.changed !== row.changed)
    )
      this.show(this.tab, row);
  }

  reset(): void {
    this.tab = undefined;
    this.row = undefined;
    this.value = undefined;
    this.provenance = undefined;
    this.shown++;
    this.root.hidden = true;
  }

  /** Another session: nothing it watches is known yet. */
  newSession(): void {
    this.watching.clear();
    this.reset();
  }

  /** A stop or an edit: the provenance is read again. */
  refresh(): void {
    if (!this.row) return;
    this.shown++;
    this.loadProvenance();
  }

  /** A long value's whole text (for an edit box). */
  async wholeValue(v: ValuePreview): Promise<string> {
    const x = new ExpandedValue(v);
    for (let next = x.next(); next; next = x.next()) x.append(await this.host.call('apxm/valuePage', next));
    return x.text;
  }

  private loadProvenance(): void {
    const { tab, row } = this;
    if (!tab || !row || !hasProvenance(tab) || !this.host.session()) return;
    const shown = this.shown;
    this.host.call('apxm/memoryProvenance', { tab, key: row.key, limit: 5 }).then(
      (p) => {
        if (shown !== this.shown) return;
        this.provenance = p;
        this.provenanceError = undefined;
        this.render();
      },
      (e: Error) => {
        if (shown !== this.shown) return;
        this.provenanceError = e.message;
        this.render();
      },
    );
  }

  private async more(): Promise<void> {
    const v = this.value;
    const next = v?.next();
    if (!v || !next) return;
    const shown = this.shown;
    try {
      const page = await this.host.call('apxm/valuePage', next);
      if (shown === this.shown && v === this.value) v.append(page);
    } catch (e) {
      this.loadError = (e as Error).message;
    }
    this.render();
  }

  private async toggleWatch(): Promise<void> {
    const { tab, row } = this;
    if (!tab || !row || !canWatch(tab)) return;
    const id = `${tab}:${row.key}`;
    try {
      const { watching } = await this.host.call('apxm/watchKey', { tier: tab, key: row.key, watch: !this.watching.has(id) });
      this.watching = new Set(watching);
      this.loadError = undefined;
    } catch (e) {
      this.loadError = (e as Error).message;
    }
    this.render();
  }

  private render(): void {
    const { tab, row, value } = this;
    if (!tab || !row || !value) {
      this.root.hidden = true;
      return;
    }
    this.root.hidden = false;
    const stopped = this.host.session()?.stopped === true;
    const button = (label: string, title: string, run: () => void, attrs: Record<string, string> = {}) => {
      const b = el('button', { className: 'link', text: label, attrs: { title, type: 'button', ...attrs } });
      b.addEventListener('click', run);
      return b;
    };
    const watched = this.watching.has(`${tab}:${row.key}`);
    const actions = el('div', { className: 'detail-actions' });
    if (canEdit(tab) && stopped) actions.append(button('Edit', 'Edit the value', () => this.host.edit(row)));
    if (canDelete(tab) && stopped) actions.append(button('Delete', 'Delete the key', () => this.host.remove(row)));
    if (canWatch(tab))
      actions.append(
        button(
          watched ? 'Unwatch Key' : 'Watch Key',
          watched ? 'Remove the data breakpoint on this key' : 'Stop when an op writes this key (a data breakpoint)',
          () => void this.toggleWatch(),
          {
            'aria-pressed': String(watched),
          },
        ),
      );
    actions.append(button('Close', 'Close the detail (Escape)', () => this.host.close()));

    const meta = [
      row.value.type,
      `${row.value.length.toLocaleString('en-US')} chars`,
      row.changed ? 'changed since the previous stop' : '',
      watched ? 'watched' : '',
    ]
      .filter(Boolean)
      .join(' · ');
    const head = el(
      'div',
      { className: 'detail-head' },
      el('span', { className: 'detail-key', text: row.key }),
      el('span', { className: 'detail-meta', text: meta }),
      actions,
    );
    const body = el('pre', { className: 'detail-value', text: value.text });
    const parts: HTMLElement[] = [head, body];
    if (!value.complete)
      parts.push(
        el(
          'div',
          { className: 'more' },
          button(
            `Show more (${value.text.length.toLocaleString('en-US')} of ${value.value.length.toLocaleString('en-US')} chars)`,
            'Read the next part of the value',
            () => void this.more(),
          ),
        ),
      );
    if (this.loadError) parts.push(el('div', { className: 'inline-error', text: this.loadError, attrs: { role: 'alert' } }));
    if (row.event) {
      const e = row.event;
      parts.push(
        el('div', {
          className: 'provenance-note',
          text: `Event #${e.seq} ${e.eventType}${e.nodeId !== null ? ` of node ${e.nodeId}` : ''}${e.frameId !== null ? ` in frame ${e.frameId}` : ''}`,
        }),
      );
    }
    if (hasProvenance(tab)) parts.push(this.provenanceList());
    this.root.replaceChildren(...parts);
  }

  private provenanceList(): HTMLElement {
    const list = el('div', { className: 'provenance' }, el('div', { className: 'provenance-title', text: 'Written by' }));
    if (this.provenanceError) list.append(el('div', { className: 'inline-error', text: this.provenanceError }));
    else if (!this.provenance)
      list.append(el('div', { className: 'provenance-note', text: this.host.session() ? 'Reading…' : 'No session.' }));
    else if (!this.provenance.writes.length)
      list.append(el('div', { className: 'provenance-note', text: this.provenance.note ?? 'No recorded write.' }));
    for (const w of this.provenance?.writes ?? []) {
      const item = el('div', { className: 'write' }, el('span', { className: 'write-text', text: writeLine(w) }));
      if (w.flow !== undefined && w.nodeId !== undefined) {
        const node = { flow: w.flow, nodeId: w.nodeId };
        const b = el('button', {
          className: 'link',
          text: 'Reveal in Graph',
          attrs: { type: 'button', title: `Select ${w.flow}#${w.nodeId} in the program's graph` },
        });
        b.addEventListener('click', () => post('revealInGraph', node));
        item.append(b);
      }
      if (w.source) {
        const src = w.source;
        const b = el('button', { className: 'link', text: 'Go to Source', attrs: { type: 'button', title: `${src.path}:${src.line}` } });
        b.addEventListener('click', () => post('openSource', { path: src.path, line: src.line }));
        item.append(b);
      }
      list.append(item);
    }
    return list;
  }

  hookState(): { key: string; value: string; complete: boolean; writes: string[]; note?: string } | undefined {
    if (!this.row || !this.value || this.root.hidden) return undefined;
    return {
      key: this.row.key,
      value: this.value.text,
      complete: this.value.complete,
      writes: (this.provenance?.writes ?? []).map(writeLine),
      ...(this.provenance?.note ? { note: this.provenance.note } : {}),
    };
  }
}
