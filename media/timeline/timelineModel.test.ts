import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildTimeline, type OpSpan } from '../../runtime/query/timeline.js';
import {
  AXIS_H,
  BAR_H,
  GUTTER,
  LaneIndex,
  MIN_SPAN_MS,
  ROW_H,
  barCost,
  heatLegend,
  heatLevel,
  heatMax,
  barLabel,
  describeBar,
  fitView,
  formatMs,
  panBy,
  replayCursor,
  seekPlan,
  summarize,
  ticks,
  timeAt,
  xOf,
  zoomAt,
} from './timelineModel.js';

const T0 = 1_700_000_000_000;
const span = (nodeId: number, start: number, durationMs: number, extra: Partial<OpSpan> = {}): OpSpan => ({
  frameId: 1,
  nodeId,
  flow: 'Trip.main',
  name: `n${nodeId}`,
  op: 'Ask',
  startedAt: T0 + start,
  durationMs,
  tokens: nodeId * 10,
  state: 'succeeded',
  ...extra,
});

// three in parallel, then one after the slowest: two lanes' worth plus a third
const tl = buildTimeline({ runId: 'r1', startedAt: T0, finishedAt: T0 + 900, status: 'succeeded', live: false }, [
  span(1, 0, 100),
  span(2, 0, 400),
  span(3, 0, 50),
  span(4, 400, 500, { op: 'Think' }),
  span(5, 120, 0),
]);

