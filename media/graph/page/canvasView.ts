/**
 * Draws the laid-out graph on a 2D canvas (sharp at any devicePixelRatio): only what is in view,
 * labels only when zoomed in enough to read them, one path per colour when zoomed out (thousands of
 * nodes). Pans by dragging, zooms with the wheel around the cursor, and keeps a minimap in a corner.
 * It holds no run state: every frame draws from the model and the page's choices (`Scene`).
 */
import { durationText } from '../../../runtime/query/durationText.js';
import type { GraphModel, NodeRun, NodeState } from '../graphModel.js';
import { edgeId, type Box, type LayoutResult } from '../layout.js';
import { regionOutlines, type RegionOutline, type VisibleEdge, type VisibleGraph, type VisibleItem } from '../visibleGraph.js';
import type { Palette } from './theme.js';

export interface View {
  /** Screen position (CSS px) of the world origin, and CSS px per world unit. */
  x: number;
  y: number;
  scale: number;
}

export interface Geometry {
  vg: VisibleGraph;
  layout: LayoutResult;
}

/** What the page wants drawn besides the geometry. */
export interface Scene {
  model: GraphModel;
  palette: Palette;
  selected?: string;
  stopped?: string;
  ready: ReadonlySet<string>;
  matches: ReadonlySet<string>;
  heat: 'none' | 'latency' | 'tokens' | 'cost';
  criticalPath: boolean;
}

export interface CanvasCallbacks {
  click(key: string | undefined, e: MouseEvent): void;
  doubleClick(key: string): void;
  contextMenu(key: string | undefined, clientX: number, clientY: number): void;
  /** Pan or zoom moved: redraw and remember the view. */
  viewChanged(): void;
  /** The node to keep in view when the canvas changes size (the detail pane opening narrows it). */
  keepInView?(): string | undefined;
}

const MIN_SCALE = 0.02;
const MAX_SCALE = 3;
/** Below this zoom nodes are plain rectangles; above it they get labels and figures. */
const LABEL_SCALE = 0.45;
/** The minimap's largest size, and the share of the canvas it may take (a narrow panel keeps most of its room for the graph). */
const MINIMAP_W = 200;
const MINIMAP_H = 140;
const MINIMAP_SHARE = 0.28;
/** Below this canvas size there is no minimap at all: it would cover what it maps. */
const MINIMAP_MIN_CANVAS = 240;

interface EdgeDraw {
  from: Box;
  to: Box;
  aside: boolean;
  fromKey: string;
  toKey: string;
}

export class CanvasView {
  readonly canvas: HTMLCanvasElement;
  readonly minimap: HTMLCanvasElement;
  private miniW = MINIMAP_W;
  private miniH = MINIMAP_H;
  view: View = { x: 0, y: 0, scale: 1 };
  /** The view was fitted and the user has not moved it since: a new shape is fitted again. */
  autoFit = false;
  width = 0;
  height = 0;
  /** Milliseconds the last frame took to draw (the test hook and the bench read it). */
  lastDrawMs = 0;
  frames = 0;
  private readonly ctx: CanvasRenderingContext2D;
  private readonly mini: CanvasRenderingContext2D;
  private dpr = 1;
  private geometry?: Geometry;
  private leaves: string[] = [];
  private containers: string[] = [];
  /** Loop and try/catch outlines of the current geometry, made when first drawn. */
  private outlines?: RegionOutline[];
  private edges: EdgeDraw[] = [];
  private labels = new Map<string, { title: string; sub: string }>();
  private miniScale = 1;
  private miniDirty = true;

