/**
 * A failed `launch` as the extension shows it: a notification with the adapter's text (already in
 * launch.json terms, launchErrorTerms.ts) and the action that fixes it — the link the adapter gave
 * (a `command:` URL, e.g. Open Settings), else Open launch.json. No `vscode` import: tested alone.
 */
import type { DebugProtocol } from '@vscode/debugprotocol';

export interface NoticeAction {
  label: string;
  command: string;
  args: unknown[];
}

export interface LaunchFailureNotice {
  message: string;
  actions: NoticeAction[];
}

export const OPEN_LAUNCH_JSON: NoticeAction = { label: 'Open launch.json', command: 'workbench.action.debug.configure', args: [] };

/** `command:id?["json","args"]` → the command and its arguments; undefined for any other URL. */
export function commandOfUrl(url: string): { command: string; args: unknown[] } | undefined {
  const m = /^command:([\w.-]+)(?:\?(.*))?$/.exec(url);
  if (!m) return undefined;
  if (!m[2]) return { command: m[1], args: [] };
  try {
    const parsed: unknown = JSON.parse(decodeURIComponent(m[2]));
    return { command: m[1], args: Array.isArray(parsed) ? parsed : [parsed] };
  } catch {
    return undefined;
  }
}

/** The notice for a message the adapter sent, when it is a failed launch response; else undefined. */
export function launchFailureNotice(m: DebugProtocol.ProtocolMessage): LaunchFailureNotice | undefined {
  if (m.type !== 'response') return undefined;
  const r = m as DebugProtocol.ErrorResponse;
  if (r.command !== 'launch' || r.success) return undefined;
  const error = r.body?.error;
  const text = (error?.variables?._message ?? r.message ?? 'the launch failed').trim();
  const linked = error?.url ? commandOfUrl(error.url) : undefined;
  const actions = linked ? [{ label: error?.urlLabel ?? 'Open', ...linked }] : [OPEN_LAUNCH_JSON];
  return { message: `APXM: cannot start — ${text}`, actions };
}
