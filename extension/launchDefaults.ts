/**
 * What an `apxm` launch configuration gets filled with before the debugger starts (no `vscode`
 * import: the extension's DebugConfigurationProvider calls this, and tests call it directly).
 */
import path from 'node:path';
import { programKind } from './programFiles.js';

export type LaunchConfig = Record<string, unknown> & { type?: string; request?: string; name?: string; program?: unknown; cwd?: unknown };

/** The editor around the launch: the workspace folder it is for, and the file in the active editor. */
export interface LaunchContext {
  workspaceFolder?: string;
  activeFile?: string;
  /** The start of the active file's text when it is `.json` (whether it is a program is decided by its content). */
  activeFileText?: string;
  /**
   * The runs database (`apxm.runs.database`, absolute) a launch without its own `db` records into,
   * so its run shows in the Runs view; undefined when the adapter could not open it (no backend).
   */
  runsDatabase?: string;
}

/** `apxm.runs.database` (default `.apxm/runs.sqlite`) as an absolute path: relative to the workspace folder; none without one. */
export function runsDatabasePath(configured: string | undefined, workspaceFolder: string | undefined): string | undefined {
  const db = configured?.trim() || DEFAULT_RUNS_DB;
  if (path.isAbsolute(db)) return db;
  return workspaceFolder ? path.join(workspaceFolder, db) : undefined;
}

export const DEFAULT_RUNS_DB = '.apxm/runs.sqlite';

export const PROGRAM_FILE = /\.(ais|json|apxmobj)$/i;

/**
 * F5 with no launch.json debugs the active program file; a configuration without `cwd` runs in the
 * workspace folder (else the program's own folder), so relative `program`, `db` and
 * `capabilities` paths mean the same in every way of hosting the adapter; a configuration without
 * `db` records into the Runs view's database (`ctx.runsDatabase`); the adapter is told
 * that the extension shows waiting PAUSEs itself. Returns a message
 * instead when there is nothing to debug.
 */
export function fillLaunchConfig(config: LaunchConfig, ctx: LaunchContext): LaunchConfig | { error: string } {
  let out: LaunchConfig = { ...config };
  if (!out.type && !out.request && !out.name) {
    if (!ctx.activeFile || !PROGRAM_FILE.test(ctx.activeFile)) {
      return { error: 'Open an APXM program (.ais, .json or .apxmobj) to debug it, or add an "apxm" configuration to launch.json.' };
    }
    const kind = ctx.activeFileText !== undefined ? programKind(ctx.activeFile, ctx.activeFileText) : undefined;
    if (kind && !kind.program) return { error: `${kind.reason}.` };
    // keeps what VS Code put in (Run Without Debugging sets noDebug)
    out = { ...out, type: 'apxm', request: 'launch', name: `Debug ${path.basename(ctx.activeFile)}`, program: ctx.activeFile };
  }
  if (out.cwd === undefined) {
    const program = typeof out.program === 'string' ? out.program : undefined;
    const cwd = ctx.workspaceFolder ?? (program && path.isAbsolute(program) ? path.dirname(program) : undefined);
    if (cwd) out.cwd = cwd;
  }
  // recorded where the Runs view reads (a `db` of its own, even "" for in memory, is kept): the adapter's own default stays in memory
  if (out.db === undefined && ctx.runsDatabase !== undefined) out.db = ctx.runsDatabase;
  // launchExperience.ts shows a waiting PAUSE as a notification with an answer box: the adapter need not notify too
  out.clientShowsPauses = true;
  // and a failed launch as a notification with its actions (launchErrors.ts), not VS Code's modal dialog
  out.clientShowsLaunchErrors = true;
  return out;
}
