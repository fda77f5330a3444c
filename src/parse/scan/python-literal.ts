/**
 * A small parser for the Python literals Llama writes in tool calls: what `ast.literal_eval`
 * accepts for strings, numbers, True/False/None, lists, tuples (→ arrays), dicts (→ objects) and
 * sets (→ arrays), plus call expressions `name(k=v, ...)` with keyword-only arguments (Llama 3.2
 * python-list tool calls, checked the way Meta's `is_valid_python_list` checks them).
 *
 * Nothing here throws: every entry point returns `undefined` when the text is not valid.
 */
import { charIs, ID_START, NAME, PY_BLANK, WORD } from "./chars.js";

/** Result of a successful parse. */
export interface PyCall {
  name: string;
  args: Record<string, unknown>;
}

const MAX_DEPTH = 200;

class Fail extends Error {}


/** One escape of a Python string body: `\n`, `\x41`, `\u00e9`, `\U0001F326`, `\101`, a line continuation, any other `\c`. */
const ESCAPE = /\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{1,3}|[^])?/g;
const SIMPLE_ESCAPES: Record<string, string> = { "\n": "", "\\": "\\", "'": "'", '"': '"', a: "\x07", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t", v: "\v" };

/**
 * Decodes the body of a Python string literal (the text between the quotes) the way Python does
 * for a non-raw string: `\\n`, `\\t`, `\\xhh`, `\\uXXXX`, ... Unknown escapes are kept verbatim
 * (Python keeps `\\d` as backslash + d).
 */
export function decodePyStringBody(body: string): string {
  if (!body.includes("\\")) return body;
  return body.replace(ESCAPE, (escape, what: string | undefined) => {
    if (what === undefined) return escape; // a backslash at the very end
    const simple = SIMPLE_ESCAPES[what];
    if (simple !== undefined) return simple;
    const c = what[0]!;
    if (c >= "0" && c <= "7") return String.fromCodePoint(parseInt(what, 8));
    if (what.length > 1) {
      const cp = parseInt(what.slice(1), 16);
      // Python would raise for a code point past U+10FFFF: keep the text rather than lose it.
      if (cp <= 0x10ffff) return String.fromCodePoint(cp);
    }
    return escape;
  });
}

/** True when `s[i]` starts a string literal: a quote, or `r`/`u` (any case) and a quote. */
function startsString(s: string, i: number): boolean {
  const c = s[i];
  return c === '"' || c === "'" || ((c === "r" || c === "R" || c === "u" || c === "U") && (s[i + 1] === '"' || s[i + 1] === "'"));
}

class PyParser {
  pos = 0;
  depth = 0;
  constructor(readonly s: string) {}

  ws(): void {
    const s = this.s;
    while (this.pos < s.length) {
      const c = s[this.pos]!;
      if (charIs(c, PY_BLANK)) this.pos++;
      else if (c === "\\" && s[this.pos + 1] === "\n") this.pos += 2;
      else break;
    }
  }

  /** Skips whitespace, then `c` if it is next: true when it was. */
  eat(c: string): boolean {
    this.ws();
    if (this.s[this.pos] !== c) return false;
    this.pos++;
    return true;
  }

  expect(c: string): void {
    if (!this.eat(c)) throw new Fail();
  }

  ident(): string {
    const start = this.pos;
    if (!charIs(this.s[this.pos], ID_START)) throw new Fail();
    while (charIs(this.s[this.pos], WORD)) this.pos++;
    return this.s.slice(start, this.pos);
  }

  value(): unknown {
    if (++this.depth > MAX_DEPTH) throw new Fail();
    try {
      this.ws();
      const c = this.s[this.pos];
      if (startsString(this.s, this.pos)) return this.strings();
      if (this.eat("[")) return this.items("]", []);
      if (c === "(") return this.tuple();
      if (c === "{") return this.dict();
      if (c === "-" || c === "+") {
        this.pos++;
        const v = this.value();
        if (typeof v !== "number") throw new Fail();
        return c === "-" ? -v : v;
      }
      if ((c !== undefined && c >= "0" && c <= "9") || c === ".") return this.number();
      const id = this.ident();
      if (id === "True") return true;
      if (id === "False") return false;
      if (id === "None") return null;
      throw new Fail();
    } finally {
      this.depth--;
    }
  }
  number(): number {
    const rest = this.s.slice(this.pos, this.pos + 400);
    const m = /^(?:0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|(?:\d[\d_]*)?(?:\.\d[\d_]*|\.)?(?:[eE][+-]?\d[\d_]*)?)/.exec(rest);
    const text = m?.[0] ?? "";
    if (text === "" || text === "." || text.endsWith("_") || /__/.test(text)) throw new Fail();
    this.pos += text.length;
    if (charIs(this.s[this.pos], WORD)) throw new Fail(); // 3j, 1abc
    const clean = text.replace(/_/g, "");
    if (/^0[xXoObB]/.test(clean)) return Number(clean);
    // Python forbids leading zeros in non-zero decimal integers ("007").
    if (/^0\d/.test(clean) && !/[.eE]/.test(clean) && !/^0+$/.test(clean)) throw new Fail();
    const n = Number(clean.startsWith(".") ? "0" + clean : clean.endsWith(".") ? clean + "0" : clean);
    if (Number.isNaN(n)) throw new Fail();
    return n;
  }

  /** One or more adjacent string literals (Python concatenates them). */
  strings(): string {
    let out = this.string();
    for (;;) {
      const save = this.pos;
      this.ws();
      if (!startsString(this.s, this.pos)) {
        this.pos = save;
        return out;
      }
      out += this.string();
    }
  }

  string(): string {
    let raw = false;
    const p = this.s[this.pos];
    if (p === "r" || p === "R") {
      raw = true;
      this.pos++;
    } else if (p === "u" || p === "U") {
      this.pos++;
    }
    const q = this.s[this.pos]!;
    const triple = this.s.startsWith(q + q + q, this.pos);
    this.pos += triple ? 3 : 1;
    const start = this.pos;
    const s = this.s;
    for (;;) {
      const c = s[this.pos];
      if (c === undefined) throw new Fail();
      if (c === "\\") {
        this.pos += 2;
        continue;
      }
      if (!triple && (c === "\n" || c === "\r")) throw new Fail();
      if (c === q && (!triple || s.startsWith(q + q + q, this.pos))) {
        const body = s.slice(start, this.pos);
        this.pos += triple ? 3 : 1;
        return raw ? body : decodePyStringBody(body);
      }
      this.pos++;
    }
  }

  /** The rest of a comma-separated sequence (trailing comma allowed) up to and including `close`. */
  items(close: string, out: unknown[]): unknown[] {
    for (;;) {
      if (this.eat(close)) return out;
      out.push(this.value());
      if (this.eat(",")) continue;
      this.expect(close);
      return out;
    }
  }

  tuple(): unknown {
    this.pos++; // (
    if (this.eat(")")) return [];
    const first = this.value();
    if (this.eat(")")) return first; // parenthesised expression, not a tuple
    this.expect(",");
    return this.items(")", [first]);
  }

  dict(): unknown {
    this.pos++; // {
    if (this.eat("}")) return {};
    const firstKey = this.value();
    if (!this.eat(":")) {
      // a set literal → array
      const out: unknown[] = [firstKey];
      for (;;) {
        if (this.eat("}")) return out;
        this.expect(",");
        if (this.eat("}")) return out;
        out.push(this.value());
      }
    }
    const out: Record<string, unknown> = {};
    let key: unknown = firstKey;
    for (;;) {
      defineKey(out, key, this.value());
      if (this.eat("}")) return out;
      this.expect(",");
      if (this.eat("}")) return out;
      key = this.value();
      this.expect(":");
    }
  }

  /** A tool name as a callee (`add-note`, `server/tool`): 1 to 128 of `A-Z a-z 0-9 _ - . : /`. */
  toolName(): string {
    const start = this.pos;
    while (this.pos < this.s.length && this.pos - start <= 128 && charIs(this.s[this.pos]!, NAME)) this.pos++;
    if (this.pos === start || this.pos - start > 128) throw new Fail();
    return this.s.slice(start, this.pos);
  }

  /** `name(k=v, ...)` with keyword arguments only. */
  call(toolNames: boolean): PyCall {
    this.ws();
    const name = toolNames ? this.toolName() : this.ident();
    this.expect("(");
    const args: Record<string, unknown> = {};
    for (;;) {
      if (this.eat(")")) return { name, args };
      const k = this.ident();
      if (k === "True" || k === "False" || k === "None") throw new Fail();
      this.expect("=");
      if (this.s[this.pos] === "=") throw new Fail(); // `k == v` is a comparison, a positional argument
      const v = this.value();
      if (Object.hasOwn(args, k)) throw new Fail(); // Python: SyntaxError, keyword argument repeated
      defineKey(args, k, v);
      if (this.eat(",")) continue;
      this.expect(")");
      return { name, args };
    }
  }
}

function defineKey(obj: Record<string, unknown>, key: unknown, value: unknown): void {
  let k: string;
  if (typeof key === "string") k = key;
  else if (typeof key === "number") k = String(key);
  else if (typeof key === "boolean") k = key ? "True" : "False";
  else if (key === null) k = "None";
  else throw new Fail(); // lists/dicts are not hashable in Python
  Object.defineProperty(obj, k, { value, enumerable: true, writable: true, configurable: true });
}

/** Parses a complete Python literal (the whole text, surrounding whitespace allowed). */
export function parsePyLiteral(text: string): { value: unknown } | undefined {
  try {
    const p = new PyParser(text);
    const value = p.value();
    p.ws();
    if (p.pos !== text.length) return undefined;
    return { value };
  } catch {
    return undefined;
  }
}

/**
 * Parses a complete call expression `name(k=v, ...)` (keyword arguments only, Python literal values).
 * The callee is a Python identifier, or with `toolNames` any tool name (`add-note(x=1)`, which
 * llama-stack accepts for MCP tools).
 */
export function parsePyCall(text: string, toolNames = false): PyCall | undefined {
  try {
    const p = new PyParser(text);
    const call = p.call(toolNames);
    p.ws();
    if (p.pos !== text.length) return undefined;
    return call;
  } catch {
    return undefined;
  }
}
