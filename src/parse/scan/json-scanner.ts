/**
 * An incremental, strict JSON scanner: it is fed one character at a time, knows the nesting
 * depth, string/escape state and where every key and value starts and ends, and reports an error
 * at the first character that cannot continue a JSON text (so a candidate tool call can be given
 * up as early as possible). It keeps O(depth) state and never looks back at earlier characters.
 *
 * Depth convention: the root value is at depth 0; a value inside the root object/array is at
 * depth 1; a key of the root object is reported with depth 1.
 */
import { isJsonWs } from "./chars.js";

export interface JsonHandler {
  /** A key string starts at `pos` (its opening quote); `depth` as for {@link key}. */
  keyStart?(depth: number, pos: number): void;
  /** A key string was completed; `[start, end)` are the positions of the key including its quotes. */
  key?(depth: number, start: number, end: number): void;
  /** A value starts at `pos` with character `c`. */
  valueStart?(depth: number, pos: number, c: string): void;
  /** The value that started last at `depth` ends before `end`. */
  valueEnd?(depth: number, end: number): void;
}

export type JsonStatus = "more" | "done" | "error";

const enum S {
  Value,
  ObjFirst,
  ObjKey,
  KeyStr,
  KeyEsc,
  KeyHex,
  Colon,
  After,
  Str,
  StrEsc,
  StrHex,
  Num,
  Lit,
  ArrFirst,
  Done,
  Error,
}

// number sub-states
const enum N {
  Minus,
  Zero,
  Int,
  Frac0,
  Frac,
  Exp0,
  ExpSign,
  Exp,
}

function isDigit(c: string): boolean {
  return c >= "0" && c <= "9";
}
function isHex(c: string): boolean {
  return (c >= "0" && c <= "9") || (c >= "a" && c <= "f") || (c >= "A" && c <= "F");
}

export class JsonScanner {
  /** Number of characters consumed so far. */
  pos = 0;
  private st: S = S.Value;
  private stack: number[] = []; // 0 = object, 1 = array
  private keyStart = 0;
  private hex = 0;
  private num: N = N.Int;
  private lit = "";
  private litIdx = 0;

  constructor(private readonly h: JsonHandler = {}) {}

  /** Current nesting depth (open containers). */
  get depth(): number {
    return this.stack.length;
  }

  /** True when the scanner is inside a string (key or value). */
  get inString(): boolean {
    const s = this.st;
    return s === S.KeyStr || s === S.KeyEsc || s === S.KeyHex || s === S.Str || s === S.StrEsc || s === S.StrHex;
  }

  push(c: string): JsonStatus {
    const r = this.step(c);
    this.pos++;
    if (r === "error") this.st = S.Error;
    return r;
  }