  constructor(
    host: HTMLElement,
    private readonly callbacks: CanvasCallbacks,
  ) {
    this.canvas = document.createElement('canvas');
    this.canvas.className = 'graph-canvas';
    this.canvas.tabIndex = 0;
    this.canvas.setAttribute('role', 'application');
    this.canvas.setAttribute('aria-label', 'Program graph: arrows move the selection, Enter opens the source, F fits, / searches');
    this.minimap = document.createElement('canvas');
    this.minimap.className = 'graph-minimap';
    this.minimap.setAttribute('aria-hidden', 'true');
    host.append(this.canvas, this.minimap);
    this.ctx = this.canvas.getContext('2d', { alpha: false }) as CanvasRenderingContext2D;
    this.mini = this.minimap.getContext('2d') as CanvasRenderingContext2D;
    this.listen();
    new ResizeObserver(() => this.resize()).observe(this.canvas);
    this.resize();
  }

  get hasGeometry(): boolean {
    return this.geometry !== undefined;
  }

  setGeometry(g: Geometry): void {
    this.geometry = g;
    const { boxes, aside } = g.layout;
    const asideSet = new Set(aside);
    this.leaves = [];
    this.containers = [];
    for (const item of g.vg.items.values()) {
      if (!boxes[item.key]) continue;
      const holds = item.kind === 'top' ? !item.collapsed : item.kind === 'node' && item.sub !== undefined && !item.sub.collapsed;
      (holds ? this.containers : this.leaves).push(item.key);
    }
    // outer boxes first, so inner ones are drawn over them
    const area = (k: string) => boxes[k][2] * boxes[k][3];
    this.containers.sort((a, b) => area(b) - area(a));
    this.edges = g.vg.edges
      .filter((e: VisibleEdge) => boxes[e.from] && boxes[e.to])
      .map((e) => ({ from: boxes[e.from], to: boxes[e.to], aside: asideSet.has(edgeId(e.from, e.to)), fromKey: e.from, toKey: e.to }));
    this.labels.clear();
    this.outlines = undefined;
    this.miniDirty = true;
  }

  boxOf(key: string): Box | undefined {
    return this.geometry?.layout.boxes[key];
  }

  /** The drawn box of `key` on screen, in CSS px relative to the canvas. */
  screenBox(key: string): { x: number; y: number; w: number; h: number } | undefined {
    const b = this.boxOf(key);
    if (!b) return undefined;
    const { x, y, scale } = this.view;
    return { x: b[0] * scale + x, y: b[1] * scale + y, w: b[2] * scale, h: b[3] * scale };
  }

  fit(): void {
    const l = this.geometry?.layout;
    if (!l || this.width === 0) return;
    const margin = 24;
    const scale = clamp(
      Math.min((this.width - 2 * margin) / Math.max(l.width, 1), (this.height - 2 * margin) / Math.max(l.height, 1)),
      MIN_SCALE,
      1,
    );
    this.view = { scale, x: (this.width - l.width * scale) / 2, y: Math.max(margin, (this.height - l.height * scale) / 2) };
    this.autoFit = true;
    this.callbacks.viewChanged();
  }

  /**
   * Pans (never zooms out of a readable zoom) so `key` is in view, `margin` pixels from the edges;
   * `always` centres it even when visible.
   */
  reveal(key: string, always = false, margin = 40): void {
    const s = this.screenBox(key);
    if (!s) return;
    const inView = s.x >= margin && s.y >= margin && s.x + s.w <= this.width - margin && s.y + s.h <= this.height - margin;
    if (inView && !always) return;
    if (this.view.scale < LABEL_SCALE) this.zoomTo(0.8, s.x + s.w / 2, s.y + s.h / 2);
    this.autoFit = false;
    const t = this.screenBox(key) as { x: number; y: number; w: number; h: number };
    this.view.x += this.width / 2 - (t.x + t.w / 2);
    this.view.y += this.height / 2 - (t.y + t.h / 2);
    this.callbacks.viewChanged();
  }

  panBy(dx: number, dy: number): void {
    this.view.x += dx;
    this.view.y += dy;
    this.callbacks.viewChanged();
  }

  /** Zooms to `scale` keeping the screen point (cx, cy) on the same world point. */
  zoomTo(scale: number, cx: number, cy: number): void {
    const s = clamp(scale, MIN_SCALE, MAX_SCALE);
    const k = s / this.view.scale;
    this.view = { scale: s, x: cx - (cx - this.view.x) * k, y: cy - (cy - this.view.y) * k };
    this.callbacks.viewChanged();
  }

