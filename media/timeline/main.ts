/**
 * The timeline page (bundled to dist/media/timeline.js): a run as a Gantt chart on a canvas, one
 * bar per op on its lane with its latency, tokens and cost, coloured by state or on a heat scale of
 * tokens or cost, the critical path outlined and joined. The
 * wheel zooms the time axis around the pointer, dragging pans, a double click fits; hovering shows
 * the op; clicking a bar posts `select`; in a replay, clicking the time axis posts `seek`.
 *
 * Test hook: `window.__apxmTimeline` (testHook.ts).
 */
import './timeline.css';
import type { HostMessage, HostMessages, PageMessages, Timeline, TimelineBar, TimelinePageState } from './protocol.js';
import { pageChannel } from '../shared/vscodeApi.js';
import { readPalette, watchTheme, type Palette } from './page/palette.js';
import type { HookBar, TimelineTestHook } from './testHook.js';
import {
  AXIS_H,
  BAR_H,
  GUTTER,
  LaneIndex,
  ROW_H,
  BAR_COLOURS,
  barKey,
  barLabel,
  describeBar,
  heatLegend,
  heatLevel,
  heatMax,
  type BarColour,
  fitView,
  formatMs,
  panBy,
  replayCursor,
  summarize,
  ticks,
  timeAt,
  xOf,
  zoomAt,
  type TimeView,
} from './timelineModel.js';

// any stored object is the timeline's: every field of its state is optional
const { post, loadState, saveState } = pageChannel<PageMessages, TimelinePageState>(() => true);

const el = <K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] => {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
};

/** Pixels a press may move and still be a click. */
const CLICK_SLOP = 4;

class TimelinePage {
  private readonly title = el('span', 'title', 'Timeline');
  private readonly summary = el('span', 'summary');
  private readonly hint = el('span', 'hint');
  private readonly colourSelect = el('select', 'colour');
  private readonly legend = el('span', 'legend');
  /** What the bars' colour says; by tokens or cost, `heatTop` is the scale's top (the largest figure). */
  private colour: BarColour = 'state';
  private heatTop = 0;
  private readonly canvas = el('canvas');
  private readonly tooltipEl = el('div', 'tooltip');
  private readonly emptyEl = el('div', 'empty', 'Loading the timeline…');
  private readonly ctx: CanvasRenderingContext2D;
  private palette: Palette = readPalette();
  private shown?: HostMessages['timeline/show'];
  /** The bars drawn: the recording's in a replay, else the run's. */
  private timeline?: Timeline;
  private index?: LaneIndex;
  /** Replay: ops the replay has started (bars from here on are ahead of it). */
  private started?: number;
  private view: TimeView = { start: 0, span: 1 };
  /** The user zoomed or panned: a refreshed live timeline keeps the window (else it is fitted again). */
  private userView = false;
  private scrollY = 0;
  private selected?: string;
  private stored: TimelinePageState;
  private frameQueued = false;
  private version = 0;
  private ready = false;
  private showAt?: number;
  private firstRenderMs?: number;
  private firstFrameAt?: number;
  private drawMs = 0;
  private drawnBars: HookBar[] = [];
  private press?: { x: number; y: number; view: TimeView; scrollY: number; moved: boolean };
  private width = 0;
  private height = 0;

