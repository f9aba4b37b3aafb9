/**
 * The graph page (bundled to dist/media/graph.js): a live DAG of the program in a webview. The host
 * posts the graph and the run's progress (protocol.ts); the page keeps them in the model, lays the
 * graph out in a worker, and draws it once per animation frame. Clicking a node shows its source
 * and detail; its context menu toggles a breakpoint or runs to it.
 *
 * Test hook: `window.__apxmGraph` (read-only) gives the model's states, every drawn node's screen
 * box, the view and timing figures; the page tests, the e2e suite and the bench read it.
 */
import './graph.css';
import { GraphModel, nodeKey, type NodeState } from './graphModel.js';
import type { LayoutResult } from './layout.js';
import type { FrameNodeKey, HostMessage, HostMessages, PageMessages } from './protocol.js';
import { collapsedAround, loopKey, visibleGraph, type VisibleItem } from './visibleGraph.js';
import { durationText } from '../../runtime/query/durationText.js';
import { CanvasView, type Geometry, type Scene } from './page/canvasView.js';
import { ContextMenu, type MenuItem } from './page/contextMenu.js';
import { DetailPane } from './page/detailPane.js';
import { el } from './page/dom.js';
import { LayoutClient } from './page/layoutClient.js';
import { readPalette, watchTheme } from './page/theme.js';
import { Toolbar, type Heat } from './page/toolbar.js';
import { loadState, post, saveState, type StoredState } from './page/vscodeApi.js';
import type { GraphTestHook, HookNode } from './testHook.js';

/** Layouts of more boxes than this are not kept in the webview state (VS Code serializes it on every change). */
const STORED_LAYOUT_MAX = 2000;

type Reply = { resolve: (body: never) => void; reject: (e: Error) => void };

class GraphPage {
  private readonly model = new GraphModel();
  private readonly layouts = new LayoutClient((m) => post('pageError', { message: m }));
  private readonly canvas: CanvasView;
  private readonly toolbar: Toolbar;
  private readonly detail: DetailPane;
  /** The selected node's state when its detail was last asked, and the pending re-ask. */
  private detailState?: string;
  private detailRefresh?: ReturnType<typeof setTimeout>;
  private readonly menu: ContextMenu;
  private readonly empty: HTMLElement;
  private palette = readPalette();
  private collapsed = new Set<string>();
  private selected?: string;
  private heat: Heat = 'none';
  private critical = false;
  private search = '';
  private matches: string[] = [];
  private matchAt = -1;
  private wantedKey?: string;
  private geometryKey?: string;
  private pendingReveal?: { key: string; always: boolean };
  private restoredView?: StoredState['view'];
  private geometry?: Geometry;
  private stored?: StoredState;
  private frameQueued = false;
  private applyMs = 0;
  private lastApplyMs = 0;
  private showAt?: number;
  private firstRenderMs?: number;
  private nextRequest = 1;
  private readonly replies = new Map<number, Reply>();
  private saveTimer?: ReturnType<typeof setTimeout>;

  constructor() {
    const app = el('div', { className: 'app' });
    const main = el('div', { className: 'main' });
    const stage = el('div', { className: 'stage' });
    this.empty = el('div', { className: 'empty', text: 'Waiting for the program graph…' });
    document.body.append(app);
    this.toolbar = new Toolbar(app, {
      search: (t) => this.setSearch(t),
      nextMatch: (back) => this.nextMatch(back),
      fit: () => this.canvas.fit(),
      collapseAll: () => this.collapseAll(),
      expandAll: () => this.setCollapsed(new Set()),
      heat: (h) => {
        this.heat = h;
        this.changed();
      },
      criticalPath: (on) => {
        this.critical = on;
        this.changed();
      },
    });
    app.append(main);
    main.append(stage);
    stage.append(this.empty);
    this.canvas = new CanvasView(stage, {
      click: (key) => (key ? this.select(key, true) : this.deselect()),
      doubleClick: (key) => this.toggleCollapse(key),
      contextMenu: (key, x, y) => this.openMenu(key, x, y),
      viewChanged: () => this.changed(),
      keepInView: () => {
        const at = this.model.stopped.at;
        const k = this.selected ?? (at ? this.model.keyOfFrameNode(at) : undefined);
        return k && (this.geometry?.vg.shownAs.get(k) ?? k);
      },
    });
    this.detail = new DetailPane(
      main,
      (pageRef, offset, length) => this.readPage(pageRef, offset, length),
      () => this.deselect(),
    );
    this.menu = new ContextMenu(document.body);
    this.listenKeys();
    watchTheme(() => {
      this.palette = readPalette();
      this.canvas.markMinimapDirty();
      this.schedule();
    });
    window.addEventListener('message', (e: MessageEvent<unknown>) => this.receive(e.data));
    window.addEventListener('error', (e) => post('pageError', { message: e.message }));
    this.stored = loadState();
    if (this.stored) {
      this.collapsed = new Set(this.stored.collapsed ?? []);
      this.heat = this.stored.heat ?? 'none';
      this.critical = this.stored.criticalPath ?? false;
      this.toolbar.set(this.heat, this.critical);
      if (this.stored.layout) this.layouts.remember(this.stored.layout.key, this.stored.layout.result);
    }
    this.exposeHook();
    post('ready', {});
  }