  /** The drawn key at a point in client coordinates: a node before the graph that holds it. */
  keyAt(clientX: number, clientY: number): string | undefined {
    if (!this.geometry) return undefined;
    const r = this.canvas.getBoundingClientRect();
    const wx = (clientX - r.left - this.view.x) / this.view.scale;
    const wy = (clientY - r.top - this.view.y) / this.view.scale;
    const boxes = this.geometry.layout.boxes;
    const hit = (k: string) => {
      const b = boxes[k];
      return wx >= b[0] && wx <= b[0] + b[2] && wy >= b[1] && wy <= b[1] + b[3];
    };
    for (const k of this.leaves) if (hit(k)) return k;
    for (let i = this.containers.length - 1; i >= 0; i--) if (hit(this.containers[i])) return this.containers[i];
    return undefined;
  }

  /** Nodes that can be selected, for keyboard moves. */
  get selectable(): readonly string[] {
    return this.leaves.concat(this.containers.filter((k) => !k.startsWith('top:')));
  }

  markMinimapDirty(): void {
    this.miniDirty = true;
  }

  draw(scene: Scene): void {
    const started = performance.now();
    const { ctx, dpr } = this;
    const p = scene.palette;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.fillStyle = p.background;
    ctx.fillRect(0, 0, this.width, this.height);
    if (this.geometry) {
      const { x, y, scale } = this.view;
      ctx.setTransform(dpr * scale, 0, 0, dpr * scale, dpr * x, dpr * y);
      const view: Box = [-x / scale, -y / scale, this.width / scale, this.height / scale];
      this.drawContainers(scene, view);
      this.drawEdges(scene, view);
      this.drawNodes(scene, view);
      this.drawMinimap(scene);
    }
    this.frames++;
    this.lastDrawMs = performance.now() - started;
  }

  private drawContainers(scene: Scene, view: Box): void {
    const { ctx } = this;
    const p = scene.palette;
    const boxes = (this.geometry as Geometry).layout.boxes;
    const items = (this.geometry as Geometry).vg.items;
    const scale = this.view.scale;
    for (const key of this.containers) {
      const b = boxes[key];
      if (!intersects(b, view)) continue;
      const item = items.get(key) as VisibleItem;
      ctx.fillStyle = p.container;
      ctx.strokeStyle = key === scene.selected ? p.selection : item.kind === 'node' ? this.stateColour(scene, key) : p.containerBorder;
      ctx.lineWidth = (key === scene.selected ? 2 : 1) / scale;
      roundRect(ctx, b, 8);
      ctx.fill();
      ctx.stroke();
      if (scale * 14 >= 7) {
        ctx.fillStyle = p.text;
        ctx.font = `600 14px ${fontFamily()}`;
        ctx.textBaseline = 'middle';
        const title = item.kind === 'top' ? this.topTitle(scene, item.scope) : item.kind === 'node' ? this.callTitle(scene, item) : '';
        ctx.fillText(fitText(title, b[2] - 20, 14), b[0] + 10, b[1] + 15);
        if (item.kind === 'node' && scene.model.hasBreakpoint(key) !== undefined) this.breakpointDot(scene, key, b);
      }
    }
    this.outlines ??= regionOutlines(scene.model, (this.geometry as Geometry).vg, boxes);
    ctx.setLineDash([6 / scale, 4 / scale]);
    ctx.lineWidth = 1 / scale;
    ctx.font = `11px ${fontFamily()}`;
    ctx.textBaseline = 'middle';
    for (const o of this.outlines) {
      if (!intersects(o.box, view)) continue;
      ctx.strokeStyle = o.kind === 'loop' ? p.family.control : o.kind === 'try' ? p.muted : p.state.failed;
      roundRect(ctx, o.box, 8);
      ctx.stroke();
      if (scale * 11 >= 6) {
        ctx.fillStyle = ctx.strokeStyle;
        ctx.fillText(o.kind, o.box[0] + 8, o.box[1] + 9);
      }
    }
    ctx.setLineDash([]);
  }

