/**
 * The side pane with the selected node's detail: what the model knows at once (state, timing,
 * tokens), then the adapter's detail (inputs, output, error, prompt, reply) when the host answers.
 * Long values come as a preview with a pageRef: "More" reads the next page with `valuePage`.
 */
import type { NodeDetail, ValuePreview } from '../../../debug-adapter/customProtocol.js';
import { formatCost } from '../../../runtime/llm/costText.js';
import { durationText } from '../../../runtime/query/durationText.js';
import { custom, el } from './dom.js';

export interface Summary {
  title: string;
  op: string;
  flow: string;
  nodeId: number;
  state: string;
  durationMs?: number;
  tokens?: number;
}

export type PageReader = (pageRef: string, offset: number, length: number) => Promise<{ text: string; offset: number; total: number }>;

const PAGE = 16_000;

export class DetailPane {
  readonly root: HTMLElement;
  private readonly body: HTMLElement;
  private readonly detailArea: HTMLElement;
  private readonly heading: HTMLElement;

  constructor(
    host: HTMLElement,
    private readonly readPage: PageReader,
    onClose: () => void,
  ) {
    this.heading = el('h2', { className: 'detail-title' });
    const close = custom('vscode-button', { secondary: '', title: 'Close (Escape)', 'aria-label': 'Close detail' }, '×');
    close.addEventListener('click', onClose);
    this.body = el('div', { className: 'detail-summary' });
    this.detailArea = el('div', { className: 'detail-values', attrs: { 'aria-live': 'polite' } });
    this.root = el(
      'aside',
      { className: 'detail', attrs: { 'aria-label': 'Node detail', hidden: '' } },
      el('header', {}, this.heading, close),
      this.body,
      this.detailArea,
    );
    host.append(this.root);
  }

  get visible(): boolean {
    return !this.root.hidden;
  }

  show(s: Summary, live: boolean): void {
    this.root.hidden = false;
    this.heading.textContent = s.title;
    const rows: [string, string][] = [
      ['op', s.op],
      ['flow', `${s.flow} #${s.nodeId}`],
      ['state', s.state],
    ];
    if (s.durationMs !== undefined) rows.push(['time', durationText(s.durationMs)]);
    if (s.tokens) rows.push(['tokens', String(s.tokens)]);
    this.body.replaceChildren(table(rows));
    this.detailArea.replaceChildren(
      el('p', { className: 'muted', text: live ? 'Loading detail…' : 'No run: start a debug session to see values.' }),
    );
  }

  setDetail(d: NodeDetail): void {
    const parts: Node[] = [];
    const rows: [string, string][] = [
      ['op', d.op],
      ['flow', `${d.flow} #${d.nodeId}`],
      ['state', d.state],
      ['executions', String(d.executions)],
    ];
    if (d.startedAt !== undefined) rows.push(['started', `+${durationText(d.startedAt)}`]);
    if (d.durationMs !== undefined) rows.push(['time', durationText(d.durationMs)]);
    if (d.tokens !== undefined) rows.push(['tokens', String(d.tokens)]);
    if (d.cost !== undefined) rows.push(['cost', formatCost(d.cost)]);
    // the adapter's figures replace what the page knew
    this.body.replaceChildren(table(rows));
    d.inputs.forEach((v, i) => parts.push(this.value(`input ${i + 1}`, v)));
    if (d.output) parts.push(this.value('output', d.output));
    if (d.error) {
      const where = d.error.place ? ` (${[d.error.place.file, d.error.place.line].filter((x) => x !== undefined).join(':')})` : '';
      parts.push(
        el(
          'section',
          { className: 'value error' },
          el('h3', { text: `error ${d.error.code}${where}` }),
          el('pre', { text: d.error.message + (d.error.hint ? `\n${d.error.hint}` : '') }),
        ),
      );
    }
    for (const m of d.prompt ?? []) parts.push(this.value(`prompt · ${m.role}`, m.content));
    if (d.reply) parts.push(this.value('reply', d.reply));
    this.detailArea.replaceChildren(...parts);
  }

  setError(message: string): void {
    this.detailArea.replaceChildren(el('p', { className: 'muted', text: message }));
  }

  hide(): void {
    this.root.hidden = true;
  }

  private value(label: string, v: ValuePreview): HTMLElement {
    const pre = el('pre', { text: v.text });
    const section = el(
      'section',
      { className: 'value' },
      el('h3', {}, label, el('span', { className: 'type', text: ` ${v.type} · ${v.length} chars` })),
      pre,
    );
    if (v.pageRef && v.text.length < v.length) {
      const pageRef = v.pageRef;
      let have = v.text.length;
      const more = custom('vscode-button', { secondary: '' });
      const label = () => (more.textContent = `More (${have.toLocaleString()} of ${v.length.toLocaleString()})`);
      label();
      more.addEventListener('click', () => {
        more.setAttribute('disabled', '');
        this.readPage(pageRef, have, PAGE).then(
          (page) => {
            pre.append(page.text);
            have = page.offset + page.text.length;
            more.removeAttribute('disabled');
            if (have >= page.total || page.text.length === 0) more.remove();
            else label();
          },
          (err: unknown) => {
            more.removeAttribute('disabled');
            more.textContent = `More (failed: ${err instanceof Error ? err.message : String(err)}; retry)`;
          },
        );
      });
      section.append(more);
    }
    return section;
  }
}

function table(rows: [string, string][]): HTMLElement {
  return el('dl', {}, ...rows.flatMap(([k, v]) => [el('dt', { text: k }), el('dd', { text: v })]));
}
