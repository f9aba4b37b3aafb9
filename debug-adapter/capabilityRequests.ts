/**
 * The capability explorer's requests for one debug session: the catalogue of the session's
 * runtime with this session's call stats, invocations checked against the schema first, and the
 * coalesced `apxm/capabilityStats` events while a client subscribes. A restart or a replay's step
 * back makes a new runtime: the stats go on counting across them.
 */
import type { Runtime } from '../runtime/runtime.js';
import { CapabilityStats, catalogOf } from '../runtime/query/capabilityCatalog.js';
import { invokeChecked } from '../runtime/query/capabilityInvoke.js';
import type { ApxmEventName, ApxmEvents, ApxmRequests } from './customProtocol.js';
import { DapErrorId } from './dapErrors.js';
import type { Answer } from './graphRequests.js';

type Body<K extends keyof ApxmRequests> = ApxmRequests[K]['body'];
type Args<K extends keyof ApxmRequests> = ApxmRequests[K]['arguments'];

/** At most this many `apxm/capabilityStats` events a second: a badge, not a per-call feed. */
export const CAPABILITY_STATS_PER_SECOND = 4;

export class CapabilityRequests {
  private readonly stats = new CapabilityStats();
  /** The runtime the stats listen to. */
  private runtime?: Runtime;
  private offs: (() => void)[] = [];
  private subscribed = false;
  private readonly pending = new Set<string>();
  private catalogChanged = false;
  private timer?: NodeJS.Timeout;
  private lastSent = 0;
  /** Explorer invocations in flight: cancelled when the session closes. */
  private readonly calls = new AbortController();

  constructor(
    private readonly send: <K extends ApxmEventName>(name: K, body: ApxmEvents[K]) => void,
    /** The session's runtime: there from the launch on (before its run starts). */
    private readonly currentRuntime: () => Runtime | undefined,
    /** The workspace config that starts MCP servers (the catalogue names it as their file). */
    private readonly configFile: () => string | undefined,
  ) {}

  /** A run starts on `runtime` (the same one again, or a new one after a replay's step back). */
  runStarted(runtime: Runtime): void {
    if (runtime === this.runtime) return;
    for (const off of this.offs.splice(0)) off();
    this.runtime = runtime;
    this.offs.push(
      this.stats.attach(runtime.events),
      runtime.capabilitySystem().onChange(() => {
        this.catalogChanged = true;
        this.schedule();
      }),
    );
  }

  catalog(args: Args<'apxm/capabilities'>): Answer<Body<'apxm/capabilities'>> {
    if (args.subscribe === true && !this.subscribed) {
      this.subscribed = true;
      this.stats.onChange = (name) => {
        this.pending.add(name);
        this.schedule();
      };
    } else if (args.subscribe === false) this.unsubscribe();
    const runtime = this.currentRuntime();
    if (!runtime) return { error: DapErrorId.notAvailable, message: 'no program is loaded: launch one to list its capabilities' };
    return { body: catalogOf(runtime.capabilitySystem(), this.stats, [], this.configFile()) };
  }

  async invoke(args: Args<'apxm/invokeCapability'>): Promise<Answer<Body<'apxm/invokeCapability'>>> {
    const runtime = this.currentRuntime();
    if (!runtime) return { error: DapErrorId.notAvailable, message: `no program is loaded: launch one to invoke "${args.name}" in it` };
    // the session's stats count the explorer's calls too (apart as `invoked`): the badge is what was called this session
    const body = await invokeChecked(runtime.capabilitySystem(), args.name, args.params, {
      signal: this.calls.signal,
      onCalled: (ms, error) => this.stats.recordInvocation(args.name, ms, error),
    });
    return { body };
  }

  dispose(): void {
    this.unsubscribe();
    this.calls.abort();
    for (const off of this.offs.splice(0)) off();
    this.runtime = undefined;
  }

  private unsubscribe(): void {
    this.subscribed = false;
    this.stats.onChange = undefined;
    this.pending.clear();
    this.catalogChanged = false;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** One event for every change within the interval: sent once the previous one is 1/rate old. */
  private schedule(): void {
    if (!this.subscribed || this.timer) return;
    const wait = Math.max(0, this.lastSent + 1000 / CAPABILITY_STATS_PER_SECOND - Date.now());
    this.timer = setTimeout(() => this.flush(), wait);
  }

  private flush(): void {
    this.timer = undefined;
    if (!this.subscribed || (!this.pending.size && !this.catalogChanged)) return;
    const body: ApxmEvents['apxm/capabilityStats'] = { stats: this.stats.snapshot(this.pending) };
    if (this.catalogChanged) body.catalogChanged = true;
    this.pending.clear();
    this.catalogChanged = false;
    this.lastSent = Date.now();
    this.send('apxm/capabilityStats', body);
  }
}