  private callTitle(scene: Scene, item: VisibleItem & { kind: 'node' }): string {
    const sub = item.sub ? scene.model.scopes.get(item.sub.scope) : undefined;
    return `${item.node.name}  →  ${sub?.kind === 'plan' ? 'plan' : (sub?.graph.name ?? item.node.op)}`;
  }

  private topTitle(scene: Scene, scope: string): string {
    const s = scene.model.scopes.get(scope);
    if (!s) return scope;
    return `${s.graph.name}${s.graph.isEntry ? '  (entry)' : ''}${s.id.includes('@') ? '  (plan)' : ''}`;
  }

  private drawEdges(scene: Scene, view: Box): void {
    const { ctx } = this;
    const p = scene.palette;
    const scale = this.view.scale;
    const detailed = scale >= LABEL_SCALE;
    const critical = scene.criticalPath ? this.criticalEdges(scene) : undefined;
    const path = new Path2D();
    const faint = new Path2D();
    const hot = new Path2D();
    const linked = new Path2D();
    for (const e of this.edges) {
      const x1 = e.from[0] + e.from[2] / 2;
      const y1 = e.from[1] + e.from[3];
      const x2 = e.to[0] + e.to[2] / 2;
      const y2 = e.to[1];
      if (Math.max(x1, x2) < view[0] || Math.min(x1, x2) > view[0] + view[2] || y2 < view[1] || y1 > view[1] + view[3]) continue;
      const touchesSelection = scene.selected !== undefined && (e.fromKey === scene.selected || e.toKey === scene.selected);
      // aside edges (effects, long spans) are faint, and hidden when zoomed out unless they touch the selection
      const target = touchesSelection ? linked : critical?.has(`${e.fromKey}>${e.toKey}`) ? hot : e.aside ? faint : path;
      if (target === faint && !detailed) continue;
      target.moveTo(x1, y1);
      if (detailed) {
        const dy = Math.max(20, (y2 - y1) / 2);
        target.bezierCurveTo(x1, y1 + dy, x2, y2 - dy, x2, y2);
      } else target.lineTo(x2, y2);
    }
    ctx.lineWidth = Math.max(1, 1.2 / scale);
    ctx.strokeStyle = p.edge;
    ctx.globalAlpha = 0.9;
    ctx.stroke(path);
    ctx.globalAlpha = 0.3;
    ctx.setLineDash([4 / scale, 4 / scale]);
    ctx.stroke(faint);
    ctx.setLineDash([]);
    ctx.globalAlpha = 1;
    ctx.lineWidth = Math.max(2, 3 / scale);
    ctx.strokeStyle = p.critical;
    ctx.stroke(hot);
    ctx.lineWidth = Math.max(1.5, 2 / scale);
    ctx.strokeStyle = p.selection;
    ctx.stroke(linked);
  }

  private criticalEdges(scene: Scene): Set<string> {
    const set = new Set<string>();
    const shownAs = (this.geometry as Geometry).vg.shownAs;
    for (const s of scene.model.scopes.values()) {
      const ids = s.graph.criticalPath;
      for (let i = 1; i < ids.length; i++) {
        const a = shownAs.get(`${s.id}#${ids[i - 1]}`);
        const b = shownAs.get(`${s.id}#${ids[i]}`);
        if (a && b && a !== b) set.add(`${a}>${b}`);
      }
    }
    return set;
  }

  private criticalNodes(scene: Scene): Set<string> {
    const set = new Set<string>();
    const shownAs = (this.geometry as Geometry).vg.shownAs;
    for (const s of scene.model.scopes.values())
      for (const id of s.graph.criticalPath) {
        const k = shownAs.get(`${s.id}#${id}`);
        if (k) set.add(k);
      }
    return set;
  }

