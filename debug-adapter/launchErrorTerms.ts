/**
 * Runtime errors say their fix in CLI terms (`--arg city=<str>`, `--db`, `--llm-timeout`): the
 * debug adapter says it in launch-configuration terms (`"args": { "city": "<str>" }`, `"db"`,
 * `"llm": { "timeoutMs": … }`) and, where a setting is the fix, names it and links to it. The CLI
 * keeps the runtime's hints; only what the adapter sends goes through here.
 */
import { ApxmError, type SerializedError } from '../runtime/errors.js';
import type { AdapterMode } from './customProtocol.js';

/** An error as a DAP client gets it: the text, and an optional link (DAP `url`/`urlLabel`; VS Code runs `command:` URLs). */
export interface ClientError {
  error: SerializedError;
  url?: string;
  urlLabel?: string;
}

export const OPEN_ADAPTER_SETTINGS = `command:workbench.action.openSettings?${encodeURIComponent(JSON.stringify(['apxm.debugAdapter']))}`;

/** `value` as it would be written in launch.json: JSON when it is JSON, a placeholder as is, else a string. */
function asJson(value: string): string {
  if (/^<[^>]*>$/.test(value)) return value;
  try {
    JSON.parse(value);
    return value;
  } catch {
    return JSON.stringify(value);
  }
}

/** One flag (and its value, when the rule takes it) → the launch configuration's words for it. */
const FLAG_RULES: [RegExp, (...groups: string[]) => string][] = [
  [/--arg\s+([^\s=]+)=(?:'([^']*)'|([^\s;,)]+))/g, (name, quoted, plain) => `"args": { "${name}": ${asJson(quoted ?? plain ?? '')} }`],
  [/--llm-timeout(?:\s+(?:<\w+>|ms|\d+))?/g, () => `"llm": { "timeoutMs": … }`],
  [/--llm\s+simulated/g, () => `"llm": { "provider": "simulated" }`],
  [/--llm\s+(https?:\/\/\S+?)(?=[\s,)]|$)/g, (url) => `"llm": { "provider": "openai", "baseUrl": "${url}" }`],
  [/--llm\b/g, () => `"llm"`],
  [/--model\b/g, () => `"llm": { "model": … }`],
  [/--db(?:\s+(?:<file>|<path>))?(?:\s*\/\s*"db")?/g, () => `"db"`],
  [/--capabilities\b/g, () => `"capabilities"`],
  [/--replay\b/g, () => `"replay"`],
  [/--max-parallelism\b/g, () => `"maxParallelism"`],
  [/--answer\s+\S+/g, () => `answer("…") in the Debug Console`],
  [/--no-record\b/g, () => `recording off`],
  [/(^|\s)-O1\b/g, (lead) => `${lead}"optimize": 1`],
];

/** Any CLI flag left after the rules: the hint is then replaced, never shown with a flag in it. */
const ANY_FLAG = /(^|[\s(`'"])--?[a-zA-Z][\w-]*/;

/** A hint in launch-configuration terms; `undefined` when it could not be said without a CLI flag. */
export function hintInLaunchTerms(hint: string): string | undefined {
  let out = hint;
  // a replacer gets the match, the groups, then the offset and the whole string (no named groups here)
  for (const [re, to] of FLAG_RULES) out = out.replace(re, (_m, ...g: unknown[]) => to(...(g.slice(0, -2) as string[])));
  out = out.replace(/\bpass "args"/g, 'add "args"');
  // the CLI resolves paths from its working directory; the adapter from the configuration's "cwd"
  out = out.replace(/relative to the current directory/g, 'relative to "cwd" of the launch configuration, by default the workspace folder');
  return ANY_FLAG.test(out) ? undefined : out;
}

export interface LaunchErrorContext {
  adapterMode?: AdapterMode;
}

/** What a DAP client gets for an error the runtime raised: hints in launch terms, and a link to a setting where that is the fix. */
export function errorForClient(e: ApxmError | SerializedError, ctx: LaunchErrorContext = {}): ClientError {
  const base: SerializedError = e instanceof ApxmError ? e.toJSON() : { ...e };
  if (base.code === 'E_STORAGE' && base.details?.abiMismatch === true) {
    const hint =
      ctx.adapterMode === 'inline' || ctx.adapterMode === undefined
        ? `the debug adapter runs inside VS Code (Node ${process.versions.node}), which can load neither better-sqlite3 (built for another Node) nor node:sqlite (Node 22.5 or later): set the setting "apxm.debugAdapter.mode" to "process" and "apxm.debugAdapter.nodePath" to a Node 22.5 or later, or remove "db" from the launch configuration to keep memory in memory`
        : `the Node that runs the adapter (${process.versions.node}) can load neither better-sqlite3 (built for another Node) nor node:sqlite (Node 22.5 or later): set the setting "apxm.debugAdapter.nodePath" to a Node 22.5 or later, or remove "db" from the launch configuration`;
    // the attempts stay in `details` for a client that wants them; the message is said once, without them
    return {
      error: { ...base, message: `cannot open the memory database ${base.place?.file ?? ''}`.trim(), hint },
      url: OPEN_ADAPTER_SETTINGS,
      urlLabel: 'Open Settings',
    };
  }
  const specific = SPECIFIC[base.code]?.(base);
  const hint = specific ?? (base.hint !== undefined ? (hintInLaunchTerms(base.hint) ?? GENERIC_HINT) : undefined);
  return { error: { ...base, ...(hint !== undefined ? { hint } : {}) } };
}

const GENERIC_HINT = 'check the launch configuration (launch.json) and the "apxm.*" settings';

/** Errors whose fix reads better written for the launch configuration than translated flag by flag. */
const SPECIFIC: Partial<Record<string, (e: SerializedError) => string | undefined>> = {
  E_ARG_MISSING: (e) => {
    const names = [...(e.hint ?? '').matchAll(/--arg\s+([^\s=]+)=(<[^>]*>)/g)].map((m) => `"${m[1]}": ${m[2]}`);
    return names.length
      ? `add "args": { ${names.join(', ')} } to the launch configuration (VS Code asks for them when you start the program from its editor with F5 and no launch.json)`
      : undefined;
  },
  E_RUN_NOT_FOUND: () =>
    'set "replay" to the id of a run recorded in the "db" file of the launch configuration (`apxm runs` in a terminal lists them), or to a trace file',
  E_USAGE: (e) =>
    /trace file|database/.test(e.message)
      ? 'add "db" (the database the run was recorded in) to the launch configuration, or set "replay" to a trace file'
      : undefined,
};
