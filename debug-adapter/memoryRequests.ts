/**
 * The memory inspector's requests for one debug session (protocol/memoryProtocol.ts): pages of each
 * tier, where a key came from, edits while stopped and "watch this key". The rows come from the
 * runtime's query layer (runtime/query/memoryPages.ts); this module checks the session's state and
 * answers. Reads work while running, stopped, after the end and in a replay; edits only while stopped
 * in a live session.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ApxmError } from '../runtime/errors.js';
import type { RuntimeEventEmitter } from '../runtime/events.js';
import { aamSeq, MemoryChanges } from '../runtime/query/memoryChanges.js';
import { memoryPage, memoryProvenance, ROW_PREVIEW_CHARS, type MemorySources, type MemoryWrite } from '../runtime/query/memoryPages.js';
import { previewValue, type PageStore } from '../runtime/query/nodeDetail.js';
import type { ApxmRequests } from './customProtocol.js';
import { DapErrorId } from './dapErrors.js';
import type { Answer } from './graphRequests.js';
import { deleteMemoryKey, setMemoryValue } from './memoryEdits.js';
import type { SessionRun } from './sessionState.js';
import { parseEditedValue } from './variables.js';

type Body<K extends keyof ApxmRequests> = ApxmRequests[K]['body'];
type Args<K extends keyof ApxmRequests> = ApxmRequests[K]['arguments'];

/** Adds or removes a watched key; returns every watched data id (SessionBreakpoints.watchKey). */
export type WatchKey = (dataId: string, watch: boolean, accessType?: 'read' | 'write' | 'readWrite') => string[];

export class MemoryRequests {
  private changes?: MemoryChanges;

  constructor(
    private readonly run: SessionRun,
    /** The session's value pages, shared with node details: `apxm/valuePage` reads both. */
    private readonly pages: PageStore,
    private readonly watch: WatchKey,
  ) {}

  /** A run started (launch, restart, step back): changes are counted from it. */
  runStarted(events: RuntimeEventEmitter, runId: string): void {
    this.changes?.dispose();
    this.changes = new MemoryChanges(events, runId);
  }

  /** The debugger stopped: rows written from now on are "changed since the previous stop" at the next one. */
  stopped(): void {
    // a stop inside runtime.start() (a breakpoint on an early op) comes before the run's handle
    this.changes?.stopped(this.run.handle ? aamSeq(this.run.handle.aam) : undefined);
  }

  /** The run's handle is set (runtime.start() returned): a stop made inside it learns the AAM's seq. */
  runReady(): void {
    if (this.run.handle) this.changes?.settle(aamSeq(this.run.handle.aam));
  }

  page(args: Args<'apxm/memoryPage'>): Answer<Body<'apxm/memoryPage'>> {
    const src = this.sources();
    if ('error' in src) return src;
    return { body: memoryPage(src, args, this.pages) };
  }

  provenance(args: Args<'apxm/memoryProvenance'>): Answer<Body<'apxm/memoryProvenance'>> {
    const src = this.sources();
    if ('error' in src) return src;
    const p = memoryProvenance(src, args.tab, args.key, args.limit ?? 10);
    return { body: { ...p, writes: p.writes.map((w) => this.located(w)) } };
  }

  set(args: Args<'apxm/memorySet'>): Answer<Body<'apxm/memorySet'>> {
    const refused = this.refuseEdit(`set ${args.tab === 'stm' ? 'STM key' : 'belief'} '${args.key}'`);
    if (refused) return refused;
    const parsed = parseEditedValue(args.value);
    if ('problem' in parsed) return { error: DapErrorId.badArguments, message: `apxm/memorySet: arguments.value ${parsed.problem}` };
    if (args.key === '') return { error: DapErrorId.badArguments, message: 'apxm/memorySet: arguments.key must not be empty' };
    const handle = this.run.handle!;
    try {
      const now = setMemoryValue(handle, args.tab, args.key, parsed.value);
      if (args.tab === 'stm') this.changes?.wrote('stm', args.key);
      return {
        body: {
          row: { key: args.key, value: previewValue(now, this.pages, `mem/${args.tab}/${args.key}`, ROW_PREVIEW_CHARS), changed: true },
        },
      };
    } catch (e) {
      return { error: DapErrorId.badArguments, message: e instanceof ApxmError ? e.message : String(e) };
    }
  }