  /** The state a drawn key shows: its node's, or for a collapsed loop the most telling of its members'. */
  stateOf(scene: Scene, key: string): NodeState {
    const item = (this.geometry as Geometry).vg.items.get(key);
    if (item?.kind === 'loop') {
      const states = new Set(item.members.map((k) => scene.model.runs.get(k)?.state ?? 'pending'));
      for (const s of ['failed', 'running', 'ready', 'cancelled'] as const) if (states.has(s)) return s;
      if (states.has('pending')) return states.size > 1 ? 'running' : 'pending';
      return states.has('succeeded') ? 'succeeded' : states.has('replayed') ? 'replayed' : 'skipped';
    }
    return scene.model.runs.get(key)?.state ?? 'pending';
  }

  private stateColour(scene: Scene, key: string): string {
    return scene.palette.state[this.stateOf(scene, key)];
  }

  private heatRange(scene: Scene): number {
    let max = 0;
    for (const r of scene.model.runs.values()) max = Math.max(max, heatFigure(scene.heat, r) ?? 0);
    return max;
  }

  private drawNodes(scene: Scene, view: Box): void {
    const { ctx } = this;
    const p = scene.palette;
    const g = this.geometry as Geometry;
    const boxes = g.layout.boxes;
    const scale = this.view.scale;
    const heatMax = scene.heat === 'none' ? 0 : this.heatRange(scene);
    const critical = scene.criticalPath ? this.criticalNodes(scene) : undefined;
    if (scale < LABEL_SCALE) {
      // zoomed out: one path per colour, no text
      const byColour = new Map<string, Path2D>();
      for (const key of this.leaves) {
        const b = boxes[key];
        if (!intersects(b, view)) continue;
        const colour = this.stateColour(scene, key);
        let path = byColour.get(colour);
        if (!path) byColour.set(colour, (path = new Path2D()));
        path.rect(b[0], b[1], b[2], b[3]);
      }
      for (const [colour, path] of byColour) {
        ctx.fillStyle = colour;
        ctx.fill(path);
      }
      if (heatMax > 0) {
        ctx.fillStyle = p.heat;
        for (const key of this.leaves) {
          const v = this.heatValue(scene, key) / heatMax;
          const b = boxes[key];
          if (v <= 0 || !intersects(b, view)) continue;
          ctx.globalAlpha = 0.2 + 0.7 * v;
          ctx.fillRect(b[0], b[1], b[2], b[3]);
        }
        ctx.globalAlpha = 1;
      }
      ctx.lineWidth = 3 / scale;
      for (const [key, colour] of this.highlights(scene, critical)) {
        const b = boxes[key];
        if (!b || !intersects(b, view)) continue;
        ctx.strokeStyle = colour;
        ctx.strokeRect(b[0], b[1], b[2], b[3]);
      }
      return;
    }
    ctx.textBaseline = 'middle';
    for (const key of this.leaves) {
      const b = boxes[key];
      if (!intersects(b, view)) continue;
      const state = this.stateOf(scene, key);
      const colour = p.state[state];
      ctx.fillStyle = key === scene.stopped ? p.stoppedFill : p.nodeFill;
      roundRect(ctx, b, 6);
      ctx.fill();
      ctx.globalAlpha = state === 'pending' ? 0 : 0.16;
      ctx.fillStyle = colour;
      ctx.fill();
      if (heatMax > 0) {
        const v = this.heatValue(scene, key) / heatMax;
        if (v > 0) {
          ctx.globalAlpha = 0.15 + 0.65 * v;
          ctx.fillStyle = p.heat;
          ctx.fill();
        }
      }
      ctx.globalAlpha = 1;
      const outline = key === scene.selected ? p.selection : key === scene.stopped ? p.stopped : critical?.has(key) ? p.critical : colour;
      // high-contrast themes draw every border at least 2px, as VS Code's own widgets do
      const width = key === scene.selected || key === scene.stopped ? 3 : state === 'running' ? 2.5 : p.highContrast ? 2 : 1.5;
      ctx.lineWidth = width / Math.min(scale, 1);
      ctx.strokeStyle = outline;
      if (scene.ready.has(key)) ctx.setLineDash([5, 3]);
      ctx.stroke();
      ctx.setLineDash([]);
      if (scene.matches.has(key)) {
        ctx.strokeStyle = p.selection;
        ctx.lineWidth = 1;
        roundRect(ctx, [b[0] - 4, b[1] - 4, b[2] + 8, b[3] + 8], 8);
        ctx.stroke();
      }
      this.drawLabel(scene, key, b, state);
      if (scene.model.hasBreakpoint(key) !== undefined) this.breakpointDot(scene, key, b);
    }
  }