describe('the timeline page model', () => {
  it('maps time to x and back across the band right of the gutter; fit shows the whole run', { timeout: 5_000 }, () => {
    const v = fitView(tl);
    assert.ok(v.start < 0 && v.start + v.span > tl.durationMs, JSON.stringify(v));
    for (const t of [0, 123.4, 900]) assert.ok(Math.abs(timeAt(xOf(t, v, 1000), v, 1000) - t) < 1e-9);
    assert.equal(xOf(v.start, v, 1000), GUTTER);
    assert.equal(xOf(v.start + v.span, v, 1000), 1000);
    assert.ok(fitView({ durationMs: 0 }).span > 0, 'a run of no length still gets a window');
  });

  it(
    'zooms around the pointer (that time stays put), not below the minimum span; pans within the run and a margin',
    { timeout: 5_000 },
    () => {
      const v = fitView(tl);
      const anchor = 300;
      const z = zoomAt(v, anchor, 0.25, tl.durationMs);
      assert.ok(Math.abs(z.span - v.span * 0.25) < 1e-9);
      assert.ok(Math.abs(xOf(anchor, z, 800) - xOf(anchor, v, 800)) < 1e-6, 'the anchor did not move');
      let tiny = v;
      for (let i = 0; i < 200; i++) tiny = zoomAt(tiny, anchor, 0.5, tl.durationMs);
      assert.equal(tiny.span, MIN_SPAN_MS);
      const far = panBy(z, 1e9, tl.durationMs);
      assert.ok(far.start + far.span <= tl.durationMs * 1.1 + 1e-9, 'not past the run plus its margin');
      const back = panBy(z, -1e9, tl.durationMs);
      assert.ok(back.start >= -tl.durationMs * 0.1 - 1e-9);
      assert.ok(zoomAt(v, anchor, 100, tl.durationMs).span <= tl.durationMs * 1.2 + 1e-9, 'zoom out stops near the whole run');
    },
  );

  it('ticks step 1, 2 or 5 times a power of ten, at least the label width apart, inside the window', { timeout: 5_000 }, () => {
    for (const [v, width] of [
      [fitView(tl), 1000],
      [{ start: 3.2, span: 0.7 }, 600],
      [{ start: 0, span: 125_000 }, 1400],
    ] as const) {
      const { step, times } = ticks(v, width, 90);
      const mantissa = step / 10 ** Math.floor(Math.log10(step) + 1e-9);
      assert.ok(
        [1, 2, 5].some((m) => Math.abs(mantissa - m) < 1e-6),
        `step ${step}`,
      );
      assert.ok((step / v.span) * (width - GUTTER) >= 90 - 1e-6, 'labels do not overlap');
      assert.ok(times.length > 0 && times.every((t) => t >= v.start && t <= v.start + v.span));
    }
    assert.equal(formatMs(1500), '1.5 s');
    assert.equal(formatMs(2000, 1000), '2 s');
    assert.equal(formatMs(1500, 500), '1.5 s');
    assert.equal(formatMs(250, 50), '250 ms');
    assert.equal(formatMs(0.25, 0.05), '0.25 ms');
    // past a minute, as the other views write a duration
    assert.equal(formatMs(125_000), '2 m 05 s');
    assert.equal(formatMs(120_000, 60_000), '2 m 00 s');
  });

  it(
    'finds the bar under a point on its lane (a zero-length one within a few px), nothing between bars or rows',
    { timeout: 5_000 },
    () => {
      const width = 1000;
      const v = fitView(tl);
      const idx = new LaneIndex(tl.bars, tl.lanes);
      const rowY = (lane: number) => AXIS_H + lane * ROW_H + ROW_H / 2;
      for (const b of tl.bars) {
        const x = xOf(b.start + b.durationMs / 2, v, width);
        assert.equal(idx.hit(x, rowY(b.lane), v, width)?.index, b.index, `bar ${b.name}`);
      }
      const lane0 = tl.bars.filter((b) => b.lane === 0).sort((a, b) => a.start - b.start);
      assert.ok(lane0.length >= 2);
      // lane 0 holds n1 (0–100) then n5 (120, no length) then n4 (400–900): 110 ms is in the gap, 20 ms from nothing clickable
      const gapX = xOf(110, v, width);
      const gapHit = idx.hit(gapX, rowY(0), v, width);
      assert.equal(gapHit, undefined, `${gapHit?.name} at 110 ms`);
      const zero = tl.bars.find((b) => b.nodeId === 5)!;
      assert.equal(idx.hit(xOf(120, v, width) + 2, rowY(zero.lane), v, width)?.nodeId, 5, 'a zero-length bar is hit within the slop');
      const x = xOf(50, v, width);
      assert.equal(idx.hit(x, AXIS_H + (ROW_H - BAR_H) / 2 - 3, v, width), undefined, 'above the bar, in the row padding');
      assert.equal(idx.hit(x, AXIS_H - 2, v, width), undefined, 'the axis');
      assert.equal(idx.hit(GUTTER - 1, rowY(0), v, width), undefined, 'the gutter');
      assert.equal(idx.hit(x, rowY(tl.lanes + 2), v, width), undefined, 'below the last lane');
    },
  );

  it('says of a bar its name, op, flow, duration, tokens and whether it is critical; of the run its figures', { timeout: 5_000 }, () => {
    const b = tl.bars.find((x) => x.nodeId === 4)!;
    const text = describeBar(b).join('\n');
    for (const part of ['n4', 'Think', 'Trip.main', '500 ms', '40 tokens', 'succeeded'])
      assert.ok(text.includes(part), `${part} in ${text}`);
    assert.equal(b.critical, true);
    assert.match(text, /critical path/);
    assert.match(summarize(tl), /^5 ops on 3 lanes · 900 ms · 150 tokens · critical path 2 ops, 900 ms$/, 'no LLM call: no cost');
  });

  it('shows what each op and the run cost, and says when a model had no price instead of a partial sum', { timeout: 5_000 }, () => {
    const priced = buildTimeline({ runId: 'r2', startedAt: T0, finishedAt: T0 + 900, status: 'succeeded', live: false }, [
      span(1, 0, 100, { cost: 0.0042 }),
      span(2, 100, 400, { cost: 1.5 }),
      span(3, 500, 50),
    ]);
    const [b1, b2, b3] = priced.bars;
    assert.match(describeBar(b1).join('\n'), /10 tokens · \$0\.0042/);
    assert.match(barLabel(b2), /^n2 400 ms · 20 tok · \$1\.50$/);
    assert.equal(barCost(b3), '', 'an op without LLM calls has no cost to show');
    assert.doesNotMatch(describeBar(b3).join('\n'), /\$|cost/);
    assert.match(summarize(priced), / · 60 tokens · \$1\.50 · critical path/);

    const unpriced = buildTimeline({ runId: 'r3', startedAt: T0, status: 'succeeded', live: false }, [
      span(1, 0, 100, { cost: 0.0042 }),
      span(2, 100, 400, { unpriced: true }),
    ]);
    assert.equal(unpriced.cost, undefined);
    assert.match(summarize(unpriced), / · 30 tokens · cost unknown \(1 op without a price\) · /);
    assert.match(describeBar(unpriced.bars[1]).join('\n'), /cost unknown \(a model without a price: add it to apxm\.llm\.prices\)/);
    assert.equal(barCost(unpriced.bars[1]), 'cost unknown');
  });

  it('colours bars by tokens or cost on one scale; bars without a figure are apart, not zero', { timeout: 5_000 }, () => {
    const t = buildTimeline({ runId: 'h', startedAt: T0, status: 'succeeded', live: false }, [
      span(1, 0, 10, { tokens: 100, cost: 0.01 }),
      span(2, 0, 10, { tokens: 400, cost: 0.04 }),
      span(3, 0, 10, { tokens: 0 }),
      span(4, 0, 10, { tokens: 50, unpriced: true }),
    ]);
    const at = (id: number) => t.bars.find((b) => b.nodeId === id)!;
    assert.equal(heatMax(t.bars, 'tokens'), 400);
    assert.equal(heatMax(t.bars, 'cost'), 0.04);
    assert.equal(heatLevel(at(2), 'cost', 0.04), 1);
    assert.ok(Math.abs(heatLevel(at(1), 'cost', 0.04)! - (0.15 + 0.85 / 4)) < 1e-12);
    assert.equal(heatLevel(at(3), 'tokens', 400), undefined, 'no LLM call: no figure');
    assert.equal(heatLevel(at(3), 'cost', 0.04), undefined);
    assert.equal(heatLevel(at(4), 'cost', 0.04), undefined, 'a model without a price is not "free"');
    assert.ok(heatLevel(at(4), 'tokens', 400)! > 0.15);
    assert.equal(heatLevel(at(1), 'cost', 0), 0.15, 'every op costing $0 still shows as the least');
    assert.equal(
      heatLegend(t, 'cost'),
      'cost: the stronger the colour, the more (up to $0.0400) · ops without a cost faint (1 of a model without a price)',
    );
    assert.equal(heatLegend(t, 'tokens'), 'tokens: the stronger the colour, the more (up to 400 tokens) · ops without LLM calls faint');
  });

  it(
    'a click at a point in time of a replay: back re-executes that many ops, forward runs to the next op, past the last continues',
    { timeout: 5_000 },
    () => {
      // starts: 0, 0, 0, 120, 400 (bars in start order)
      assert.deepEqual(
        tl.bars.map((b) => b.start),
        [0, 0, 0, 120, 400],
      );
      assert.deepEqual(seekPlan(tl, 4, 50), { kind: 'rewind', ops: 3 });
      assert.deepEqual(seekPlan(tl, 4, 0), { kind: 'rewind', ops: 0 });
      assert.deepEqual(seekPlan(tl, 3, 100), { kind: 'here' });
      assert.deepEqual(seekPlan(tl, 1, 300), { kind: 'runToNode', flow: 'Trip.main', nodeId: 4, execution: 0, ops: 4 });
      assert.deepEqual(seekPlan(tl, 1, 850), { kind: 'continue' });
      const old = { bars: tl.bars.map(({ flow: _, ...b }) => b) };
      assert.equal(seekPlan(old, 0, 300).kind, 'unknown', 'a recording without flows cannot be run to');
      assert.equal(replayCursor(tl, 3), 120);
      // a loop: node 7 starts at 0, 100 and 200; forward to 150 is its third start, not its next
      const loop = buildTimeline({ runId: 'l', startedAt: T0, status: 'succeeded', live: false }, [
        span(7, 0, 50),
        span(8, 50, 50),
        span(7, 100, 50),
        span(8, 150, 50),
        span(7, 200, 50),
      ]);
      assert.deepEqual(seekPlan(loop, 1, 180), { kind: 'runToNode', flow: 'Trip.main', nodeId: 7, execution: 2, ops: 4 });
      assert.deepEqual(seekPlan(loop, 1, 120), { kind: 'runToNode', flow: 'Trip.main', nodeId: 8, execution: 1, ops: 3 });
      assert.equal(replayCursor(tl, 5), 900);
    },
  );
});