  // ---- messages ---------------------------------------------------------------------------------

  private receive(data: unknown): void {
    if (!data || typeof data !== 'object' || typeof (data as { type?: unknown }).type !== 'string') return;
    const message = data as HostMessage;
    try {
      const started = performance.now();
      this.handle(message);
      this.applyMs += performance.now() - started;
    } catch (err) {
      post('pageError', { message: `${message.type}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}` });
    }
  }

  private handle(m: HostMessage): void {
    switch (m.type) {
      case 'graph/show':
        return this.show(m.body);
      case 'graph/reveal': {
        const scope = this.model.scopeOfFlow(m.body.flow);
        if (scope) this.revealKey(nodeKey(scope.id, m.body.nodeId), true, false);
        return;
      }
      case 'graph/nodeDetail':
      case 'graph/valuePage': {
        const reply = this.replies.get(m.body.requestId);
        this.replies.delete(m.body.requestId);
        if (!reply) return;
        if (m.body.error !== undefined) reply.reject(new Error(m.body.error));
        else reply.resolve(m.body as never);
        return;
      }
      case 'graph/stopped': {
        this.model.apply(m);
        const at = m.body.at && this.model.keyOfFrameNode(m.body.at);
        // the stopped op is kept in view (its loop or callee expanded)
        if (at) this.revealKey(at, false, false);
        this.schedule();
        return;
      }
      default:
        this.model.apply(m);
        this.refreshDetailIfChanged();
        this.schedule();
    }
  }

  private show(body: HostMessages['graph/show']): void {
    const same = this.stored?.hash === body.hash && this.stored.programPath === body.programPath;
    this.showAt = performance.now();
    this.firstRenderMs = undefined;
    this.model.apply({ type: 'graph/show', body });
    this.geometryKey = undefined;
    this.wantedKey = undefined;
    if (same && this.stored) {
      this.restoredView = this.stored.view;
      this.selected = this.stored.selected ? this.keyOfHost(this.stored.selected) : undefined;
    } else {
      this.restoredView = undefined;
      this.selected = undefined;
      if (this.stored && this.stored.programPath !== body.programPath) this.collapsed.clear();
      this.detail.hide();
    }
    this.stored = { programPath: body.programPath, hash: body.hash };
    this.empty.hidden = true;
    this.setSearch(this.search);
    this.schedule();
  }

  private request(type: 'nodeDetail', body: Omit<PageMessages['nodeDetail'], 'requestId'>): Promise<HostMessages['graph/nodeDetail']>;
  private request(type: 'valuePage', body: Omit<PageMessages['valuePage'], 'requestId'>): Promise<HostMessages['graph/valuePage']>;
  private request(type: 'nodeDetail' | 'valuePage', body: object): Promise<unknown> {
    const requestId = this.nextRequest++;
    return new Promise((resolve, reject) => {
      this.replies.set(requestId, { resolve: resolve as (b: never) => void, reject });
      post(type, { ...body, requestId } as never);
    });
  }

  private async readPage(pageRef: string, offset: number, length: number): Promise<{ text: string; offset: number; total: number }> {
    const r = await this.request('valuePage', { pageRef, offset, length });
    return { text: r.text ?? '', offset: r.offset ?? offset, total: r.total ?? offset };
  }

  // ---- frame loop ---------------------------------------------------------------------------------

  private changed(): void {
    this.schedule();
    clearTimeout(this.saveTimer);
    this.saveTimer = setTimeout(() => this.save(), 300);
  }

  private schedule(): void {
    if (this.frameQueued) return;
    this.frameQueued = true;
    requestAnimationFrame(() => this.frame());
  }