  constructor() {
    const app = el('div', 'app');
    const header = el('div', 'header');
    this.colourSelect.setAttribute('aria-label', 'Colour the bars by');
    this.colourSelect.title = 'Colour the bars by their state, or by the tokens or cost of their LLM calls';
    for (const c of BAR_COLOURS) this.colourSelect.append(Object.assign(el('option', undefined, c.label), { value: c.value }));
    this.colourSelect.addEventListener('change', () => this.setColour(this.colourSelect.value as BarColour));
    // the run's figures on one line; what the colour says and how to move on the next
    const figures = el('div', 'line');
    figures.append(this.title, this.summary);
    const controls = el('div', 'line');
    controls.append(this.colourSelect, this.legend, this.hint);
    header.append(figures, controls);
    const stage = el('div', 'stage');
    this.canvas.tabIndex = 0;
    this.canvas.setAttribute('role', 'img');
    this.canvas.setAttribute('aria-label', 'Timeline of the run');
    this.tooltipEl.hidden = true;
    stage.append(this.canvas, this.emptyEl, this.tooltipEl);
    app.append(header, stage);
    document.body.append(app);
    this.ctx = this.canvas.getContext('2d') as CanvasRenderingContext2D;
    this.stored = loadState() ?? {};
    this.selected = this.stored.selected;
    this.colour = BAR_COLOURS.some((c) => c.value === this.stored.colour) ? (this.stored.colour as BarColour) : 'state';
    this.colourSelect.value = this.colour;
    if (this.stored.title) this.title.textContent = this.stored.title;

    window.addEventListener('message', (e: MessageEvent<HostMessage>) => this.receive(e.data));
    new ResizeObserver(() => this.resize()).observe(stage);
    watchTheme(() => {
      this.palette = readPalette();
      this.queue();
    });
    this.canvas.addEventListener('wheel', (e) => this.wheel(e), { passive: false });
    this.canvas.addEventListener('pointerdown', (e) => this.down(e));
    this.canvas.addEventListener('pointermove', (e) => this.move(e));
    this.canvas.addEventListener('pointerup', (e) => this.up(e));
    this.canvas.addEventListener('pointerleave', () => this.hover(undefined));
    this.canvas.addEventListener('dblclick', () => this.fit());
    this.canvas.addEventListener('keydown', (e) => this.key(e));
    window.addEventListener('error', (e) => post('pageError', { message: String(e.message) }));
    this.installHook();
    post('ready', {});
  }

  private receive(m: HostMessage | undefined): void {
    if (!m || typeof m !== 'object') return;
    if (m.type === 'timeline/empty') {
      this.shown = undefined;
      this.timeline = undefined;
      this.index = undefined;
      this.title.textContent = m.body.title;
      this.summary.textContent = '';
      this.hint.textContent = '';
      this.legend.textContent = '';
      this.emptyEl.textContent = m.body.message;
      this.emptyEl.hidden = false;
      this.version++;
      this.ready = true;
      this.save({ ...(m.body.source ? { source: m.body.source } : {}), title: m.body.title });
      this.queue();
      return;
    }
    if (m.type !== 'timeline/show') return;
    this.showAt = performance.now();
    this.firstRenderMs = undefined;
    const b = m.body;
    const same = (a: unknown, c: unknown) => JSON.stringify(a) === JSON.stringify(c);
    // the first timeline after a reload, of the source the page showed: its window comes back
    const restoring = this.version === 0 && this.stored.view !== undefined && same(b.source, this.stored.source);
    const sameSource = this.shown ? same(b.source, this.shown.source) : restoring;
    this.shown = b;
    this.timeline = b.recording ?? b.timeline;
    this.started = b.recording ? b.timeline.bars.length : undefined;
    this.index = new LaneIndex(this.timeline.bars, this.timeline.lanes);
    if (!sameSource) {
      this.userView = false;
      this.scrollY = 0;
      this.selected = undefined;
    }
    if (restoring && this.stored.view) {
      this.view = this.stored.view;
      this.userView = true;
    } else if (!this.userView) this.view = fitView(this.timeline);
    this.title.textContent = b.title;
    this.summary.textContent =
      summarize(this.timeline) + (b.recording ? ` · replayed ${b.timeline.bars.length} of ${b.recording.bars.length}` : '');
    this.hint.textContent = b.recording
      ? 'Click the time axis to run the replay there · wheel: zoom · drag: pan'
      : 'Wheel: zoom · drag: pan · double-click: fit';
    this.emptyEl.hidden = this.timeline.bars.length > 0;
    if (!this.timeline.bars.length) this.emptyEl.textContent = b.live ? 'No op has started yet.' : 'The run has no ops.';
    this.rescale();
    this.version++;
    this.ready = false;
    this.save({ source: b.source, title: b.title });
    this.queue();
  }

