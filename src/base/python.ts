/**
 * Python-compatible serialisation. The official template runs under transformers, whose `tojson`
 * is `json.dumps(x, ensure_ascii=False, indent=...)` and whose `trim` is `str.strip()`. Most byte
 * mismatches between JavaScript renderers and the real prompt come from the small differences
 * between those and `JSON.stringify` / `String.prototype.trim`: separators (`", "`, `": "`), float
 * formatting (`1e-05` vs `0.00001`), which characters count as whitespace. They all live here.
 */
import { describeValue, InvalidArgumentError, isLlamaPromptError, SerializationError, type ErrorPath } from "./errors.js";
import { MAX_JSON_DEPTH, walkJson, type JsonPath, type JsonStyle } from "./walk.js";

export { MAX_JSON_DEPTH };

/**
 * Most values (scalars, array items, object entries) one {@link plainJson} snapshot may hold. A
 * bound on memory and time: shared sub-objects are copied once per place they appear, so a small
 * object graph can stand for an exponentially large JSON value.
 */
export const MAX_JSON_VALUES = 1_000_000;

/** Options of {@link plainJson}. */
export interface PlainJsonOptions {
  /**
   * Called with every string of the value — object keys included — and its path (a mutable array:
   * copy it to keep it); returns the string to keep in the snapshot. May throw.
   */
  onString?: (s: string, path: ErrorPath) => string;
  /** A value budget shared by several calls (one render); default a fresh {@link MAX_JSON_VALUES}. */
  budget?: { left: number };
  /**
   * A snapshot this function returned for an earlier state of the value. Every part of the new
   * snapshot that equals the same part of `previous` is that part (the same object), so a value
   * that did not change gives back `previous` itself, and what was derived from a snapshot can be
   * cached by its identity (the renderer's tool definitions). Everything is still read.
   */
  previous?: unknown;
}

const NOT_BOXED: unique symbol = Symbol("not boxed");

/** The primitive inside a Number, String, Boolean or BigInt object (as JSON.stringify unwraps them). */
function unbox(obj: object): unknown {
  for (const valueOf of [Number.prototype.valueOf, String.prototype.valueOf, Boolean.prototype.valueOf, BigInt.prototype.valueOf]) {
    try {
      return (valueOf as (this: unknown) => unknown).call(obj);
    } catch {
      // not this kind of box
    }
  }
  return NOT_BOXED;
}

/**
 * A snapshot of `value` as plain JSON data — the one place where caller-supplied JSON values (tool
 * arguments, tool results, tool definitions, template variables) are read. Every property is read
 * exactly once, so what is checked afterwards is what is written: a getter cannot answer
 * differently on a second read, a Proxy cannot change its mind, a class cannot serialise itself as
 * something else later.
 *
 * JSON semantics, as `JSON.stringify` reads a value, with Python's limits:
 * - `toJSON()` is called (once) and its result is used (a `Date` becomes its ISO string);
 * - boxed primitives (`new String("x")`) are unwrapped;
 * - an object contributes its own enumerable string-keyed properties (class instances and
 *   `Object.create(proto)` objects included; inherited, non-enumerable and symbol-keyed properties
 *   are not read); a property whose value is `undefined` is left out; an own `__proto__` key is kept;
 * - BigInts stay BigInts (Python ints).
 *
 * Refused with a {@link SerializationError} naming the path: functions, symbols, `undefined` array
 * items and holes, NaN and ±Infinity, `Map`, `Set`, `WeakMap`, `WeakSet`, binary data (typed arrays,
 * `ArrayBuffer`), cycles, nesting deeper than {@link MAX_JSON_DEPTH}, more than
 * {@link MAX_JSON_VALUES} values, and anything that throws while being read (a getter, `toJSON`, a
 * revoked Proxy).
 *
 * @param path where `value` sits, from the root of the public argument (the start of error paths)
 */
export function plainJson(value: unknown, path: ErrorPath = [], options: PlainJsonOptions = {}): unknown {
  const w: Walk = { root: path.length, at: [...path], open: [], onString: options.onString, budget: options.budget ?? { left: MAX_JSON_VALUES } };
  return copyJson(w, value, 0, false, options.previous);
}

