/**
 * The one placeholder syntax of op attributes and prompts: `{k}` (input k) and `{{name}}` (a
 * variable in the node's scope). One pass: text put in for a placeholder is never scanned again,
 * so an input that contains `{1}` or `{{name}}` stays as it is.
 */
import type { Value } from './value.js';

const PLACEHOLDER = /\{\{\s*([A-Za-z_][\w.]*)\s*\}\}|\{(\d+)\}/g;

/** A text that is exactly one placeholder (its value is then the value itself, not its text). */
export const WHOLE_PLACEHOLDER = /^\{\{\s*([A-Za-z_][\w.]*)\s*\}\}$|^\{(\d+)\}$/;

/**
 * Replaces each placeholder with what `resolve` gives for it: `name` for `{{name}}`, `index` for
 * `{k}`. Where it gives undefined, the placeholder stays as written.
 */
export function replacePlaceholders(text: string, resolve: (name: string | undefined, index: number) => string | undefined): string {
  if (!text.includes('{')) return text;
  return text.replace(
    PLACEHOLDER,
    (whole, name: string | undefined, index: string | undefined) => resolve(name, name === undefined ? Number(index) : -1) ?? whole,
  );
}

/** A value as placeholder text: strings as they are, anything else as compact JSON. */
export function placeholderText(v: Value): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

export const hasOwn = (o: object, key: string): boolean => Object.prototype.hasOwnProperty.call(o, key);