  delete(args: Args<'apxm/memoryDelete'>): Answer<Body<'apxm/memoryDelete'>> {
    const what = args.tab === 'stm' ? 'STM key' : args.tab === 'ltm' ? 'LTM key' : 'belief';
    const refused = this.refuseEdit(`delete ${what} '${args.key}'`);
    if (refused) return refused;
    return { body: { deleted: deleteMemoryKey(this.run.handle!, args.tab, args.key) } };
  }

  watchKey(args: Args<'apxm/watchKey'>): Answer<Body<'apxm/watchKey'>> {
    if (args.key === '') return { error: DapErrorId.badArguments, message: 'apxm/watchKey: arguments.key must not be empty' };
    const dataId = `${args.tier}:${args.key}`;
    return { body: { dataId, watching: this.watch(dataId, args.watch, args.accessType) } };
  }

  dispose(): void {
    this.changes?.dispose();
    this.changes = undefined;
  }

  /** The run's memory, or why there is none yet. */
  private sources(): MemorySources | { error: typeof DapErrorId.notAvailable; message: string } {
    const { handle, runtime } = this.run;
    if (!handle || !runtime) return { error: DapErrorId.notAvailable, message: 'no run yet: launch the program to see its memory' };
    // pending episodic events reach the database first, so a page shows what the run has done
    handle.memory.flush();
    return {
      runId: handle.runId,
      stm: handle.stm,
      aam: handle.aam,
      storage: runtime.storage,
      ...(this.changes ? { changes: this.changes } : {}),
    };
  }

  /** Why an edit cannot be made now, or undefined when it can. */
  private refuseEdit(what: string): Answer<never> | undefined {
    const run = this.run;
    const no = (why: string): Answer<never> => ({ error: DapErrorId.notAvailable, message: `cannot ${what}: ${why}` });
    if (!run.handle) return no('no run yet: launch the program and stop it (a breakpoint, or Pause)');
    if (run.recording)
      return no(
        'this session replays a recorded run, whose memory follows the recording (and a step back would lose the edit); debug the program itself to edit memory',
      );
    if (run.finished || run.ended) return no('the run has ended');
    if (!run.stopped || !run.handle.execution.control.isPaused) return no('the run is not stopped: pause it or stop at a breakpoint first');
    return undefined;
  }

  /** A write's source as a path the client can open (absolute, when the file exists); for an AAM change, its op found in this run's record. */
  private located(w: MemoryWrite): MemoryWrite {
    let out = w;
    if (w.flow === undefined && w.nodeId !== undefined && w.thisRun && this.run.view) {
      // the AAM log names the node, not its flow: found when one flow of this run has run that node id
      const refs = [...this.run.view.nodes.values()].map((r) => r.ref).filter((r) => r.nodeId === w.nodeId);
      const flows = new Set(refs.map((r) => r.flow));
      const ref = refs.at(-1);
      if (ref && flows.size === 1)
        out = {
          ...w,
          flow: ref.flow,
          op: ref.op,
          name: ref.name,
          frameId: ref.frameId,
          nodeExecId: ref.nodeExecId,
          ...(ref.source ? { source: { path: ref.source.file, line: ref.source.line } } : {}),
        };
    }
    if (out.source) {
      const file = path.resolve(out.source.path);
      out = existsSync(file) ? { ...out, source: { ...out.source, path: file } } : (({ source: _, ...rest }) => rest)(out);
    }
    return out;
  }
}
