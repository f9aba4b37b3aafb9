/**
 * The check every panel makes of what its page posts, without `vscode`: a webview is untrusted
 * input (a page of another version, or a bug in it, must not throw in the host), so a message is an
 * object with a string `type` the page's protocol declares and an object `body` that type's check passes.
 */

export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
export const isInt = (v: unknown): v is number => Number.isSafeInteger(v);

/** One check per message type of a protocol's `PageMessages`: a type added there does not compile until it has one. */
export type BodyChecks<Messages> = { readonly [K in keyof Messages]: (body: Record<string, unknown>) => boolean };

export type MessageOf<Messages> = { [K in keyof Messages]: { type: K; body: Messages[K] } }[keyof Messages];

/** The page's message, or a line saying what is wrong with it (the panel logs it and drops the message). */
export function parsePageMessage<Messages>(raw: unknown, checks: BodyChecks<Messages>): MessageOf<Messages> | string {
  if (!isObject(raw) || typeof raw.type !== 'string') return 'a page message is not an object with a "type"';
  const body = raw.body ?? {};
  if (!isObject(body)) return `page message ${raw.type}: "body" is not an object`;
  // own keys only: a type named after an Object.prototype member ("constructor") is unknown, not a function
  const check = Object.hasOwn(checks, raw.type) ? (checks as Record<string, (b: Record<string, unknown>) => boolean>)[raw.type] : undefined;
  if (!check?.(body)) return `page message ${raw.type}: unknown type or wrong fields ${JSON.stringify(body).slice(0, 200)}`;
  return { type: raw.type, body } as MessageOf<Messages>;
}
