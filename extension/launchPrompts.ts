/**
 * The launch as a first-time user meets it (VS Code side of argumentPrompts.ts): a program that
 * does not load stops with a notification pointing at its first error; each entry argument
 * without a value is asked for in an input box, checked as the runtime converts it, prefilled with
 * the last value used for that program; after the session starts, an offer to save the answers
 * in launch.json. Called by the DebugConfigurationProvider (debugAdapterFactory.ts).
 */
import path from 'node:path';
import * as vscode from 'vscode';
import type { Value } from '../runtime/values/value.js';
import { loadProgramFile } from '../runtime/programFile.js';
import { argumentPrompt, checkArgument, missingParameters, programProblem, savedConfiguration } from './argumentPrompts.js';
import { PROGRAM_FILE } from './launchDefaults.js';
import { ensureTrustedToRun } from './workspaceTrust.js';

/** Marks a configuration whose arguments were asked for, so the started session offers to save them. */
const PROMPTED = '__apxmPromptedArgs';
const lastArgsKey = (program: string) => `apxm.lastArguments:${program}`;

const OPEN_LAUNCH_JSON = 'Open launch.json';

/**
 * Stops a launch with a notification naming the launch.json property to fix. Not awaited: a
 * notification settles only when dismissed, and VS Code waits for the provider before anything else.
 */
function launchJsonProblem(message: string): undefined {
  void vscode.window.showErrorMessage(`APXM: ${message}`, OPEN_LAUNCH_JSON).then(async (pick) => {
    if (pick === OPEN_LAUNCH_JSON) await vscode.commands.executeCommand('workbench.action.debug.configure');
  });
  return undefined;
}

/**
 * After VS Code substituted `${file}` and friends: checks the program, asks for missing entry
 * arguments. `undefined` cancels the launch (VS Code then says nothing more).
 */
export async function resolveLaunchArguments(
  context: vscode.ExtensionContext,
  config: vscode.DebugConfiguration,
): Promise<vscode.DebugConfiguration | undefined> {
  if (typeof config.program !== 'string' || !config.program.trim())
    return launchJsonProblem('the launch configuration has no "program": set it to a .ais, .json or .apxmobj file');
  const base = typeof config.cwd === 'string' ? config.cwd : undefined;
  const program = path.resolve(base ?? '', config.program);
  if (!PROGRAM_FILE.test(program))
    return launchJsonProblem(`"program" ${config.program} is not an APXM program: set it to a .ais, .json or .apxmobj file`);
  if (!(await ensureTrustedToRun(path.basename(program)))) return undefined;
  let entry;
  try {
    entry = (await loadProgramFile(program, { optimize: config.optimize === 1 ? 1 : 0 })).entry;
  } catch (e) {
    if ((e as { code?: string }).code === 'E_PROGRAM_READ')
      return launchJsonProblem(
        `"program" ${config.program} cannot be read (${(e as Error).message}): check the path in the launch configuration`,
      );
    void showBrokenProgram(programProblem(e, program), program); // not awaited, as above
    return undefined;
  }
  const missing = missingParameters(entry, { args: config.args as unknown, replay: config.replay as unknown });
  if (!missing.length) return config;
  const last = context.workspaceState.get<Record<string, string>>(lastArgsKey(program)) ?? {};
  const args: Record<string, Value> = { ...((config.args as Record<string, Value> | undefined) ?? {}) };
  const typed: Record<string, string> = { ...last };
  for (const param of missing) {
    const p = argumentPrompt(entry, param, program, last[param.name]);
    const text = await vscode.window.showInputBox({
      title: p.title,
      prompt: p.prompt,
      placeHolder: p.placeHolder,
      ...(p.value !== undefined ? { value: p.value } : {}),
      ignoreFocusOut: true,
      validateInput: (t) => {
        const r = checkArgument(entry, param, t);
        return 'problem' in r ? r.problem : undefined;
      },
    });
    if (text === undefined) return undefined; // Escape: the launch is cancelled, quietly
    const r = checkArgument(entry, param, text);
    if ('problem' in r) return undefined;
    args[param.name] = r.value;
    typed[param.name] = text;
  }
  await context.workspaceState.update(lastArgsKey(program), typed);
  return { ...config, args, [PROMPTED]: { program, names: missing.map((p) => p.name) } };
}

async function showBrokenProgram(problem: ReturnType<typeof programProblem>, program: string): Promise<void> {
  const more = problem.count > 1 ? ` (${problem.count} errors in the Problems view)` : '';
  const SHOW_ERROR = 'Go to Error';
  const SHOW_PROBLEMS = 'Show Problems';
  const pick = await vscode.window.showErrorMessage(`APXM: cannot start — ${problem.message}${more}`, SHOW_ERROR, SHOW_PROBLEMS);
  if (pick === SHOW_PROBLEMS) await vscode.commands.executeCommand('workbench.actions.view.problems');
  if (pick === SHOW_ERROR) {
    const line = Math.max(0, (problem.line ?? 1) - 1);
    const col = Math.max(0, (problem.column ?? 1) - 1);
    await vscode.window.showTextDocument(vscode.Uri.file(problem.file ?? program), {
      selection: new vscode.Range(line, col, line, col),
    });
  }
}

/** Once per prompted launch: offers to write its arguments to the folder's launch.json, then to open it. */
async function offerToSave(session: vscode.DebugSession): Promise<void> {
  const prompted = session.configuration[PROMPTED] as { program: string; names: string[] } | undefined;
  if (!prompted) return;
  const folder = session.workspaceFolder ?? vscode.workspace.getWorkspaceFolder(vscode.Uri.file(prompted.program));
  if (!folder) return; // no launch.json without a folder
  const SAVE = 'Save to launch.json';
  const pick = await vscode.window.showInformationMessage(
    `APXM: save the arguments of ${path.basename(prompted.program)} (${prompted.names.join(', ')}) as a launch configuration, so F5 stops asking?`,
    SAVE,
    'Not Now',
  );
  if (pick !== SAVE) return;
  const launch = vscode.workspace.getConfiguration('launch', folder.uri);
  const configurations = launch.get<Record<string, unknown>[]>('configurations') ?? [];
  const saved = savedConfiguration(
    prompted.program,
    session.configuration.args as Record<string, unknown>,
    folder.uri.fsPath,
    configurations,
  );
  await launch.update('configurations', [...configurations, saved], vscode.ConfigurationTarget.WorkspaceFolder);
  if (!launch.get('version')) await launch.update('version', '0.2.0', vscode.ConfigurationTarget.WorkspaceFolder);
  const pickOpen = await vscode.window.showInformationMessage(`APXM: added "${String(saved.name)}" to launch.json.`, OPEN_LAUNCH_JSON);
  if (pickOpen === OPEN_LAUNCH_JSON) await vscode.window.showTextDocument(vscode.Uri.joinPath(folder.uri, '.vscode', 'launch.json'));
}

export function registerLaunchPrompts(context: vscode.ExtensionContext): void {
  context.subscriptions.push(
    vscode.debug.onDidStartDebugSession((s) => {
      if (s.type === 'apxm') void offerToSave(s);
    }),
  );
}