  private highlights(scene: Scene, critical?: Set<string>): [string, string][] {
    const out: [string, string][] = [];
    if (critical) for (const k of critical) out.push([k, scene.palette.critical]);
    for (const k of scene.matches) out.push([k, scene.palette.selection]);
    for (const k of scene.model.breakpoints.size ? this.leaves.filter((l) => scene.model.hasBreakpoint(l) !== undefined) : [])
      out.push([k, scene.palette.breakpoint]);
    if (scene.stopped) out.push([scene.stopped, scene.palette.stopped]);
    if (scene.selected) out.push([scene.selected, scene.palette.selection]);
    return out;
  }

  private heatValue(scene: Scene, key: string): number {
    const r = scene.model.runs.get(key);
    return (r && heatFigure(scene.heat, r)) ?? 0;
  }

  private breakpointDot(scene: Scene, key: string, b: Box): void {
    const { ctx } = this;
    ctx.beginPath();
    ctx.arc(b[0], b[1], 6, 0, Math.PI * 2);
    ctx.fillStyle = scene.palette.breakpoint;
    ctx.globalAlpha = scene.model.hasBreakpoint(key) ? 1 : 0.45;
    ctx.fill();
    ctx.globalAlpha = 1;
  }

  private drawLabel(scene: Scene, key: string, b: Box, state: NodeState): void {
    const { ctx } = this;
    const p = scene.palette;
    const g = this.geometry as Geometry;
    let label = this.labels.get(key);
    if (!label) {
      label = this.labelOf(g.vg.items.get(key), b[2] - 18);
      this.labels.set(key, label);
    }
    const item = g.vg.items.get(key);
    ctx.fillStyle = item?.kind === 'node' ? (p.family[item.node.family] ?? p.muted) : p.family.control;
    ctx.fillRect(b[0] + 1, b[1] + 6, 3, b[3] - 12);
    ctx.fillStyle = p.text;
    ctx.font = `600 12px ${fontFamily()}`;
    ctx.fillText(label.title, b[0] + 10, b[1] + 13);
    ctx.fillStyle = p.muted;
    ctx.font = `11px ${fontFamily()}`;
    ctx.fillText(label.sub, b[0] + 10, b[1] + 27);
    const r = scene.model.runs.get(key);
    const figures: string[] = [];
    if (r?.durationMs !== undefined) figures.push(durationText(r.durationMs));
    if (r?.tokens) figures.push(`${r.tokens} tok`);
    if (figures.length || state !== 'pending') {
      // once it has run, its figures (the colour already says how it ended); before, its state.
      // The state's colour is a dot: pale state colours as text were unreadable on their own tint.
      ctx.fillStyle = p.state[state];
      ctx.beginPath();
      ctx.arc(b[0] + 13, b[1] + 40, 3.5, 0, Math.PI * 2);
      ctx.fill();
      ctx.fillStyle = p.text;
      const text = figures.length && state !== 'running' && state !== 'failed' ? figures.join(' · ') : [state, ...figures].join(' · ');
      ctx.fillText(fitText(text, b[2] - 27, 11), b[0] + 21, b[1] + 40);
    }
  }