  private setColour(colour: BarColour): void {
    this.colour = colour;
    this.colourSelect.value = colour;
    this.rescale();
    this.save({ colour });
    this.queue();
  }

  /** The heat scale of the bars shown, and its legend (none when coloured by state). */
  private rescale(): void {
    const tl = this.timeline;
    this.heatTop = tl && this.colour !== 'state' ? heatMax(tl.bars, this.colour) : 0;
    this.legend.textContent = tl && this.colour !== 'state' ? heatLegend(tl, this.colour) : '';
  }

  private save(patch: Partial<TimelinePageState>): void {
    this.stored = { ...this.stored, ...patch, view: this.view, ...(this.selected ? { selected: this.selected } : {}) };
    if (!this.selected) delete this.stored.selected;
    saveState(this.stored);
  }

  private resize(): void {
    const r = this.canvas.getBoundingClientRect();
    this.width = r.width;
    this.height = r.height;
    const dpr = window.devicePixelRatio || 1;
    this.canvas.width = Math.max(1, Math.round(r.width * dpr));
    this.canvas.height = Math.max(1, Math.round(r.height * dpr));
    this.draw();
  }

  private queue(): void {
    if (this.frameQueued) return;
    this.frameQueued = true;
    requestAnimationFrame(() => {
      this.frameQueued = false;
      this.draw();
    });
  }

  private get total(): number {
    return this.timeline?.durationMs ?? 1;
  }

  private maxScroll(): number {
    const lanes = this.timeline?.lanes ?? 0;
    return Math.max(0, AXIS_H + lanes * ROW_H + 8 - this.height);
  }