  /** Once per animation frame: everything the messages since the last frame changed, drawn at once. */
  private frame(): void {
    this.frameQueued = false;
    const dirty = this.model.takeDirty();
    if (dirty.structure || this.wantedKey === undefined) this.relayout();
    if (dirty.nodes.size || dirty.structure) this.canvas.markMinimapDirty();
    if (dirty.overlay || dirty.nodes.size) this.updateStatus();
    this.lastApplyMs = this.applyMs;
    this.applyMs = 0;
    this.canvas.draw(this.scene());
    if (this.firstRenderMs === undefined && this.showAt !== undefined && this.canvas.hasGeometry && this.geometryKey === this.wantedKey)
      this.firstRenderMs = performance.now() - this.showAt;
  }

  private relayout(): void {
    if (!this.model.program) return;
    const vg = visibleGraph(this.model, this.collapsed);
    const key = vg.structureKey;
    if (key === this.wantedKey) return;
    this.wantedKey = key;
    void this.layouts.layout(key, vg.input).then((layout) => {
      if (this.wantedKey !== key) return; // a newer shape was asked for meanwhile
      this.applyGeometry({ vg, layout }, key);
    });
  }

  private applyGeometry(g: Geometry, key: string): void {
    const first = !this.canvas.hasGeometry || this.geometryKey === undefined;
    this.geometryKey = key;
    this.geometry = g;
    this.canvas.setGeometry(g);
    if (first && this.restoredView) this.canvas.view = { ...this.restoredView };
    // a new shape (a callee or a plan attached) is fitted again unless the user has moved the view
    else if (first || this.canvas.autoFit) this.canvas.fit();
    this.restoredView = undefined;
    if (this.selected && !g.layout.boxes[this.selected]) this.selected = g.vg.shownAs.get(this.selected);
    if (this.pendingReveal) {
      const { key: k, always } = this.pendingReveal;
      this.pendingReveal = undefined;
      this.canvas.reveal(g.vg.shownAs.get(k) ?? k, always);
    }
    this.setSearch(this.search);
    this.save(g.layout);
    this.schedule();
  }

  private scene(): Scene {
    const shownAs = this.canvas.hasGeometry ? this.currentShownAs() : undefined;
    const show = (k: string | undefined) => (k === undefined ? undefined : (shownAs?.get(k) ?? k));
    const stopped = this.model.stopped.at ? show(this.model.keyOfFrameNode(this.model.stopped.at)) : undefined;
    const ready = new Set<string>();
    for (const r of this.model.stopped.ready) {
      const k = show(this.model.keyOfFrameNode(r));
      if (k) ready.add(k);
    }
    const matches = new Set<string>();
    for (const k of this.matches) matches.add(show(k) as string);
    return {
      model: this.model,
      palette: this.palette,
      ...(this.selected ? { selected: this.selected } : {}),
      ...(stopped ? { stopped } : {}),
      ready,
      matches,
      heat: this.heat,
      criticalPath: this.critical,
    };
  }

  private currentShownAs(): Map<string, string> | undefined {
    return this.geometry?.vg.shownAs;
  }