/** The state of one {@link plainJson} walk (a plain object rather than closures: this runs per render). */
interface Walk {
  /** Length of the given path: keys past it are inside the value. */
  root: number;
  /** The current path (mutable; copied into errors). */
  at: Array<string | number>;
  /** The containers being copied (cycle check). */
  open: object[];
  onString: ((s: string, path: ErrorPath) => string) | undefined;
  budget: { left: number };
}

/** Sets an own enumerable data property (`__proto__` included, which `rec[key] = y` would not create). */
function defineJsonKey(rec: Record<string, unknown>, key: string, y: unknown): void {
  if (key === "__proto__") Object.defineProperty(rec, key, { value: y, enumerable: true, writable: true, configurable: true });
  else rec[key] = y;
}

function walkError(w: Walk, message: string, cause?: unknown): SerializationError {
  return new SerializationError(message, w.at.slice(0, 64), cause === undefined ? undefined : { cause });
}

/** Copies `v`; `prev`: the same part of the previous snapshot, given back where nothing differs. */
function copyJson(w: Walk, v: unknown, depth: number, fromToJSON: boolean, prev?: unknown): unknown {
  if (--w.budget.left < 0) throw walkError(w, `more than ${MAX_JSON_VALUES} values in one input`);
  switch (typeof v) {
    case "string":
      return w.onString === undefined ? v : w.onString(v, w.at);
    case "number":
      if (!Number.isFinite(v)) throw walkError(w, `${v} cannot be written as JSON (Python would write the non-JSON literal ${v})`); // NaN, Infinity, -Infinity: the same names
      return v;
    case "boolean":
    case "bigint":
      return v;
    case "undefined":
    case "symbol":
    case "function":
      throw walkError(w, `${describeValue(v)} cannot be written as JSON`); // "undefined", "a symbol", "a function"
  }
  if (v === null) return null;
  const obj = v as object;
  try {
    if (!fromToJSON) {
      const toJSON = (obj as { toJSON?: unknown }).toJSON;
      if (typeof toJSON === "function") {
        const key = w.at.length > w.root ? String(w.at[w.at.length - 1]) : "";
        return copyJson(w, (toJSON as (k: string) => unknown).call(obj, key), depth, true, prev);
      }
    }
    const isArray = Array.isArray(obj);
    if (!isArray) {
      const proto: unknown = Object.getPrototypeOf(obj);
      if (proto !== Object.prototype && proto !== null) {
        for (const kind of [Map, Set, WeakMap, WeakSet]) {
          if (obj instanceof kind) throw walkError(w, `a ${kind.name} cannot be written as JSON; convert it to an object or array`);
        }
        if (ArrayBuffer.isView(obj) || obj instanceof ArrayBuffer) throw walkError(w, "binary data cannot be written as JSON; convert it to an array or a string");
        const boxed = unbox(obj);
        if (boxed !== NOT_BOXED) return copyJson(w, boxed, depth, true, prev);
      }
    }
    // The containers being copied are open[0..depth) (entries past them are stale).
    const open = w.open;
    for (let j = 0; j < depth; j++) if (open[j] === obj) throw walkError(w, "circular reference");
    if (depth >= MAX_JSON_DEPTH) {
      w.at.length = Math.min(w.at.length, 20);
      throw walkError(w, `nested deeper than ${MAX_JSON_DEPTH} levels`);
    }
    open[depth] = obj;
    return isArray ? copyArray(w, obj as unknown[], depth, prev) : copyRecord(w, obj as Record<string, unknown>, depth, prev);
  } catch (e) {
    if (isLlamaPromptError(e)) throw e;
    throw walkError(w, "could not be read (a getter, toJSON() or Proxy trap threw)", e);
  }
}