  private draw(): number {
    const t0 = performance.now();
    const { ctx, width: w, height: h, palette: p } = this;
    const dpr = window.devicePixelRatio || 1;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.fillStyle = p.background;
    ctx.fillRect(0, 0, w, h);
    const drawn: HookBar[] = [];
    const tl = this.timeline;
    if (tl && tl.bars.length) {
      const view = this.view;
      const top = AXIS_H - this.scrollY;
      const firstLane = Math.max(0, Math.floor(this.scrollY / ROW_H));
      const lastLane = Math.min(tl.lanes - 1, Math.ceil((this.scrollY + h - AXIS_H) / ROW_H));
      // rows, the gutter's lane names
      ctx.font = '11px var(--vscode-font-family, sans-serif)';
      ctx.textBaseline = 'middle';
      for (let lane = firstLane; lane <= lastLane; lane++) {
        const y = top + lane * ROW_H;
        if (lane % 2 === 1) {
          ctx.fillStyle = p.rowAlt;
          ctx.fillRect(0, y, w, ROW_H);
        }
        ctx.fillStyle = p.muted;
        ctx.fillText(`lane ${lane + 1}`, 8, y + ROW_H / 2);
      }
      // grid lines under the bars
      const { step, times } = ticks(view, w);
      ctx.strokeStyle = p.grid;
      ctx.lineWidth = 1;
      ctx.beginPath();
      for (const t of times) {
        const x = Math.round(xOf(t, view, w)) + 0.5;
        ctx.moveTo(x, AXIS_H);
        ctx.lineTo(x, h);
      }
      ctx.stroke();
      // bars, clipped to the time band
      ctx.save();
      ctx.beginPath();
      ctx.rect(GUTTER, AXIS_H, w - GUTTER, h - AXIS_H);
      ctx.clip();
      const pad = (ROW_H - BAR_H) / 2;
      const criticalBoxes: { x: number; y: number; w: number; ahead: boolean }[] = [];
      for (const b of tl.bars) {
        if (b.lane < firstLane || b.lane > lastLane) continue;
        const x0 = xOf(b.start, view, w);
        if (x0 > w) continue;
        const x1 = xOf(b.start + b.durationMs, view, w);
        if (x1 < GUTTER) continue;
        const bw = Math.max(1.5, x1 - x0);
        const y = top + b.lane * ROW_H + pad;
        const ahead = this.started !== undefined && b.index >= this.started;
        const fade = ahead ? 0.3 : 1;
        // by tokens or cost: the heat colour, more opaque the more the op took; a bar without the figure faint
        const heat = this.colour === 'state' ? undefined : (heatLevel(b, this.colour, this.heatTop) ?? null);
        ctx.globalAlpha = fade * (heat === undefined ? 1 : heat === null ? 0.25 : heat);
        ctx.fillStyle = heat === undefined ? p.state[b.state] : heat === null ? p.muted : p.heat;
        ctx.fillRect(x0, y, bw, BAR_H);
        ctx.globalAlpha = fade;
        if (bw > 36) {
          const label = barLabel(b);
          // on a faint bar the text is the foreground's; on a full one the background's (as on state colours)
          ctx.fillStyle = heat === null || (heat !== undefined && heat < 0.5) ? p.text : p.background;
          ctx.save();
          ctx.beginPath();
          ctx.rect(x0, y, bw, BAR_H);
          ctx.clip();
          ctx.fillText(label, Math.max(x0, GUTTER) + 4, y + BAR_H / 2 + 0.5);
          ctx.restore();
        }
        ctx.globalAlpha = 1;
        if (b.critical) criticalBoxes.push({ x: x0, y, w: bw, ahead });
        const key = barKey(b);
        if (key === this.selected) {
          ctx.strokeStyle = p.selection;
          ctx.lineWidth = 2;
          ctx.strokeRect(x0 - 2, y - 2, bw + 4, BAR_H + 4);
        }
        const cx = Math.max(x0, GUTTER);
        drawn.push({
          index: b.index,
          key,
          ...(b.flow !== undefined ? { flow: b.flow } : {}),
          nodeId: b.nodeId,
          frameId: b.frameId,
          ...(b.name !== undefined ? { name: b.name } : {}),
          op: b.op,
          lane: b.lane,
          critical: b.critical,
          ahead,
          ...(heat !== undefined ? { heat } : {}),
          box: { x: cx, y, w: Math.min(x0 + bw, w) - cx, h: BAR_H },
        });
      }
      // the critical path: its bars outlined, joined end to start
      ctx.strokeStyle = p.critical;
      ctx.lineWidth = 2;
      for (const c of criticalBoxes) {
        ctx.globalAlpha = c.ahead ? 0.4 : 1;
        ctx.strokeRect(c.x, c.y, c.w, BAR_H);
      }
      ctx.globalAlpha = 1;
      ctx.beginPath();
      const path = tl.criticalPath.map((i) => tl.bars[i]);
      for (let i = 1; i < path.length; i++) {
        const a = path[i - 1];
        const b = path[i];
        const ax = xOf(a.start + a.durationMs, view, w);
        const ay = top + a.lane * ROW_H + ROW_H / 2;
        const bx = xOf(b.start, view, w);
        const by = top + b.lane * ROW_H + ROW_H / 2;
        if (ay === by && Math.abs(bx - ax) < 1) continue;
        ctx.moveTo(ax, ay);
        ctx.lineTo(ax + Math.max(0, (bx - ax) / 2), ay);
        ctx.lineTo(ax + Math.max(0, (bx - ax) / 2), by);
        ctx.lineTo(bx, by);
      }
      ctx.lineWidth = 1;
      ctx.stroke();
      ctx.restore();
      // the axis over everything, its labels
      ctx.fillStyle = p.background;
      ctx.fillRect(0, 0, w, AXIS_H);
      ctx.strokeStyle = p.grid;
      ctx.beginPath();
      ctx.moveTo(0, AXIS_H - 0.5);
      ctx.lineTo(w, AXIS_H - 0.5);
      ctx.stroke();
      ctx.fillStyle = p.muted;
      ctx.textBaseline = 'middle';
      for (const t of times) {
        const x = xOf(t, view, w);
        if (x < GUTTER - 1) continue;
        ctx.fillRect(Math.round(x), AXIS_H - 6, 1, 6);
        ctx.fillText(formatMs(t, step), x + 3, AXIS_H / 2 - 1);
      }
      // the replay's position: where its next op starts on the recording
      if (this.started !== undefined) {
        const cx = xOf(replayCursor(tl, this.started), view, w);
        if (cx >= GUTTER && cx <= w) {
          ctx.strokeStyle = p.cursor;
          ctx.lineWidth = 2;
          ctx.beginPath();
          ctx.moveTo(cx, AXIS_H - 8);
          ctx.lineTo(cx, h);
          ctx.stroke();
          ctx.fillStyle = p.cursor;
          ctx.beginPath();
          ctx.moveTo(cx - 5, AXIS_H - 10);
          ctx.lineTo(cx + 5, AXIS_H - 10);
          ctx.lineTo(cx, AXIS_H - 3);
          ctx.fill();
        }
      }
    }
    this.drawnBars = drawn;
    this.drawMs = performance.now() - t0;
    if (this.showAt !== undefined && this.firstRenderMs === undefined && tl) {
      this.firstFrameAt = performance.now();
      this.firstRenderMs = this.firstFrameAt - this.showAt;
    }
    if (tl || !this.emptyEl.hidden) this.ready = true;
    return this.drawMs;
  }