  private updateStatus(): void {
    const r = this.model.run;
    const parts: string[] = [];
    if (!this.model.live) parts.push(this.model.sessionName ? `${this.model.sessionName} ended` : 'not running');
    if (r) {
      parts.push(r.state);
      parts.push(`${r.stats.nodesDone}/${r.stats.nodesTotal} ops`);
      if (r.stats.nodesFailed) parts.push(`${r.stats.nodesFailed} failed`);
      if (r.stats.tokens) parts.push(`${r.stats.tokens.toLocaleString()} tok`);
      parts.push(durationText(r.stats.elapsedMs));
    }
    const at = this.model.stopped.at;
    if (at) parts.push(`stopped at ${this.model.nodeOf(this.model.keyOfFrameNode(at) ?? '')?.node.name ?? `#${at.nodeId}`}`);
    this.toolbar.setStatus(parts.join(' · '));
  }

  // ---- selection, reveal, collapse ----------------------------------------------------------------

  private keyOfHost(k: { flow: string; nodeId: number }): string | undefined {
    const s = this.model.scopeOfFlow(k.flow);
    return s ? nodeKey(s.id, k.nodeId) : undefined;
  }

  private item(key: string): VisibleItem | undefined {
    return this.geometry?.vg.items.get(key);
  }

  /** Selects a drawn key; a node posts `nodeDetail` and, when `openSource`, `openSource`. */
  private select(key: string, openSource: boolean): void {
    this.selected = key;
    const item = this.item(key);
    this.changed();
    if (item?.kind !== 'node') return;
    const host = this.model.hostKey(key);
    if (!host) return;
    if (openSource) post('openSource', host);
    this.loadDetail(key);
  }

  /** Shows the selected node's detail: what the model knows at once, then the adapter's answer. */
  private loadDetail(key: string): void {
    const item = this.item(key);
    const host = this.model.hostKey(key);
    if (item?.kind !== 'node' || !host) return;
    const run = this.model.runs.get(key);
    this.detailState = run?.state ?? 'pending';
    this.detail.show(
      {
        title: item.node.name,
        op: item.node.op,
        flow: host.flow,
        nodeId: host.nodeId,
        state: this.detailState,
        ...(run?.durationMs !== undefined ? { durationMs: run.durationMs } : {}),
        ...(run?.tokens !== undefined ? { tokens: run.tokens } : {}),
      },
      this.model.live,
    );
    const frameId = this.model.frameOf(key);
    this.request('nodeDetail', { ...host, ...(frameId !== undefined ? { frameId } : {}) }).then(
      (reply) => {
        if (this.selected !== key) return;
        if (reply.detail) this.detail.setDetail(reply.detail);
        else this.detail.setError('No detail: the node has not run.');
      },
      (err: Error) => this.selected === key && this.detail.setError(err.message),
    );
  }

  /**
   * The selected node's state changed since its detail was asked (it became ready, ran, failed):
   * ask again, at most a few times a second while a run streams.
   */
  private refreshDetailIfChanged(): void {
    const key = this.selected;
    if (key === undefined || this.detailRefresh !== undefined || this.detailState === undefined) return;
    if ((this.model.runs.get(key)?.state ?? 'pending') === this.detailState) return;
    this.detailRefresh = setTimeout(() => {
      this.detailRefresh = undefined;
      if (this.selected === key) this.loadDetail(key);
    }, 250);
  }

  private deselect(): void {
    this.selected = undefined;
    this.detailState = undefined;
    this.detail.hide();
    this.changed();
  }

  /** Expands what hides `key`, then brings it into view (and selects it when asked). */
  private revealKey(key: string, select: boolean, always: boolean): void {
    const hiding = collapsedAround(this.model, key, this.collapsed);
    if (hiding.length) {
      for (const h of hiding) this.collapsed.delete(h);
      this.wantedKey = undefined;
    }
    if (select) this.select(key, false);
    const shown = this.geometry?.vg.shownAs.get(key);
    if (!hiding.length && this.geometry && shown && this.geometry.layout.boxes[shown]) this.canvas.reveal(shown, always);
    else this.pendingReveal = { key, always };
    this.changed();
  }

  private setCollapsed(next: Set<string>): void {
    this.collapsed = next;
    this.wantedKey = undefined;
    this.changed();
  }

  private toggleCollapse(key: string): void {
    const item = this.item(key);
    const id = collapseIdOf(this.model, item);
    if (id === undefined) return;
    const next = new Set(this.collapsed);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    this.setCollapsed(next);
  }

  private collapseAll(): void {
    const next = new Set<string>();
    for (const s of this.model.scopes.values()) {
      if (s.parent !== undefined) next.add(s.id);
      for (const l of s.graph.loops) next.add(loopKey(s.id, l.start));
    }
    this.setCollapsed(next);
  }

  // ---- search ---------------------------------------------------------------------------------

  private setSearch(text: string): void {
    this.search = text;
    const q = text.trim().toLowerCase();
    this.matches = [];
    if (q) {
      for (const s of this.model.scopes.values())
        for (const n of s.graph.nodes)
          if (n.name.toLowerCase().includes(q) || n.op.toLowerCase().includes(q) || n.capability?.toLowerCase().includes(q))
            this.matches.push(nodeKey(s.id, n.id));
    }
    this.matchAt = -1;
    this.toolbar.setMatches(q ? `${this.matches.length} match${this.matches.length === 1 ? '' : 'es'}` : '');
    this.schedule();
  }

  private nextMatch(back: boolean): void {
    if (!this.matches.length) return;
    this.matchAt = (this.matchAt + (back ? -1 : 1) + this.matches.length) % this.matches.length;
    this.toolbar.setMatches(`${this.matchAt + 1} of ${this.matches.length}`);
    this.revealKey(this.matches[this.matchAt], true, true);
  }

  // ---- context menu and keys --------------------------------------------------------------------

  private openMenu(key: string | undefined, x: number, y: number): void {
    const items: MenuItem[] = [];
    const item = key ? this.item(key) : undefined;
    if (key && item?.kind === 'node') {
      this.select(key, false);
      const host = this.model.hostKey(key);
      if (host) {
        items.push({
          label: this.model.hasBreakpoint(key) === undefined ? 'Add Breakpoint' : 'Remove Breakpoint',
          run: () => post('toggleBreakpoint', host),
        });
        items.push({ label: 'Run to Here', enabled: this.model.live, run: () => post('runToNode', host) });
        const ready = this.readyAt(key);
        if (ready) items.push({ label: 'Run Next', run: () => post('runNext', ready) });
        items.push({ label: 'Reveal Source', run: () => post('openSource', host) });
      }
    }
    const collapseId = collapseIdOf(this.model, item);
    if (collapseId !== undefined)
      items.push({ label: this.collapsed.has(collapseId) ? 'Expand' : 'Collapse', run: () => this.toggleCollapse(key as string) });
    items.push({ label: 'Fit to View', run: () => this.canvas.fit() });
    this.menu.open(items, x, y, this.canvas.canvas);
  }

  /** The ready execution of `key` the debugger could run next (only while stopped). */
  private readyAt(key: string): FrameNodeKey | undefined {
    if (!this.model.live || !this.model.stopped.at) return undefined;
    return this.model.stopped.ready.find((r) => this.model.keyOfFrameNode(r) === key);
  }

  private listenKeys(): void {
    const c = this.canvas.canvas;
    c.addEventListener('keydown', (e) => {
      const dirs: Record<string, [number, number]> = { ArrowUp: [0, -1], ArrowDown: [0, 1], ArrowLeft: [-1, 0], ArrowRight: [1, 0] };
      if (dirs[e.key]) this.moveSelection(...dirs[e.key]);
      else if (e.key === 'Enter' && this.selected) {
        const host = this.model.hostKey(this.selected);
        if (host) post('openSource', host);
        else this.toggleCollapse(this.selected);
      } else if (e.key === ' ' && this.selected) this.toggleCollapse(this.selected);
      else if ((e.key === 'F10' && e.shiftKey) || e.key === 'ContextMenu') {
        const b = this.selected ? this.canvas.screenBox(this.selected) : undefined;
        const r = c.getBoundingClientRect();
        this.openMenu(this.selected, r.left + (b ? b.x + b.w / 2 : 20), r.top + (b ? b.y + b.h / 2 : 20));
      } else if (e.key === '+' || e.key === '=')
        this.canvas.zoomTo(this.canvas.view.scale * 1.2, this.canvas.width / 2, this.canvas.height / 2);
      else if (e.key === '-') this.canvas.zoomTo(this.canvas.view.scale / 1.2, this.canvas.width / 2, this.canvas.height / 2);
      else if (e.key === 'Escape') this.deselect();
      else return;
      e.preventDefault();
    });
    document.addEventListener('keydown', (e) => {
      const typing = e.composedPath().some((t) => t instanceof HTMLElement && (t.tagName === 'INPUT' || t.tagName === 'VSCODE-TEXTFIELD'));
      if (typing) {
        if (e.key === 'Escape') c.focus();
        return;
      }
      if (e.key === '/') {
        e.preventDefault();
        this.toolbar.searchField.focus();
      } else if ((e.key === 'f' || e.key === 'F') && !e.ctrlKey && !e.metaKey && !e.altKey) {
        e.preventDefault();
        this.canvas.fit();
      }
    });
  }

  /** Moves the selection to the nearest node in a direction (the one most in line with it). */
  private moveSelection(dx: number, dy: number): void {
    const from = this.selected ? this.canvas.boxOf(this.selected) : undefined;
    if (!from) {
      const first = this.canvas.selectable[0];
      if (first) this.select(first, false);
      return;
    }
    const cx = from[0] + from[2] / 2;
    const cy = from[1] + from[3] / 2;
    let best: string | undefined;
    let bestScore = Infinity;
    for (const k of this.canvas.selectable) {
      const b = this.canvas.boxOf(k);
      if (!b || k === this.selected) continue;
      const vx = b[0] + b[2] / 2 - cx;
      const vy = b[1] + b[3] / 2 - cy;
      const along = vx * dx + vy * dy;
      if (along <= 1) continue;
      const across = Math.abs(vx * dy - vy * dx);
      const score = along + 3 * across;
      if (score < bestScore) {
        bestScore = score;
        best = k;
      }
    }
    if (best) {
      this.select(best, false);
      this.canvas.reveal(best);
    }
  }

  // ---- state --------------------------------------------------------------------------------------

  private save(layout?: LayoutResult): void {
    if (!this.model.program) return;
    const host = this.selected ? this.model.hostKey(this.selected) : undefined;
    const state: StoredState = {
      programPath: this.model.programPath,
      hash: this.model.hash,
      view: { ...this.canvas.view },
      ...(host ? { selected: host } : {}),
      collapsed: [...this.collapsed],
      heat: this.heat,
      criticalPath: this.critical,
    };
    const l = layout ?? this.geometry?.layout;
    if (l && this.geometryKey && Object.keys(l.boxes).length <= STORED_LAYOUT_MAX) state.layout = { key: this.geometryKey, result: l };
    this.stored = state;
    saveState(state);
  }

  // ---- the test hook ------------------------------------------------------------------------------

  private exposeHook(): void {
    const page = this;
    const hook: GraphTestHook = {
      version: 1,
      /** The graph is laid out and drawn for the latest shape. */
      get ready(): boolean {
        return page.canvas.hasGeometry && page.geometryKey !== undefined && page.geometryKey === page.wantedKey && !page.frameQueued;
      },
      states(): Record<string, NodeState> {
        return Object.fromEntries([...page.model.runs].map(([k, r]) => [k, r.state]));
      },
      /** Every drawn node: its key, host key, name, op, state and box in client (viewport) CSS px. */
      nodes() {
        const r = page.canvas.canvas.getBoundingClientRect();
        const out: HookNode[] = [];
        for (const item of page.geometry?.vg.items.values() ?? []) {
          const b = page.canvas.screenBox(item.key);
          if (!b) continue;
          const host = item.kind === 'node' ? page.model.hostKey(item.key) : undefined;
          out.push({
            key: item.key,
            kind: item.kind,
            ...(host ?? {}),
            ...(item.kind === 'node' ? { name: item.node.name, op: item.node.op } : {}),
            state: page.model.runs.get(item.key)?.state ?? 'pending',
            box: { x: b.x + r.left, y: b.y + r.top, w: b.w, h: b.h },
          });
        }
        return out;
      },
      /** The program drawn, whether a debug session drives it, where it stopped, and the nodes with a breakpoint (`Agent.flow#id`). */
      get programPath(): string {
        return page.model.programPath;
      },
      get live(): boolean {
        return page.model.live;
      },
      stopped: () => page.model.stopped.at,
      breakpoints: () => [...page.model.breakpoints].map(([key, enabled]) => ({ key, enabled })),
      view: () => ({ ...page.canvas.view }),
      selected: () => page.selected,
      collapsed: () => [...page.collapsed],
      stats: () => ({
        frames: page.canvas.frames,
        lastDrawMs: page.canvas.lastDrawMs,
        lastApplyMs: page.lastApplyMs,
        firstRenderMs: page.firstRenderMs,
        layoutMs: page.layouts.lastMs,
        layoutSource: page.layouts.source,
        seqGaps: page.model.seqStats.gaps,
        staleBatches: page.model.seqStats.stale,
        unplaced: page.model.unplaced,
      }),
      /** Draws now (outside the frame loop) and returns the milliseconds it took: for the bench. */
      drawNow: () => {
        page.frame();
        return page.canvas.lastDrawMs;
      },
    };
    Object.defineProperty(window, '__apxmGraph', { value: Object.freeze(hook), writable: false, configurable: false });
  }
}

/** What collapsing `item` collapses: its flow, its loop (from the loop's start or end node), or the graph it holds. */
function collapseIdOf(model: GraphModel, item: VisibleItem | undefined): string | undefined {
  if (!item) return undefined;
  if (item.kind === 'top') return item.scope;
  if (item.kind === 'loop') return loopKey(item.scope, item.start);
  if (item.sub) return item.sub.scope;
  const loop = model.scopes.get(item.scope)?.graph.loops.find((l) => l.start === item.node.id || l.end === item.node.id);
  return loop ? loopKey(item.scope, loop.start) : undefined;
}

new GraphPage();