/** The items of an array (its length checked), as {@link copyJson} copies them. */
function copyArray(w: Walk, obj: unknown[], depth: number, prev: unknown): unknown[] {
  const n: unknown = obj.length;
  if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 0) throw walkError(w, "an array whose length is not a valid length");
  if (n > w.budget.left) throw walkError(w, `more than ${MAX_JSON_VALUES} values in one input`);
  // Built only once it differs from the previous snapshot (which it equals so far).
  const before = Array.isArray(prev) && prev.length === n ? (prev as unknown[]) : undefined;
  let arr: unknown[] | undefined = before === undefined ? [] : undefined;
  const at = w.at;
  for (let i = 0; i < n; i++) {
    const p = before === undefined ? undefined : before[i];
    at.push(i);
    const y = copyJson(w, obj[i], depth + 1, false, p);
    at.pop();
    if (arr === undefined && !Object.is(y, p)) arr = before!.slice(0, i);
    if (arr !== undefined) arr.push(y);
  }
  return arr ?? before!;
}

/** The entries of an object whose value is not `undefined`, as {@link copyJson} copies them. */
function copyRecord(w: Walk, obj: Record<string, unknown>, depth: number, prev: unknown): Record<string, unknown> {
  const before = prev !== null && typeof prev === "object" && !Array.isArray(prev) ? (prev as Record<string, unknown>) : undefined;
  const beforeKeys = before === undefined ? undefined : Object.keys(before);
  let rec: Record<string, unknown> | undefined = before === undefined ? {} : undefined;
  let written = 0;
  const at = w.at;
  const keys = Object.keys(obj);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    const x = obj[k];
    if (x === undefined) continue;
    at.push(k);
    const key = w.onString === undefined ? k : w.onString(k, at);
    // The same part of the previous snapshot: the entry at the same position, if it has this key.
    const same = rec === undefined && beforeKeys![written] === key;
    const p = same ? before![key] : undefined;
    const y = copyJson(w, x, depth + 1, false, p);
    at.pop();
    if (rec === undefined && !(same && Object.is(y, p))) rec = firstEntries(before!, beforeKeys!, written);
    if (rec !== undefined) defineJsonKey(rec, key, y);
    written++;
  }
  // Fewer entries than the previous snapshot: its first ones, and no more.
  if (rec === undefined && written !== beforeKeys!.length) rec = firstEntries(before!, beforeKeys!, written);
  return rec ?? before!;
}

/** A new record with the first `n` entries of a previous snapshot's record. */
function firstEntries(before: Record<string, unknown>, keys: string[], n: number): Record<string, unknown> {
  const rec: Record<string, unknown> = {};
  for (let j = 0; j < n; j++) defineJsonKey(rec, keys[j]!, before[keys[j]!]);
  return rec;
}

/** Options of {@link pyJsonDumps}, named after Python's. */
export interface PyJsonOptions {
  /** Indent width; `undefined` writes one line with `", "` and `": "` separators. */
  indent?: number;
  /** Python's `ensure_ascii` (default false): write every non-ASCII character (and DEL) as `\uXXXX`, per UTF-16 unit. */
  ensureAscii?: boolean;
}

/**
 * `json.dumps(value, ensure_ascii=False, indent=indent)` as Python writes it, for plain JSON data
 * (what {@link plainJson} returns; the renderers write nothing else).
 *
 * JavaScript values map to Python ones as follows: integer-valued numbers and BigInts are Python
 * ints (`1`, never `1.0`); other numbers are floats in Python's `repr` (`0.1`, `1e-05`); objects
 * keep insertion order (but JavaScript lists integer-like keys first); a key whose value is
 * `undefined` is left out. NaN and ±Infinity throw a {@link SerializationError} (Python would write
 * `NaN`, which is not JSON); so does anything that is not JSON data, and nesting deeper than
 * {@link MAX_JSON_DEPTH}.
 */
export function pyJsonDumps(value: unknown, options: PyJsonOptions | null = {}, path: ErrorPath = []): string {
  const ensureAscii = !!options?.ensureAscii;
  const indent = options?.indent;
  const id = `${ensureAscii}${indent}`;
  return walkJson(value, (JSON_STYLES[id] ??= jsonStyle(ensureAscii, indent)), path);
}

