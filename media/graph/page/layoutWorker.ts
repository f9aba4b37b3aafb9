/** The layout worker's code (bundled on its own and inlined into graph.js as a string, see scripts/bundle.mjs). */
import { layoutGraph, type LayoutGraphIn } from '../layout.js';

interface Request {
  id: number;
  input: LayoutGraphIn;
}

const scope = self as unknown as { onmessage: ((e: MessageEvent<Request>) => void) | null; postMessage(m: unknown): void };
scope.onmessage = (e) => {
  const started = performance.now();
  try {
    const result = layoutGraph(e.data.input);
    scope.postMessage({ id: e.data.id, result, ms: performance.now() - started });
  } catch (err) {
    scope.postMessage({ id: e.data.id, error: err instanceof Error ? err.message : String(err) });
  }
};
