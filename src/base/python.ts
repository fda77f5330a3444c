/**
 * Python-compatible serialisation. The official template runs under transformers, whose `tojson`
 * is `json.dumps(x, ensure_ascii=False, indent=...)` and whose `trim` is `str.strip()`. Most byte
 * mismatches between JavaScript renderers and the real prompt come from the small differences
 * between those and `JSON.stringify` / `String.prototype.trim`: separators (`", "`, `": "`), float
 * formatting (`1e-05` vs `0.00001`), which characters count as whitespace. They all live here.
 */
import { SerializationError, type ErrorPath } from "./errors.js";

/**
 * Deepest nesting accepted in JSON values. Python's `json.dumps` fails with a RecursionError near
 * depth 1000; deeper values throw a `SerializationError` here instead of overflowing the stack.
 */
export const MAX_JSON_DEPTH = 1000;

/** Options of {@link pyJsonDumps}, named after Python's. */
export interface PyJsonOptions {
  /** Indent width; `undefined` writes one line with `", "` and `": "` separators. */
  indent?: number;
  /** Python's `ensure_ascii` (default false): write every non-ASCII character (and DEL) as `\uXXXX`, per UTF-16 unit. */
  ensureAscii?: boolean;
}

/**
 * `json.dumps(value, ensure_ascii=False, indent=indent)` as Python writes it.
 *
 * JavaScript values map to Python ones as follows: integer-valued numbers and BigInts are Python
 * ints (`1`, never `1.0`); other numbers are floats in Python's `repr` (`0.1`, `1e-05`); objects
 * keep insertion order (but JavaScript lists integer-like keys first); a key whose value is
 * `undefined` is left out, as `JSON.stringify` does; `toJSON()` is honoured. NaN, ±Infinity,
 * functions, symbols, `undefined` array items and cycles throw a {@link SerializationError}:
 * Python would write `NaN`, which is not JSON, and the rest have no Python equivalent.
 */
export function pyJsonDumps(value: unknown, options: PyJsonOptions = {}, path: ErrorPath = []): string {
  const indent = options.indent;
  const ensureAscii = options.ensureAscii ?? false;
  // The containers being written (cycle check) and one mutable path, copied only when an error is
  // thrown: this runs for every render, so it avoids per-node allocation.
  const open: object[] = [];
  const at: Array<string | number> = [...path];
  const pad: string[] = [];
  const newline = (level: number) => (pad[level] ??= "\n" + " ".repeat((indent ?? 0) * level));
  let out = "";

  const write = (v: unknown, level: number): void => {
    if (v !== null && typeof v === "object" && typeof (v as { toJSON?: unknown }).toJSON === "function") {
      v = (v as { toJSON: (key: string) => unknown }).toJSON(String(at[at.length - 1] ?? ""));
    }
    if (v === null) {
      out += "null";
      return;
    }
    switch (typeof v) {
      case "string":
        out += pyJsonString(v, ensureAscii);
        return;
      case "boolean":
        out += v ? "true" : "false";
        return;
      case "number":
        out += pyNumber(v, at);
        return;
      case "bigint":
        out += v.toString();
        return;
      case "object":
        break;
      default:
        throw new SerializationError(`a ${typeof v} cannot be written as JSON`, [...at]);
    }
    const obj = v as object;
    if (open.includes(obj)) throw new SerializationError("circular reference", [...at]);
    if (level >= MAX_JSON_DEPTH) throw new SerializationError(`nested deeper than ${MAX_JSON_DEPTH} levels`, at.slice(0, 20));
    if (obj instanceof Map || obj instanceof Set) {
      throw new SerializationError(`a ${obj.constructor.name} cannot be written as JSON; convert it to an object or array`, [...at]);
    }
    open.push(obj);
    const isArray = Array.isArray(obj);
    const keys = isArray ? null : Object.keys(obj).filter((k) => (obj as Record<string, unknown>)[k] !== undefined);
    const n = isArray ? (obj as unknown[]).length : keys!.length;
    if (n === 0) {
      out += isArray ? "[]" : "{}";
    } else {
      const inner = indent === undefined ? "" : newline(level + 1);
      const sep = indent === undefined ? ", " : ",";
      out += isArray ? "[" : "{";
      for (let i = 0; i < n; i++) {
        if (i > 0) out += sep;
        out += inner;
        let x: unknown;
        if (isArray) {
          x = (obj as unknown[])[i];
          at.push(i);
          if (x === undefined) throw new SerializationError("undefined cannot be written as JSON", [...at]);
        } else {
          const k = keys![i]!;
          x = (obj as Record<string, unknown>)[k];
          at.push(k);
          out += pyJsonString(k, ensureAscii) + ": ";
        }
        write(x, level + 1);
        at.pop();
      }
      out += (indent === undefined ? "" : newline(level)) + (isArray ? "]" : "}");
    }
    open.pop();
  };

  write(value, 0);
  return out;
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

/**
 * A JSON string literal as Python's `json.dumps(s, ensure_ascii=False)` writes it; with `ensureAscii`,
 * as plain `json.dumps(s)` (`ensure_ascii=True`) writes it.
 */
export function pyJsonString(s: string, ensureAscii = false): string {
  if (ensureAscii) return '"' + s.replace(ESCAPE_ASCII, escapeChar) + '"';
  if (!NEEDS_ESCAPE.test(s)) return '"' + s + '"';
  // eslint-disable-next-line no-control-regex
  return '"' + s.replace(/["\\\u0000-\u001f]/g, (c) => ESCAPES[c] ?? "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0")) + '"';
}

/**
 * A number as Python writes it (`str()`, `repr()` and `json.dumps` agree for finite numbers).
 * Safe integers are written as Python ints (JSON has no int/float distinction and integers are what
 * tool arguments almost always mean); other numbers as Python floats (`0.1`, `1e-05`, `1e+16`).
 */
export function pyNumber(n: number, path: ErrorPath = []): string {
  if (!Number.isFinite(n)) {
    throw new SerializationError(`${n} cannot be written as JSON (Python would write the non-JSON literal ${n > 0 ? "Infinity" : n < 0 ? "-Infinity" : "NaN"})`, [...path]);
  }
  // Safe integers are Python ints. Beyond 2^53 a JavaScript number cannot hold an exact integer, so
  // it came from a float (JSON `1e20`): write it as Python writes floats. (Pass a BigInt for a big int.)
  if (Number.isSafeInteger(n)) return Object.is(n, -0) ? "0" : String(n);
  const exp = n.toExponential(); // shortest round-trip digits, like Python's repr
  const m = /^(-?[\d.]+)e([+-])(\d+)$/.exec(exp)!;
  const e = Number(m[3]) * (m[2] === "-" ? -1 : 1);
  // Python's repr uses exponent form below 1e-4 and from 1e16 on, with at least two exponent digits.
  if (e < -4) return `${m[1]}e-${m[3]!.padStart(2, "0")}`;
  if (e >= 16) return `${m[1]}e+${m[3]!.padStart(2, "0")}`;
  return Number.isInteger(n) ? `${n.toString()}.0` : n.toString();
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
  let start = 0;
  let end = s.length;
  while (start < end && isPySpace(s[start]!)) start++;
  while (end > start && isPySpace(s[end - 1]!)) end--;
  return start === 0 && end === s.length ? s : s.slice(start, end);
}