  private fit(): void {
    if (!this.timeline) return;
    this.view = fitView(this.timeline);
    this.userView = false;
    this.save({});
    this.queue();
  }

  private setView(v: TimeView): void {
    this.view = v;
    this.userView = true;
    this.save({});
    this.queue();
  }

  private wheel(e: WheelEvent): void {
    if (!this.timeline) return;
    e.preventDefault();
    const r = this.canvas.getBoundingClientRect();
    const x = e.clientX - r.left;
    // a horizontal wheel (or Shift) pans; the wheel zooms around the pointer
    if (e.shiftKey || Math.abs(e.deltaX) > Math.abs(e.deltaY)) {
      const d = e.shiftKey ? e.deltaY : e.deltaX;
      this.setView(panBy(this.view, (d / Math.max(1, this.width - GUTTER)) * this.view.span, this.total));
    } else this.setView(zoomAt(this.view, timeAt(Math.max(x, GUTTER), this.view, this.width), Math.exp(e.deltaY * 0.0015), this.total));
    this.hover(undefined);
  }

  private point(e: PointerEvent | MouseEvent): { x: number; y: number } {
    const r = this.canvas.getBoundingClientRect();
    return { x: e.clientX - r.left, y: e.clientY - r.top };
  }

  private barAt(x: number, y: number): TimelineBar | undefined {
    return this.index?.hit(x, y + this.scrollY, this.view, this.width);
  }

  private down(e: PointerEvent): void {
    if (e.button !== 0) return;
    const { x, y } = this.point(e);
    this.press = { x, y, view: this.view, scrollY: this.scrollY, moved: false };
    this.canvas.setPointerCapture(e.pointerId);
  }

  private move(e: PointerEvent): void {
    const { x, y } = this.point(e);
    const p = this.press;
    if (p) {
      if (!p.moved && Math.hypot(x - p.x, y - p.y) < CLICK_SLOP) return;
      p.moved = true;
      const dt = ((p.x - x) / Math.max(1, this.width - GUTTER)) * p.view.span;
      this.scrollY = Math.min(this.maxScroll(), Math.max(0, p.scrollY + (p.y - y)));
      this.setView(panBy(p.view, dt, this.total));
      this.hover(undefined);
      return;
    }
    const onAxis = y < AXIS_H && x >= GUTTER && this.started !== undefined;
    this.canvas.style.cursor = onAxis ? 'pointer' : 'default';
    this.hover(onAxis ? undefined : this.barAt(x, y), { x, y });
    if (onAxis) this.showTooltip([`Run the replay to ${formatMs(timeAt(x, this.view, this.width), this.view.span / 100)}`], { x, y });
  }

  private up(e: PointerEvent): void {
    const p = this.press;
    this.press = undefined;
    if (!p || p.moved) return;
    const { x, y } = this.point(e);
    if (y < AXIS_H) {
      if (this.started !== undefined && x >= GUTTER) post('seek', { time: Math.max(0, timeAt(x, this.view, this.width)) });
      return;
    }
    const b = this.barAt(x, y);
    this.choose(b);
  }

