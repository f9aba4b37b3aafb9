/**
 * Text from a program (names, string values, error messages quoting it) printed where a terminal
 * or an editor interprets it. Control characters move the cursor, clear the screen or set the
 * window title (ESC sequences); bidirectional controls reorder what is shown, so a name can read
 * differently from what it is. Names are refused at load time (`unsafeNameCharacter`); every other
 * piece of program text is escaped on output (`terminalSafe`).
 */

/** C0 controls, DEL, C1 controls, and the bidirectional marks, embeddings, overrides and isolates. */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
const UNSAFE_ALL = new RegExp(UNSAFE.source, 'g');
/** As UNSAFE, but keeping line feed and tab (for multi-line messages). */
const UNSAFE_BUT_LAYOUT = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escapeOne(ch: string): string {
  const named = NAMED[ch];
  if (named) return named;
  const cp = ch.charCodeAt(0);
  return cp <= 0xff ? `\\x${cp.toString(16).padStart(2, '0')}` : `\\u${cp.toString(16).padStart(4, '0')}`;
}

/**
 * `text` with every control and bidirectional character written as an escape (`\x1b`, `\u202e`,
 * `\n`). `keepLayout` keeps line feeds and tabs (a message that spans lines on purpose).
 */
export function terminalSafe(text: string, keepLayout = false): string {
  if (!UNSAFE.test(text)) return text;
  return text.replace(keepLayout ? UNSAFE_BUT_LAYOUT : UNSAFE_ALL, escapeOne);
}

/** The first character a name may not contain, as `U+001B`, and where it is; undefined if none. */
export function unsafeNameCharacter(name: string): { codePoint: string; index: number } | undefined {
  const m = UNSAFE.exec(name);
  if (!m) return undefined;
  return { codePoint: `U+${m[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`, index: m.index };
}

/** The message and fix for a name with such a character (shared by the JSON loader and the AIS checker). */
export function unsafeNameProblem(what: string, name: string): { message: string; hint: string } | undefined {
  const bad = unsafeNameCharacter(name);
  if (!bad) return undefined;
  return {
    message: `${what} "${terminalSafe(name)}" contains the control character ${bad.codePoint} (at index ${bad.index})`,
    hint: 'names are shown in terminals and editors: remove control characters (U+0000–U+001F, U+007F–U+009F) and bidirectional controls (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069)',
  };
}

const UNSAFE_IN_JSON = /[\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * JSON text (from JSON.stringify, which escapes C0 controls already) with DEL, C1 and
 * bidirectional characters as `\uXXXX` escapes: the same JSON value, safe to show.
 */
export function terminalSafeJson(json: string): string {
  return json.replace(UNSAFE_IN_JSON, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
