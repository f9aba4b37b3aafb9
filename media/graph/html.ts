/**
 * The graph page's HTML. This is the minimal page the extension host side was built against: every
 * node of every flow as a row with its state and breakpoint, a context menu (Toggle Breakpoint, Run
 * to Here, Run Next, Go to Source), and the read-only test hook `window.__apxmGraph`. Its script
 * is inline under the CSP's nonce, so it needs no bundle.
 */
export function graphPageHtml(o: { nonce: string; cspSource: string; scriptUri: string; styleUri: string }): string {
  const csp = [
    "default-src 'none'",
    `style-src ${o.cspSource} 'nonce-${o.nonce}'`,
    `script-src 'nonce-${o.nonce}'`,
    `img-src ${o.cspSource} data:`,
    `font-src ${o.cspSource}`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<style nonce="${o.nonce}">
  body { font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); color: var(--vscode-foreground); padding: 8px 12px; }
  h2 { font-size: 1em; margin: 12px 0 4px; opacity: 0.8; }
  .node { display: flex; gap: 8px; padding: 2px 6px; border-radius: 3px; cursor: default; align-items: center; }
  .node:hover { background: var(--vscode-list-hoverBackground); }
  .node.stopped { outline: 1px solid var(--vscode-debugIcon-pauseForeground, orange); background: var(--vscode-editor-stackFrameHighlightBackground); }
  .bp { width: 10px; height: 10px; border-radius: 50%; flex: none; }
  .bp.on { background: var(--vscode-debugIcon-breakpointForeground, #e51400); }
  .bp.off { border: 1px solid var(--vscode-debugIcon-breakpointDisabledForeground, #848484); }
  .op { font-family: var(--vscode-editor-font-family); opacity: 0.7; min-width: 8ch; }
  .state { margin-left: auto; opacity: 0.8; }
  .state.running { color: var(--vscode-charts-blue); } .state.succeeded { color: var(--vscode-charts-green); }
  .state.failed { color: var(--vscode-errorForeground); }
  #status { opacity: 0.8; }
  #menu { position: fixed; display: none; background: var(--vscode-menu-background); color: var(--vscode-menu-foreground);
    border: 1px solid var(--vscode-menu-border, transparent); box-shadow: 0 2px 8px var(--vscode-widget-shadow); padding: 4px 0; z-index: 10; }
  #menu div { padding: 3px 16px; cursor: pointer; } #menu div:hover { background: var(--vscode-menu-selectionBackground); color: var(--vscode-menu-selectionForeground); }
  #menu div.disabled { opacity: 0.4; pointer-events: none; }
</style>
<title>APXM graph</title>
</head>
<body>
<div id="status">Loading the graph…</div>
<div id="flows"></div>
<div id="menu" role="menu"></div>
<script nonce="${o.nonce}">
(function () {
  const vscode = acquireVsCodeApi();
  const view = { graph: undefined, programPath: undefined, live: false, states: new Map(), bps: new Map(), stopped: undefined, ready: [], run: undefined };
  const key = (flow, nodeId) => flow + '#' + nodeId;
  const post = (type, body) => vscode.postMessage({ type, body: body || {} });
  const saved = vscode.getState();
  if (saved && saved.programPath) view.programPath = saved.programPath;
  const flowsEl = document.getElementById('flows');
  const statusEl = document.getElementById('status');
  const menuEl = document.getElementById('menu');

  function render() {
    flowsEl.textContent = '';
    if (!view.graph) return;
    for (const flow of view.graph.flows) {
      const h = document.createElement('h2');
      h.textContent = flow.name + (flow.isEntry ? ' (entry)' : '');
      flowsEl.appendChild(h);
      for (const n of flow.nodes) {
        const k = key(flow.name, n.id);
        const row = document.createElement('div');
        row.className = 'node';
        row.dataset.flow = flow.name;
        row.dataset.nodeId = String(n.id);
        row.setAttribute('role', 'treeitem');
        const state = view.states.get(k) || 'pending';
        const bp = view.bps.get(k);
        if (view.stopped && view.stopped.flow === flow.name && view.stopped.nodeId === n.id) row.classList.add('stopped');
        row.setAttribute('aria-label', '#' + n.id + ' ' + n.op + ' ' + n.name + ', ' + state + (bp === undefined ? '' : ', breakpoint'));
        const dot = document.createElement('span');
        dot.className = 'bp' + (bp === undefined ? '' : bp ? ' on' : ' off');
        const op = document.createElement('span');
        op.className = 'op';
        op.textContent = '#' + n.id + ' ' + n.op;
        const name = document.createElement('span');
        name.textContent = n.name;
        const st = document.createElement('span');
        st.className = 'state ' + state;
        st.textContent = state;
        row.append(dot, op, name, st);
        row.addEventListener('dblclick', () => post('openSource', { flow: flow.name, nodeId: n.id }));
        row.addEventListener('contextmenu', (e) => { e.preventDefault(); openMenu(e.clientX, e.clientY, flow.name, n.id); });
        flowsEl.appendChild(row);
      }
    }
    const r = view.run;
    statusEl.textContent = (view.live ? 'Live' : 'Not running') + (r ? ': ' + r.state + ', ' + r.stats.nodesDone + '/' + r.stats.nodesTotal + ' ops done' : '');
  }

  function openMenu(x, y, flow, nodeId) {
    const isReady = view.ready.find((f) => f.flow === flow && f.nodeId === nodeId);
    const items = [
      ['Toggle Breakpoint', true, () => post('toggleBreakpoint', { flow, nodeId })],
      ['Run to Here', view.live, () => post('runToNode', { flow, nodeId })],
      ['Run Next', view.live && !!isReady, () => post('runNext', isReady)],
      ['Go to Source', true, () => post('openSource', { flow, nodeId })],
    ];
    menuEl.textContent = '';
    for (const [label, enabled, act] of items) {
      const item = document.createElement('div');
      item.textContent = label;
      item.setAttribute('role', 'menuitem');
      if (!enabled) item.className = 'disabled';
      item.addEventListener('click', () => { menuEl.style.display = 'none'; act(); });
      menuEl.appendChild(item);
    }
    menuEl.style.left = x + 'px';
    menuEl.style.top = y + 'px';
    menuEl.style.display = 'block';
  }
  document.addEventListener('click', (e) => { if (!menuEl.contains(e.target)) menuEl.style.display = 'none'; });

  window.addEventListener('message', (e) => {
    const m = e.data;
    const b = m.body;
    switch (m.type) {
      case 'graph/show':
        view.graph = b.graph; view.programPath = b.programPath; view.live = b.live; view.states.clear(); view.stopped = undefined; view.ready = []; view.run = undefined;
        vscode.setState({ programPath: b.programPath, hash: b.hash });
        break;
      case 'graph/snapshot':
        for (const c of b.snapshot.changes) view.states.set(key(c.flow, c.nodeId), c.state);
        if (b.run) view.run = b.run;
        break;
      case 'graph/status':
        for (const c of b.changes) view.states.set(key(c.flow, c.nodeId), c.state);
        break;
      case 'graph/runStatus': view.run = b; break;
      case 'graph/session': view.live = b.live; break;
      case 'graph/stopped': view.stopped = b.at; view.ready = b.ready; break;
      case 'graph/breakpoints':
        view.bps = new Map(b.nodes.map((n) => [key(n.flow, n.nodeId), n.enabled]));
        break;
      default: return;
    }
    render();
  });
  window.addEventListener('error', (e) => post('pageError', { message: String(e.message) }));

  // read-only, for the end-to-end tests: what is drawn, and where
  Object.defineProperty(window, '__apxmGraph', {
    get() {
      const nodes = [];
      for (const row of flowsEl.querySelectorAll('.node')) {
        const flow = row.dataset.flow, nodeId = Number(row.dataset.nodeId), k = key(flow, nodeId);
        const r = row.getBoundingClientRect();
        const n = view.graph.flows.find((f) => f.name === flow).nodes.find((x) => x.id === nodeId);
        nodes.push({ flow, nodeId, name: n.name, op: n.op, state: view.states.get(k) || 'pending', breakpoint: view.bps.has(k),
          x: r.x + r.width / 2, y: r.y + r.height / 2 });
      }
      return { programPath: view.programPath, live: view.live, stopped: view.stopped, ready: view.ready, nodes };
    },
  });
  post('ready');
})();
</script>
</body>
</html>`;
}
