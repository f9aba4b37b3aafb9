/**
 * The bincode 1.3.3 *legacy* configuration that upstream's `.apxmobj` payload uses:
 * fixed-width little-endian integers (no varint), u64 length prefixes for strings and
 * sequences, `Option` as a 0/1 tag byte, enums as a u32 variant index, `bool` as one 0/1 byte,
 * `f64` as IEEE-754 binary64 LE, strings as UTF-8. No size limit upstream; here every read is
 * bounds-checked and every length prefix is checked against the bytes that remain *before*
 * anything is allocated, so a lying prefix cannot make us allocate more than the input's size.
 *
 * Errors are `BincodeError`s (an `ApxmError` with code E_PROGRAM_PARSE) that name the absolute
 * byte offset and what was being read, e.g. `dags[0].nodes[2].attributes[1].key`.
 */
import { ApxmError } from '../errors.js';

export const U32_MAX = 0xffff_ffff;
export const U64_MAX = (1n << 64n) - 1n;
export const I64_MIN = -(1n << 63n);
export const I64_MAX = (1n << 63n) - 1n;

/** Why a read failed: ran off the end, or a byte pattern bincode rejects. */
export type BincodeFailure = 'eof' | 'invalid';

export class BincodeError extends ApxmError {
  constructor(
    message: string,
    /** Absolute byte offset (in the file, when the reader was given the payload's base offset). */
    readonly offset: number,
    /** What was being read, e.g. `dags[0].nodes[1].id`. */
    readonly reading: string,
    readonly failure: BincodeFailure,
  ) {
    super('E_PROGRAM_PARSE', message, { details: { offset, reading, failure } });
    this.name = 'BincodeError';
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const utf8Encoder = new TextEncoder();

export interface ReaderOptions {
  /** Added to positions in error messages (e.g. 52 for a payload that starts after the header). */
  baseOffset?: number;
  /** Deepest nesting `enter()` allows (default 256). */
  maxDepth?: number;
}

export class BincodeReader {
  private pos = 0;
  private depth = 0;
  private readonly view: DataView;
  readonly baseOffset: number;
  readonly maxDepth: number;

  constructor(
    private readonly bytes: Uint8Array,
    options: ReaderOptions = {},
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.baseOffset = options.baseOffset ?? 0;
    this.maxDepth = options.maxDepth ?? 256;
  }

  /** Bytes consumed so far (relative to the start of this reader's bytes). */
  get offset(): number {
    return this.pos;
  }

  get remaining(): number {
    return this.bytes.length - this.pos;
  }

  private fail(failure: BincodeFailure, reading: string, message: string, at = this.pos): never {
    const abs = this.baseOffset + at;
    throw new BincodeError(`${message} at byte ${abs} while reading ${reading}`, abs, reading, failure);
  }

  private need(n: number, reading: string, kind: string): void {
    if (this.remaining < n) {
      this.fail('eof', reading, `unexpected end of data (${kind} needs ${n} byte${n === 1 ? '' : 's'}, ${this.remaining} left)`);
    }
  }

  u8(reading: string): number {
    this.need(1, reading, 'u8');
    return this.bytes[this.pos++];
  }

  bool(reading: string): boolean {
    this.need(1, reading, 'bool');
    const b = this.bytes[this.pos];
    if (b > 1) this.fail('invalid', reading, `invalid value: integer \`${b}\`, expected a boolean (0 or 1)`);
    this.pos++;
    return b === 1;
  }

  u32(reading: string): number {
    this.need(4, reading, 'u32');
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }

  u64(reading: string): bigint {
    this.need(8, reading, 'u64');
    const v = this.view.getBigUint64(this.pos, true);
    this.pos += 8;
    return v;
  }

  i64(reading: string): bigint {
    this.need(8, reading, 'i64');
    const v = this.view.getBigInt64(this.pos, true);
    this.pos += 8;
    return v;
  }

  /** An f64 with its exact bit pattern (NaN payloads and -0.0 included). */
  f64(reading: string): { value: number; bits: bigint } {
    this.need(8, reading, 'f64');
    const bits = this.view.getBigUint64(this.pos, true);
    const value = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return { value, bits };
  }

  /** A u32 enum variant index, checked against the number of variants. */
  variant(reading: string, count: number): number {
    const at = this.pos;
    const v = this.u32(reading);
    if (v >= count) this.fail('invalid', reading, `invalid value: integer \`${v}\`, expected variant index 0 <= i < ${count}`, at);
    return v;
  }

  /**
   * A u64 element count, checked so that `count × minElementSize` bytes can still follow (each
   * element of a bincode sequence takes at least that much), so callers may loop without limits.
   */
  length(reading: string, minElementSize: number): number {
    const at = this.pos;
    const n = this.u64(`${reading} (length prefix)`);
    const max = BigInt(Math.floor(this.remaining / Math.max(1, minElementSize)));
    if (n > max) {
      this.fail(
        'eof',
        reading,
        `length prefix ${n} is larger than the ${this.remaining} byte${this.remaining === 1 ? '' : 's'} left can hold`,
        at,
      );
    }
    return Number(n);
  }

  /** `Vec<u8>`: u64 length + bytes (a copy). */
  byteVec(reading: string): Uint8Array {
    const n = this.length(reading, 1);
    const out = this.bytes.slice(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  string(reading: string): string {
    const n = this.length(reading, 1);
    const start = this.pos;
    let s: string;
    try {
      s = utf8.decode(this.bytes.subarray(start, start + n));
    } catch {
      this.fail('invalid', reading, `invalid UTF-8 in a string of ${n} bytes`, start);
    }
    this.pos += n;
    return s;
  }

  option<T>(reading: string, read: () => T): T | null {
    const at = this.pos;
    const tag = this.u8(`${reading} (Option tag)`);
    if (tag === 0) return null;
    if (tag !== 1) this.fail('invalid', reading, `invalid value: integer \`${tag}\`, expected an Option tag (0 or 1)`, at);
    return read();
  }

  vec<T>(reading: string, minElementSize: number, read: (index: number) => T): T[] {
    const n = this.length(reading, minElementSize);
    const out: T[] = [];
    for (let i = 0; i < n; i++) out.push(read(i));
    return out;
  }

  /** Runs `read` one nesting level deeper; fails past `maxDepth` instead of blowing the stack. */
  nested<T>(reading: string, read: () => T): T {
    if (this.depth >= this.maxDepth) this.fail('invalid', reading, `values nested deeper than ${this.maxDepth} levels`);
    this.depth++;
    try {
      return read();
    } finally {
      this.depth--;
    }
  }
}

/** Grows a buffer while writing; the same encoding rules as `BincodeReader`. */
export class BincodeWriter {
  private buf = new Uint8Array(256);
  private view = new DataView(this.buf.buffer);
  private pos = 0;

  private bad(what: string, message: string): never {
    throw new ApxmError('E_PROGRAM_INVALID', `cannot encode ${what}: ${message}`, {
      hint: 'the artifact model holds a value outside the range of its wire type',
    });
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  /** Bytes written so far. */
  get size(): number {
    return this.pos;
  }

  u8(v: number, what = 'u8'): void {
    if (!Number.isInteger(v) || v < 0 || v > 0xff) this.bad(what, `${v} is not a u8`);
    this.ensure(1);
    this.buf[this.pos++] = v;
  }

  bool(v: boolean): void {
    this.ensure(1);
    this.buf[this.pos++] = v ? 1 : 0;
  }

  u32(v: number, what = 'u32'): void {
    if (!Number.isInteger(v) || v < 0 || v > U32_MAX) this.bad(what, `${v} is not a u32`);
    this.ensure(4);
    this.view.setUint32(this.pos, v, true);
    this.pos += 4;
  }

  u64(v: bigint | number, what = 'u64'): void {
    const b = typeof v === 'bigint' ? v : Number.isSafeInteger(v) ? BigInt(v) : this.bad(what, `${v} is not an integer`);
    if (b < 0n || b > U64_MAX) this.bad(what, `${b} is not a u64`);
    this.ensure(8);
    this.view.setBigUint64(this.pos, b, true);
    this.pos += 8;
  }

  i64(v: bigint, what = 'i64'): void {
    if (v < I64_MIN || v > I64_MAX) this.bad(what, `${v} is not an i64`);
    this.ensure(8);
    this.view.setBigInt64(this.pos, v, true);
    this.pos += 8;
  }

  /** Writes `bits` verbatim when given (exact NaN payloads), else the number's binary64 form. */
  f64(value: number, bits?: bigint): void {
    this.ensure(8);
    if (bits !== undefined) this.view.setBigUint64(this.pos, bits & U64_MAX, true);
    else this.view.setFloat64(this.pos, value, true);
    this.pos += 8;
  }

  length(n: number, what = 'length'): void {
    this.u64(n, what);
  }

  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  byteVec(b: Uint8Array): void {
    this.length(b.length);
    this.bytes(b);
  }

  string(s: string, what = 'string'): void {
    // A JS string may hold lone surrogates, which have no UTF-8 form (Rust strings cannot hold them).
    if (/\p{Cs}/u.test(s)) this.bad(what, `${JSON.stringify(s.slice(0, 40))} contains a lone UTF-16 surrogate`);
    const b = utf8Encoder.encode(s);
    this.length(b.length);
    this.bytes(b);
  }

  option<T>(v: T | null | undefined, write: (v: T) => void): void {
    if (v === null || v === undefined) this.u8(0);
    else {
      this.u8(1);
      write(v);
    }
  }

  vec<T>(items: readonly T[], write: (item: T, index: number) => void): void {
    this.length(items.length);
    items.forEach(write);
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
}

/** UTF-8 byte order comparison (what Rust's `str` ordering is), not UTF-16 code-unit order. */
export function compareUtf8(a: string, b: string): number {
  if (a === b) return 0;
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