/**
 * {@link pyJsonDumps} with `ensure_ascii=False` of a {@link plainJson} snapshot (or a part of one),
 * the same text, written faster (the renderers serialise tool definitions, call arguments and tool
 * results on every render). A snapshot was already guarded by the walk that made it: no cycle, no
 * nesting deeper than {@link MAX_JSON_DEPTH}, no `undefined` property, nothing that is not JSON
 * data. So this is a plain recursion over it, without the guards, the style callbacks and the path
 * bookkeeping of {@link walkJson} — and only ever given a snapshot.
 */
export function snapshotJsonDumps(snapshot: unknown, indent?: number): string {
  return dumpSnapshot(snapshot, indent === undefined ? undefined : (INDENTS[indent] ??= []), indent ?? 0, 0);
}

/** Newline + indentation of each level, per indent width, made on first use. */
const INDENTS: Record<number, string[]> = {};

/** `pads`: the indentation lines (no indent: undefined, one line with ", " between items). */
function dumpSnapshot(v: unknown, pads: string[] | undefined, width: number, level: number): string {
  switch (typeof v) {
    case "string":
      return pyJsonString(v);
    case "number":
      return pyNumber(v);
    case "boolean":
      return v ? "true" : "false";
    case "bigint":
      return v.toString();
  }
  if (v === null) return "null";
  const isArray = Array.isArray(v);
  const keys = isArray ? undefined : Object.keys(v as object);
  const n = isArray ? (v as unknown[]).length : keys!.length;
  if (n === 0) return isArray ? "[]" : "{}";
  const inner = pads === undefined ? "" : (pads[level + 1] ??= "\n" + " ".repeat(width * (level + 1)));
  const separator = pads === undefined ? ", " : "," + inner;
  let s = isArray ? "[" + inner : "{" + inner;
  for (let i = 0; i < n; i++) {
    if (i > 0) s += separator;
    if (isArray) s += dumpSnapshot((v as unknown[])[i], pads, width, level + 1);
    else s += pyJsonString(keys![i]!) + ": " + dumpSnapshot((v as Record<string, unknown>)[keys![i]!], pads, width, level + 1);
  }
  const outer = pads === undefined ? "" : (pads[level] ??= "\n" + " ".repeat(width * level));
  return s + outer + (isArray ? "]" : "}");
}

/** The styles of `json.dumps`, by `ensure_ascii` and `indent`, made on first use. */
const JSON_STYLES: Record<string, JsonStyle> = {};

function jsonStyle(ensureAscii: boolean, indent: number | undefined): JsonStyle {
  return {
    indent,
    leaf(v: unknown, at: JsonPath): string {
      switch (typeof v) {
        case "string":
          return pyJsonString(v, ensureAscii);
        case "boolean":
          return v ? "true" : "false";
        case "number":
          return pyNumber(v, at);
        case "bigint":
          return v.toString();
      }
      if (v === null) return "null";
      throw new SerializationError(`${describeValue(v)} cannot be written as JSON`, [...at]);
    },
    key: (k) => pyJsonString(k, ensureAscii) + ": ",
    keys: (obj) => Object.keys(obj).filter((k) => (obj as Record<string, unknown>)[k] !== undefined),
  };
}

const ESCAPES: Record<string, string> = {
  '"': '\\"',
  "\\": "\\\\",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
  "\b": "\\b",
  "\f": "\\f",
};

/** Python's ESCAPE_ASCII: quote, backslash and everything outside printable ASCII. */
const ESCAPE_ASCII = /["\\]|[^\x20-\x7e]/g;

function escapeChar(c: string): string {
  return ESCAPES[c] ?? "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0");
}

