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


/**
 * Decodes the body of a Python string literal (the text between the quotes) the way Python does
 * for a non-raw string: `\\n`, `\\t`, `\\xhh`, `\\uXXXX`, ... Unknown escapes are kept verbatim
 * (Python keeps `\\d` as backslash + d).
 */
export function decodePyStringBody(body: string): string {
  if (!body.includes("\\")) return body;
  let out = "";
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c !== "\\" || i + 1 >= body.length) {
      out += c;
      continue;
    }
    const n = body[++i]!;
    switch (n) {
      case "\n": break; // line continuation
      case "\\": out += "\\"; break;
      case "'": out += "'"; break;
      case '"': out += '"'; break;
      case "a": out += "\x07"; break;
      case "b": out += "\b"; break;
      case "f": out += "\f"; break;
      case "n": out += "\n"; break;
      case "r": out += "\r"; break;
      case "t": out += "\t"; break;
      case "v": out += "\v"; break;
      case "x":
      case "u":
      case "U": {
        const len = n === "x" ? 2 : n === "u" ? 4 : 8;
        const hex = body.slice(i + 1, i + 1 + len);
        const cp = /^[0-9a-fA-F]+$/.test(hex) && hex.length === len ? parseInt(hex, 16) : NaN;
        if (Number.isNaN(cp) || cp > 0x10ffff) {
          out += "\\" + n; // Python would raise; keep the text rather than lose it
        } else {
          out += String.fromCodePoint(cp);
          i += len;
        }
        break;
      }
      default:
        if (n >= "0" && n <= "7") {
          let oct = n;
          while (oct.length < 3 && body[i + 1] !== undefined && body[i + 1]! >= "0" && body[i + 1]! <= "7") oct += body[++i];
          out += String.fromCodePoint(parseInt(oct, 8));
        } else {
          out += "\\" + n;
        }
    }
  }
  return out;
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

  peek(): string | undefined {
    return this.s[this.pos];
  }

  expect(c: string): void {
    if (this.s[this.pos] !== c) throw new Fail();
    this.pos++;
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
      const c = this.peek();
      if (c === undefined) throw new Fail();
      if (c === '"' || c === "'") return this.strings();
      if ((c === "r" || c === "R" || c === "u" || c === "U") && (this.s[this.pos + 1] === '"' || this.s[this.pos + 1] === "'")) {
        return this.strings();
      }
      if (c === "[") return this.seq("[", "]");
      if (c === "(") return this.tuple();
      if (c === "{") return this.dict();
      if (c === "-" || c === "+") {
        this.pos++;
        const v = this.value();
        if (typeof v !== "number") throw new Fail();
        return c === "-" ? -v : v;
      }
      if (c >= "0" && c <= "9" || c === ".") return this.number();
      if (charIs(c, ID_START)) {
        const id = this.ident();
        if (id === "True") return true;
        if (id === "False") return false;
        if (id === "None") return null;
        throw new Fail();
      }
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
      const c = this.peek();
      if (c === '"' || c === "'" || ((c === "r" || c === "R" || c === "u" || c === "U") && (this.s[this.pos + 1] === '"' || this.s[this.pos + 1] === "'"))) {
        out += this.string();
      } else {
        this.pos = save;
        return out;
      }
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

  seq(open: string, close: string): unknown[] {
    this.expect(open);
    return this.#items(close, []);
  }

  /** The rest of a comma-separated sequence (trailing comma allowed) up to and including `close`. */
  #items(close: string, out: unknown[]): unknown[] {
    for (;;) {
      this.ws();
      if (this.peek() === close) {
        this.pos++;
        return out;
      }
      out.push(this.value());
      this.ws();
      if (this.peek() === ",") {
        this.pos++;
        continue;
      }
      this.expect(close);
      return out;
    }
  }

  tuple(): unknown {
    this.expect("(");
    this.ws();
    if (this.peek() === ")") {
      this.pos++;
      return [];
    }
    const first = this.value();
    this.ws();
    if (this.peek() === ")") {
      this.pos++;
      return first; // parenthesised expression, not a tuple
    }
    this.expect(",");
    return this.#items(")", [first]);
  }

  dict(): unknown {
    this.expect("{");
    this.ws();
    if (this.peek() === "}") {
      this.pos++;
      return {};
    }
    const firstKey = this.value();
    this.ws();
    if (this.peek() !== ":") {
      // a set literal → array
      const out: unknown[] = [firstKey];
      for (;;) {
        this.ws();
        if (this.peek() === "}") {
          this.pos++;
          return out;
        }
        if (this.peek() !== ",") throw new Fail();
        this.pos++;
        this.ws();
        if (this.peek() === "}") {
          this.pos++;
          return out;
        }
        out.push(this.value());
      }
    }
    const out: Record<string, unknown> = {};
    let key: unknown = firstKey;
    for (;;) {
      this.expect(":");
      const v = this.value();
      defineKey(out, key, v);
      this.ws();
      if (this.peek() === "}") {
        this.pos++;
        return out;
      }
      this.expect(",");
      this.ws();
      if (this.peek() === "}") {
        this.pos++;
        return out;
      }
      key = this.value();
      this.ws();
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
    this.ws();
    this.expect("(");
    const args: Record<string, unknown> = {};
    const seen = new Set<string>();
    for (;;) {
      this.ws();
      if (this.peek() === ")") {
        this.pos++;
        return { name, args };
      }
      const k = this.ident();
      if (k === "True" || k === "False" || k === "None") throw new Fail();
      this.ws();
      this.expect("=");
      if (this.peek() === "=") throw new Fail(); // `k == v` is a comparison, a positional argument
      const v = this.value();
      if (seen.has(k)) throw new Fail(); // Python: SyntaxError, keyword argument repeated
      seen.add(k);
      defineKey(args, k, v);
      this.ws();
      if (this.peek() === ",") {
        this.pos++;
        continue;
      }
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