  private step(c: string): JsonStatus {
    for (;;) {
      switch (this.st) {
        case S.Done:
        case S.Error:
          return "error";
        case S.Value: {
          if (isJsonWs(c)) return "more";
          const d = this.stack.length;
          if (c === "{") {
            this.h.valueStart?.(d, this.pos, c);
            this.stack.push(0);
            this.st = S.ObjFirst;
            return "more";
          }
          if (c === "[") {
            this.h.valueStart?.(d, this.pos, c);
            this.stack.push(1);
            this.st = S.ArrFirst;
            return "more";
          }
          if (c === '"') {
            this.h.valueStart?.(d, this.pos, c);
            this.st = S.Str;
            return "more";
          }
          if (c === "-" || isDigit(c)) {
            this.h.valueStart?.(d, this.pos, c);
            this.num = c === "-" ? N.Minus : c === "0" ? N.Zero : N.Int;
            this.st = S.Num;
            return "more";
          }
          if (c === "t" || c === "f" || c === "n") {
            this.h.valueStart?.(d, this.pos, c);
            this.lit = c === "t" ? "true" : c === "f" ? "false" : "null";
            this.litIdx = 1;
            this.st = S.Lit;
            return "more";
          }
          return "error";
        }
        case S.ArrFirst:
          if (isJsonWs(c)) return "more";
          if (c === "]") return this.close(1);
          this.st = S.Value;
          continue;
        case S.ObjFirst:
        case S.ObjKey:
          if (isJsonWs(c)) return "more";
          if (c === "}" && this.st === S.ObjFirst) return this.close(0);
          if (c === '"') {
            this.keyStart = this.pos;
            this.h.keyStart?.(this.stack.length, this.pos);
            this.st = S.KeyStr;
            return "more";
          }
          return "error";
        case S.KeyStr:
        case S.Str:
          if (c === '"') {
            if (this.st === S.KeyStr) {
              this.h.key?.(this.stack.length, this.keyStart, this.pos + 1);
              this.st = S.Colon;
            } else {
              this.h.valueEnd?.(this.stack.length, this.pos + 1);
              this.st = S.After;
            }
            return "more";
          }
          if (c === "\\") {
            this.st = this.st === S.KeyStr ? S.KeyEsc : S.StrEsc;
            return "more";
          }
          if (c.charCodeAt(0) < 0x20) return "error";
          return "more";
        case S.KeyEsc:
        case S.StrEsc: {
          const key = this.st === S.KeyEsc;
          if (c === "u") {
            this.hex = 0;
            this.st = key ? S.KeyHex : S.StrHex;
            return "more";
          }
          if ('"\\/bfnrt'.includes(c)) {
            this.st = key ? S.KeyStr : S.Str;
            return "more";
          }
          return "error";
        }
        case S.KeyHex:
        case S.StrHex:
          if (!isHex(c)) return "error";
          if (++this.hex === 4) this.st = this.st === S.KeyHex ? S.KeyStr : S.Str;
          return "more";
        case S.Colon:
          if (isJsonWs(c)) return "more";
          if (c === ":") {
            this.st = S.Value;
            return "more";
          }
          return "error";
        case S.Lit:
          if (c === this.lit[this.litIdx]) {
            if (++this.litIdx === this.lit.length) {
              this.h.valueEnd?.(this.stack.length, this.pos + 1);
              this.st = S.After;
            }
            return "more";
          }
          return "error";
        case S.Num: {
          const n = this.num;
          if (isDigit(c)) {
            if (n === N.Minus) this.num = c === "0" ? N.Zero : N.Int;
            else if (n === N.Zero) return "error";
            else if (n === N.Frac0) this.num = N.Frac;
            else if (n === N.Exp0 || n === N.ExpSign) this.num = N.Exp;
            return "more";
          }
          if (c === "." && (n === N.Zero || n === N.Int)) {
            this.num = N.Frac0;
            return "more";
          }
          if ((c === "e" || c === "E") && (n === N.Zero || n === N.Int || n === N.Frac)) {
            this.num = N.Exp0;
            return "more";
          }
          if ((c === "+" || c === "-") && n === N.Exp0) {
            this.num = N.ExpSign;
            return "more";
          }
          if (n === N.Zero || n === N.Int || n === N.Frac || n === N.Exp) {
            this.h.valueEnd?.(this.stack.length, this.pos);
            this.st = S.After;
            continue; // re-examine c after the number
          }
          return "error";
        }
        case S.After: {
          if (isJsonWs(c)) return "more";
          const top = this.stack[this.stack.length - 1];
          if (top === undefined) return "error";
          if (c === ",") {
            this.st = top === 0 ? S.ObjKey : S.Value;
            return "more";
          }
          if (c === "}" && top === 0) return this.close(0);
          if (c === "]" && top === 1) return this.close(1);
          return "error";
        }
      }
    }
  }

  private close(kind: number): JsonStatus {
    if (this.stack[this.stack.length - 1] !== kind) return "error";
    this.stack.pop();
    this.h.valueEnd?.(this.stack.length, this.pos + 1);
    if (this.stack.length === 0) {
      this.st = S.Done;
      return "done";
    }
    this.st = S.After;
    return "more";
  }
}