// eslint-disable-next-line no-control-regex
const NEEDS_ESCAPE = /["\\\u0000-\u001f]/;
// eslint-disable-next-line no-control-regex
const ESCAPE = /["\\\u0000-\u001f]/g;

/**
 * A JSON string literal as Python's `json.dumps(s, ensure_ascii=False)` writes it; with `ensureAscii`,
 * as plain `json.dumps(s)` (`ensure_ascii=True`) writes it. (A string with nothing to escape, the
 * common case, is not run through `replace`: testing first is faster.)
 */
export function pyJsonString(s: string, ensureAscii = false): string {
  if (ensureAscii) return '"' + s.replace(ESCAPE_ASCII, escapeChar) + '"';
  if (!NEEDS_ESCAPE.test(s)) return '"' + s + '"';
  // JSON.stringify escapes exactly Python's set (quote, backslash, \b \f \n \r \t, other controls as
  // lowercase \u00xx) and is native, but it also escapes lone surrogates, which Python writes as they are.
  return (s as WellFormed).isWellFormed() ? JSON.stringify(s) : '"' + s.replace(ESCAPE, escapeChar) + '"';
}

/** `String.prototype.isWellFormed` (ES2024, in Node 20; the project's lib is ES2022). */
type WellFormed = string & { isWellFormed(): boolean };

/**
 * A number as Python writes it (`str()`, `repr()` and `json.dumps` agree for finite numbers).
 * Safe integers are written as Python ints (JSON has no int/float distinction and integers are what
 * tool arguments almost always mean); other numbers as Python floats (`0.1`, `1e-05`, `1e+16`).
 */
export function pyNumber(n: number, path: ErrorPath = []): string {
  if (!Number.isFinite(n)) {
    throw new SerializationError(`${n} cannot be written as JSON (Python would write the non-JSON literal ${n})`, [...path]);
  }
  // Safe integers are Python ints (String(-0) is "0", as Python writes int(-0.0)). Beyond 2^53 a
  // JavaScript number cannot hold an exact integer, so it came from a float (JSON `1e20`): write it
  // as Python writes floats. (Pass a BigInt for a big int.)
  if (Number.isSafeInteger(n)) return String(n);
  // From 1e-4 up to 1e16 both write the shortest round-trip digits without an exponent (JavaScript
  // does so from 1e-7 to 1e21): the same text, but integers (from 2^53 on) are floats to Python.
  const abs = Math.abs(n);
  if (abs >= 1e-4 && abs < 1e16) return Number.isInteger(n) ? `${n}.0` : String(n);
  // Python's repr: the shortest round-trip digits (toExponential's), in exponent form below 1e-4 and
  // from 1e16 on, with a sign and at least two exponent digits.
  const [digits, exp] = n.toExponential().split("e") as [string, string];
  const e = Number(exp);
  if (e < -4 || e >= 16) return `${digits}e${e < 0 ? "-" : "+"}${String(Math.abs(e)).padStart(2, "0")}`;
  return Number.isInteger(n) ? `${n}.0` : String(n);
}

/**
 * Python's `str(value)` for the scalars the template prints without `tojson`
 * (`True`, `None`, `3.5`).
 */
export function pyStr(value: null | undefined | boolean | number | bigint | string): string {
  if (value === null || value === undefined) return "None";
  if (typeof value === "boolean") return value ? "True" : "False";
  if (typeof value === "number") return pyNumber(value);
  return String(value);
}

/** Characters Python's `str.isspace()` accepts, i.e. what `str.strip()` and Jinja's `trim` remove. */
const PY_SPACE = /^[\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]$/;

/** True when the single character `c` is whitespace to Python. */
export function isPySpace(c: string): boolean {
  const code = c.charCodeAt(0);
  if (code > 0x20 && code < 0x7f) return false; // the common case, without a regex
  return PY_SPACE.test(c);
}

/**
 * Python's `s.strip()` (Jinja's `trim` filter). Differs from `String.prototype.trim` on U+FEFF
 * (kept) and U+001C..U+001F, U+0085 (removed). Scans inward from both ends: linear in the length.
 */
export function pyStrip(s: string): string {
  if (typeof s !== "string") throw new InvalidArgumentError(`expected a string, got ${describeValue(s)}`, ["s"]);
  let start = 0;
  let end = s.length;
  while (start < end && isPySpace(s[start]!)) start++;
  while (end > start && isPySpace(s[end - 1]!)) end--;
  return start === 0 && end === s.length ? s : s.slice(start, end);
}