  private choose(b: TimelineBar | undefined): void {
    this.selected = b ? barKey(b) : undefined;
    this.save({});
    this.queue();
    if (b?.flow !== undefined) post('select', { flow: b.flow, nodeId: b.nodeId, frameId: b.frameId });
  }

  private key(e: KeyboardEvent): void {
    if (!this.timeline) return;
    const mid = this.view.start + this.view.span / 2;
    const step = this.view.span * 0.1;
    const handled: Record<string, () => void> = {
      '+': () => this.setView(zoomAt(this.view, mid, 0.8, this.total)),
      '=': () => this.setView(zoomAt(this.view, mid, 0.8, this.total)),
      '-': () => this.setView(zoomAt(this.view, mid, 1.25, this.total)),
      '0': () => this.fit(),
      ArrowLeft: () => this.setView(panBy(this.view, -step, this.total)),
      ArrowRight: () => this.setView(panBy(this.view, step, this.total)),
      ArrowDown: () => this.stepSelection(1),
      ArrowUp: () => this.stepSelection(-1),
    };
    const f = handled[e.key];
    if (!f) return;
    e.preventDefault();
    f();
  }

  /** Up/Down walk the bars in start order; the chosen one is selected (and posted) as a click would. */
  private stepSelection(d: number): void {
    const bars = this.timeline?.bars ?? [];
    if (!bars.length) return;
    const at = bars.findIndex((b) => barKey(b) === this.selected);
    this.choose(bars[Math.min(bars.length - 1, Math.max(0, at < 0 ? 0 : at + d))]);
  }

  private hover(b: TimelineBar | undefined, at?: { x: number; y: number }): void {
    if (!b || !at) {
      this.tooltipEl.hidden = true;
      return;
    }
    this.showTooltip(describeBar(b), at);
  }

  private showTooltip(lines: string[], at: { x: number; y: number }): void {
    this.tooltipEl.replaceChildren(...lines.map((l) => el('div', 'line', l)));
    this.tooltipEl.hidden = false;
    const tw = this.tooltipEl.offsetWidth;
    const th = this.tooltipEl.offsetHeight;
    const x = at.x + 14 + tw > this.width ? Math.max(0, at.x - 14 - tw) : at.x + 14;
    const y = at.y + 16 + th > this.height ? Math.max(0, at.y - 8 - th) : at.y + 16;
    this.tooltipEl.style.left = `${x}px`;
    this.tooltipEl.style.top = `${y}px`;
  }

  private installHook(): void {
    const self = this;
    const r = () => this.canvas.getBoundingClientRect();
    const hook: TimelineTestHook = {
      get version() {
        return self.version;
      },
      get ready() {
        return self.ready;
      },
      get source() {
        return self.shown?.source;
      },
      summary: () => (self.timeline ? (self.summary.textContent ?? '') : (self.emptyEl.textContent ?? '')),
      colour: () => ({ mode: self.colour, legend: self.legend.textContent ?? '' }),
      bars: () => self.drawnBars.map((b) => ({ ...b, box: { ...b.box, x: b.box.x + r().left, y: b.box.y + r().top } })),
      view: () => ({ ...self.view }),
      xOfTime: (ms) => xOf(ms, self.view, self.width) + r().left,
      cursorX: () =>
        self.timeline && self.started !== undefined
          ? xOf(replayCursor(self.timeline, self.started), self.view, self.width) + r().left
          : undefined,
      selected: () => self.selected,
      tooltip: () => (self.tooltipEl.hidden ? undefined : self.tooltipEl.innerText),
      stats: () => ({
        ...(self.firstRenderMs !== undefined ? { firstRenderMs: self.firstRenderMs, firstFrameAt: self.firstFrameAt } : {}),
        drawMs: self.drawMs,
        drawn: self.drawnBars.length,
      }),
      drawNow: () => self.draw(),
    };
    (window as unknown as { __apxmTimeline: TimelineTestHook }).__apxmTimeline = hook;
  }
}

new TimelinePage();
