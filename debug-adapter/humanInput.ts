/**
 * PAUSE ops waiting for a human: the client is told (`apxm/pauseWaiting`, and a Debug Console
 * line for clients that show no custom events), and answers with `apxm/answerPause` or
 * answer("…") in the Debug Console; `apxm/pauseDone` says when one no longer waits.
 */
import path from 'node:path';
import { ApxmError } from '../runtime/errors.js';
import type { OpNode } from '../runtime/graph/types.js';
import type { HumanInputProvider, HumanInputRequest } from '../runtime/ops/runServices.js';
import type { ApxmRequests } from './customProtocol.js';
import type { SessionHost, SessionRun } from './sessionState.js';

interface Waiting {
  checkpointId: string;
  message: string;
  resolve: (answer: string) => void;
}

export class HumanInput {
  /** PAUSEs waiting for an answer, oldest first. */
  private readonly pending: Waiting[] = [];
  /** What the runtime asks when a PAUSE runs. */
  readonly provider: HumanInputProvider = { request: (req) => this.waitForAnswer(req) };

  constructor(
    private readonly run: SessionRun,
    private readonly host: Pick<SessionHost, 'console' | 'sendApxmEvent'>,
    private readonly opNode: (flow: string, nodeId: number) => OpNode | undefined,
  ) {}

  /** answer("...") in the Debug Console: the oldest waiting PAUSE gets it. */
  answerOldest(text: string): string {
    const p = this.pending.shift();
    if (!p) throw new ApxmError('E_HUMAN_INPUT', 'no PAUSE is waiting for an answer');
    p.resolve(text);
    return `answered ${p.checkpointId}`;
  }

  /** `apxm/answerPause`: answers one waiting PAUSE by its checkpoint id (several may wait at once); a problem is a string. */
  answer(args: ApxmRequests['apxm/answerPause']['arguments']): ApxmRequests['apxm/answerPause']['body'] | string {
    const i = this.pending.findIndex((p) => p.checkpointId === args.checkpointId);
    if (i < 0) return `PAUSE ${args.checkpointId} is not waiting for an answer (answered already, or its run ended)`;
    const [p] = this.pending.splice(i, 1);
    p.resolve(args.text);
    return { checkpointId: p.checkpointId };
  }

  /** A PAUSE waits: the client is told until it is answered or withdrawn. */
  private waitForAnswer(req: HumanInputRequest): Promise<string> {
    return new Promise<string>((resolve) => {
      const entry: Waiting = {
        checkpointId: req.checkpointId,
        message: req.message,
        resolve: (text: string) => {
          req.signal.removeEventListener('abort', withdrawn);
          this.host.sendApxmEvent('apxm/pauseDone', { checkpointId: req.checkpointId, outcome: 'answered' });
          resolve(text);
        },
      };
      // answered elsewhere (`apxm resume`), timed out, or the run ended: no longer answerable here
      const withdrawn = () => {
        const i = this.pending.indexOf(entry);
        if (i < 0) return;
        this.pending.splice(i, 1);
        this.host.sendApxmEvent('apxm/pauseDone', { checkpointId: req.checkpointId, outcome: 'withdrawn' });
      };
      this.pending.push(entry);
      req.signal.addEventListener('abort', withdrawn, { once: true });
      const src = req.flow !== undefined ? this.opNode(req.flow, req.nodeId)?.source : undefined;
      this.host.sendApxmEvent('apxm/pauseWaiting', {
        checkpointId: req.checkpointId,
        message: req.message,
        flow: req.flow ?? this.run.program?.entry.qualifiedName ?? '',
        nodeId: req.nodeId,
        ...(src?.file ? { source: { path: path.resolve(src.file), line: src.line } } : {}),
      });
      // a client without its own PAUSE notice gets this one as a notice ('important')
      this.host.console(
        `PAUSE ${req.checkpointId}: ${req.message}\n  answer in the Debug Console: answer("your text"), or from the notification\n`,
        this.run.args?.clientShowsPauses === true ? 'console' : 'important',
      );
    });
  }
}