  private labelOf(item: VisibleItem | undefined, width: number): { title: string; sub: string } {
    if (!item) return { title: '', sub: '' };
    if (item.kind === 'loop') return { title: fitText(`loop (${item.members.length} ops)`, width, 12), sub: 'collapsed ▸' };
    if (item.kind === 'top') return { title: fitText(item.scope, width, 12), sub: 'flow, collapsed ▸' };
    const sub = item.sub
      ? `${item.node.op} · ${item.sub.collapsed ? 'collapsed ▸' : ''}`
      : `${item.node.op}${item.node.generated ? ' · generated' : ''}`;
    return { title: fitText(item.node.name, width, 12), sub: fitText(sub, width, 11) };
  }

  private drawMinimap(scene: Scene): void {
    const g = this.geometry as Geometry;
    const { mini } = this;
    const dpr = this.dpr;
    const l = g.layout;
    if (this.miniDirty) {
      this.miniDirty = false;
      this.miniScale = Math.min((this.miniW - 8) / Math.max(l.width, 1), (this.miniH - 8) / Math.max(l.height, 1));
    }
    const s = this.miniScale;
    const { x, y, scale } = this.view;
    // nothing to find when the whole graph is in view: the minimap would only hide part of it
    const allInView = x >= 0 && y >= 0 && x + l.width * scale <= this.width && y + l.height * scale <= this.height;
    const tooSmall = Math.min(this.width, this.height) < MINIMAP_MIN_CANVAS;
    this.minimap.hidden = allInView || tooSmall;
    if (this.minimap.hidden) return;
    mini.setTransform(dpr, 0, 0, dpr, 0, 0);
    mini.clearRect(0, 0, this.miniW, this.miniH);
    mini.fillStyle = scene.palette.minimap;
    mini.globalAlpha = 0.92;
    mini.fillRect(0, 0, this.miniW, this.miniH);
    mini.globalAlpha = 1;
    mini.setTransform(dpr * s, 0, 0, dpr * s, dpr * 4, dpr * 4);
    const byColour = new Map<string, Path2D>();
    for (const key of this.leaves) {
      const b = l.boxes[key];
      const colour = this.stateColour(scene, key);
      let path = byColour.get(colour);
      if (!path) byColour.set(colour, (path = new Path2D()));
      path.rect(b[0], b[1], Math.max(b[2], 1 / s), Math.max(b[3], 1 / s));
    }
    for (const [colour, path] of byColour) {
      mini.fillStyle = colour;
      mini.fill(path);
    }
    mini.strokeStyle = scene.palette.selection;
    mini.lineWidth = 1.5 / s;
    mini.fillStyle = scene.palette.viewport;
    mini.globalAlpha = 0.35;
    mini.fillRect(-x / scale, -y / scale, this.width / scale, this.height / scale);
    mini.globalAlpha = 1;
    mini.strokeRect(-x / scale, -y / scale, this.width / scale, this.height / scale);
  }

  private resize(): void {
    const r = this.canvas.getBoundingClientRect();
    const resized = this.width > 0 && (r.width !== this.width || r.height !== this.height);
    this.dpr = window.devicePixelRatio || 1;
    this.width = r.width;
    this.height = r.height;
    this.canvas.width = Math.max(1, Math.round(r.width * this.dpr));
    this.canvas.height = Math.max(1, Math.round(r.height * this.dpr));
    this.miniW = Math.round(Math.min(MINIMAP_W, r.width * MINIMAP_SHARE));
    this.miniH = Math.round(Math.min(MINIMAP_H, r.height * MINIMAP_SHARE));
    this.miniDirty = true;
    this.minimap.width = Math.max(1, this.miniW * this.dpr);
    this.minimap.height = Math.max(1, this.miniH * this.dpr);
    this.minimap.style.width = `${this.miniW}px`;
    this.minimap.style.height = `${this.miniH}px`;
    this.callbacks.viewChanged();
    if (!resized) return;
    // a fitted graph stays fitted; otherwise what the user is looking at stays in view
    const keep = this.callbacks.keepInView?.();
    if (this.autoFit) this.fit();
    else if (keep) this.reveal(keep, false, 0);
  }

