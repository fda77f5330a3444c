/**
 * The argument list of a built-in tool call, `brave_search.call(query="...", k='v', n=3)`, scanned
 * one character at a time to find the closing parenthesis.
 *
 * Strings are double- or single-quoted; an escaped quote (`\"`) never closes them, and an
 * unescaped quote closes a string only when what follows it is optional spaces and then either
 * `)` or `,` + spaces + identifier + spaces + `=` (the official hf template writes
 * `query="a "b""` without escaping, so inner quotes must survive). Other values are Python literals
 * (numbers, True/False/None, lists, dicts, tuples) and end at a `,` or `)` outside brackets/strings.
 *
 * In `endAt` mode (used to re-read the arguments when a later `)` is preferred) a `)` after a
 * string closes the call only at the given position.
 */
import { decodePyStringBody, parsePyLiteral } from "./python-literal.js";
import { isIdChar, isIdStart, isJsonWs } from "./chars.js";

export type BuiltinScanStatus = "more" | "close" | "error";

const enum B {
  Key0, // expecting a key or `)`
  Key, // in key
  KeyEnd, // after key, expecting `=`
  Val0, // expecting a value
  Str,
  StrEsc,
  Q0, // after a quote: spaces, then `)` or `,`
  Q1, // after `,`: spaces, then identifier
  Q2, // identifier
  Q3, // spaces, then `=`
  Lit, // literal value
  LitStr,
  LitStrEsc,
  Done,
  Err,
}

interface Kwarg {
  keyStart: number;
  keyEnd: number;
  vStart: number;
  vEnd: number;
  str: boolean;
}

function isSp(c: string): boolean {
  return c === " " || c === "\t";
}

export class BuiltinArgsScanner {
  /** Characters consumed (the closing `)` included once it closes). */
  pos = 0;
  private st: B = B.Key0;
  private q = '"';
  private depth = 0;
  private litQ = '"';
  readonly kwargs: Kwarg[] = [];
  private cur: Kwarg = { keyStart: 0, keyEnd: 0, vStart: 0, vEnd: 0, str: false };
  private pendKeyStart = 0;
  private pendKeyEnd = 0;
  private quotePos = 0;

  constructor(private readonly endAt?: number) {}

  push(c: string): BuiltinScanStatus {
    const r = this.step(c);
    this.pos++;
    if (r === "error") this.st = B.Err;
    if (r === "close") this.st = B.Done;
    return r;
  }

  private step(c: string): BuiltinScanStatus {
    const pos = this.pos;
    for (;;) {
      switch (this.st) {
        case B.Done:
        case B.Err:
          return "error";
        case B.Key0:
          if (isJsonWs(c)) return "more";
          if (c === ")") return this.closeAt(pos) ? "close" : "error";
          if (isIdStart(c)) {
            this.cur = { keyStart: pos, keyEnd: pos, vStart: 0, vEnd: 0, str: false };
            this.st = B.Key;
            return "more";
          }
          return "error";
        case B.Key:
          if (isIdChar(c)) return "more";
          this.cur.keyEnd = pos;
          this.st = B.KeyEnd;
          continue;
        case B.KeyEnd:
          if (isSp(c)) return "more";
          if (c === "=") {
            this.st = B.Val0;
            return "more";
          }
          return "error";
        case B.Val0:
          if (isJsonWs(c)) return "more";
          this.cur.vStart = pos;
          if (c === '"' || c === "'") {
            this.q = c;
            this.cur.str = true;
            this.st = B.Str;
            return "more";
          }
          if (c === "," || c === ")") return "error";
          this.cur.str = false;
          this.depth = 0;
          this.st = B.Lit;
          continue;
        case B.Str:
          if (c === "\\") {
            this.st = B.StrEsc;
            return "more";
          }
          if (c === this.q) {
            this.quotePos = pos;
            this.st = B.Q0;
          }
          return "more";
        case B.StrEsc:
          this.st = B.Str;
          return "more";
        case B.Q0:
          if (isSp(c)) return "more";
          if (c === ")" && this.closeAt(pos)) {
            this.finishString();
            return "close";
          }
          if (c === ",") {
            this.st = B.Q1;
            return "more";
          }
          this.st = B.Str; // the quote was inside the string
          continue;
        case B.Q1:
          if (isSp(c)) return "more";
          if (isIdStart(c)) {
            this.pendKeyStart = pos;
            this.st = B.Q2;
            return "more";
          }
          this.st = B.Str;
          continue;
        case B.Q2:
          if (isIdChar(c)) return "more";
          this.pendKeyEnd = pos;
          if (isSp(c)) {
            this.st = B.Q3;
            return "more";
          }
          if (c === "=") return this.nextKwarg();
          this.st = B.Str;
          continue;
        case B.Q3:
          if (isSp(c)) return "more";
          if (c === "=") return this.nextKwarg();
          this.st = B.Str;
          continue;
        case B.Lit:
          if (c === '"' || c === "'") {
            this.litQ = c;
            this.st = B.LitStr;
            return "more";
          }
          if (c === "(" || c === "[" || c === "{") {
            this.depth++;
            return "more";
          }
          if (this.depth > 0) {
            if (c === ")" || c === "]" || c === "}") this.depth--;
            return "more";
          }
          if (c === "," || c === ")") {
            this.cur.vEnd = pos;
            this.kwargs.push(this.cur);
            if (c === ",") {
              this.st = B.Key0;
              return "more";
            }
            return this.closeAt(pos) ? "close" : "error";
          }
          if (c === "]" || c === "}") return "error";
          return "more";
        case B.LitStr:
          if (c === "\\") this.st = B.LitStrEsc;
          else if (c === this.litQ) this.st = B.Lit;
          return "more";
        case B.LitStrEsc:
          this.st = B.LitStr;
          return "more";
      }
    }
  }

  private closeAt(pos: number): boolean {
    return this.endAt === undefined || this.endAt === pos;
  }

  private finishString(): void {
    this.cur.vEnd = this.quotePos + 1;
    this.kwargs.push(this.cur);
  }

  private nextKwarg(): BuiltinScanStatus {
    this.finishString();
    this.cur = { keyStart: this.pendKeyStart, keyEnd: this.pendKeyEnd, vStart: 0, vEnd: 0, str: false };
    this.st = B.Val0;
    return "more";
  }

  /**
   * Decodes the keyword arguments once the scanner has closed. `text` is the argument text (what
   * was pushed, without the closing `)`). Undefined when a value is not a valid literal or a
   * keyword repeats.
   */
  decode(text: string): Record<string, unknown> | undefined {
    const out: Record<string, unknown> = {};
    const seen = new Set<string>();
    for (const k of this.kwargs) {
      const key = text.slice(k.keyStart, k.keyEnd);
      if (seen.has(key)) return undefined;
      seen.add(key);
      let value: unknown;
      if (k.str) {
        value = decodePyStringBody(text.slice(k.vStart + 1, k.vEnd - 1));
      } else {
        const lit = parsePyLiteral(text.slice(k.vStart, k.vEnd));
        if (!lit) return undefined;
        value = lit.value;
      }
      Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
}

/**
 * Reads a complete argument text whose call closes right after it (the `)` at `text.length`).
 * Used when the region's last `)` is preferred over an earlier candidate.
 */
export function parseBuiltinArgsToEnd(text: string): Record<string, unknown> | undefined {
  const sc = new BuiltinArgsScanner(text.length);
  for (let i = 0; i < text.length; i++) {
    if (sc.push(text[i]!) !== "more") return undefined;
  }
  if (sc.push(")") !== "close") return undefined;
  return sc.decode(text);
}
