/** PAUSE in a terminal: scripted answers first (`--answer id=text`), else a readline prompt on a TTY. */
import { createInterface } from 'node:readline/promises';
import { ApxmError } from '../errors.js';
import type { HumanInputProvider } from '../ops/runServices.js';
import { display, tryParseJson } from '../values/value.js';
import { terminalSafe } from '../values/terminalSafe.js';

export function terminalHumanInput(answers: Record<string, string>, interactive: boolean): HumanInputProvider {
  return {
    async request(req) {
      const scripted = answers[req.checkpointId] ?? answers['*'];
      if (scripted !== undefined) return tryParseJson(scripted) ?? scripted;
      if (!interactive) {
        throw new ApxmError('E_HUMAN_INPUT', `PAUSE '${req.checkpointId}' asks: ${req.message}`, {
          hint: `answer it with --answer ${req.checkpointId}=<text> (stdin is not a terminal)`,
        });
      }
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      // On a terminal readline takes Ctrl-C as a key: pass it on as the signal the CLI handles.
      rl.on('SIGINT', () => process.kill(process.pid, 'SIGINT'));
      try {
        const shown = req.displayData === null ? '' : `\n${display(req.displayData)}`;
        const answer = await rl.question(`\n⏸  ${terminalSafe(req.message + shown, true)}\n> `, { signal: req.signal });
        return tryParseJson(answer) ?? answer;
      } finally {
        rl.close();
      }
    },
  };
}