  private listen(): void {
    const c = this.canvas;
    let drag: { x: number; y: number; moved: boolean; id: number } | undefined;
    c.addEventListener('pointerdown', (e) => {
      if (e.button !== 0) return;
      drag = { x: e.clientX, y: e.clientY, moved: false, id: e.pointerId };
      c.setPointerCapture(e.pointerId);
    });
    c.addEventListener('pointermove', (e) => {
      if (!drag || e.pointerId !== drag.id) return;
      const dx = e.clientX - drag.x;
      const dy = e.clientY - drag.y;
      if (!drag.moved && Math.abs(dx) + Math.abs(dy) < 4) return;
      drag.moved = true;
      drag.x = e.clientX;
      drag.y = e.clientY;
      c.classList.add('panning');
      this.autoFit = false;
      this.panBy(dx, dy);
    });
    c.addEventListener('pointerup', (e) => {
      if (!drag || e.pointerId !== drag.id) return;
      const wasClick = !drag.moved;
      drag = undefined;
      c.classList.remove('panning');
      if (wasClick) this.callbacks.click(this.keyAt(e.clientX, e.clientY), e);
    });
    c.addEventListener('dblclick', (e) => {
      const key = this.keyAt(e.clientX, e.clientY);
      if (key) this.callbacks.doubleClick(key);
    });
    c.addEventListener(
      'wheel',
      (e) => {
        e.preventDefault();
        const r = c.getBoundingClientRect();
        const factor = Math.exp(-e.deltaY * (e.deltaMode === 1 ? 0.05 : 0.0015));
        this.autoFit = false;
        this.zoomTo(this.view.scale * factor, e.clientX - r.left, e.clientY - r.top);
      },
      { passive: false },
    );
    c.addEventListener('contextmenu', (e) => {
      e.preventDefault();
      this.callbacks.contextMenu(this.keyAt(e.clientX, e.clientY), e.clientX, e.clientY);
    });
    // the minimap: click or drag to move the view there
    let miniDrag = false;
    const miniPan = (e: PointerEvent) => {
      const l = this.geometry?.layout;
      if (!l) return;
      const r = this.minimap.getBoundingClientRect();
      const wx = (e.clientX - r.left - 4) / this.miniScale;
      const wy = (e.clientY - r.top - 4) / this.miniScale;
      this.autoFit = false;
      this.view.x = this.width / 2 - wx * this.view.scale;
      this.view.y = this.height / 2 - wy * this.view.scale;
      this.callbacks.viewChanged();
    };
    this.minimap.addEventListener('pointerdown', (e) => {
      miniDrag = true;
      this.minimap.setPointerCapture(e.pointerId);
      miniPan(e);
    });
    this.minimap.addEventListener('pointermove', (e) => miniDrag && miniPan(e));
    this.minimap.addEventListener('pointerup', () => (miniDrag = false));
  }
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}

function intersects(b: Box, v: Box): boolean {
  return b[0] < v[0] + v[2] && b[0] + b[2] > v[0] && b[1] < v[1] + v[3] && b[1] + b[3] > v[1];
}

function roundRect(ctx: CanvasRenderingContext2D, b: Box, r: number): void {
  ctx.beginPath();
  ctx.roundRect(b[0], b[1], b[2], b[3], r);
}

let family: string | undefined;
function fontFamily(): string {
  family ??= getComputedStyle(document.body).getPropertyValue('--vscode-font-family').trim() || 'system-ui, sans-serif';
  return family;
}

/** Cuts `text` to about `width` world units at `size` px (an average glyph is ~0.58 em): cheaper than measuring every label. */
function fitText(text: string, width: number, size: number): string {
  const max = Math.max(3, Math.floor(width / (size * 0.58)));
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** The figure a heat map colours a node by. */
function heatFigure(heat: Scene['heat'], r: NodeRun): number | undefined {
  return heat === 'latency' ? r.durationMs : heat === 'tokens' ? r.tokens : heat === 'cost' ? r.cost : undefined;
}
