/**
 * An incremental, strict JSON scanner: it is fed one character at a time, knows the nesting
 * depth, string/escape state and where every key and value starts and ends, and reports an error
 * at the first character that cannot continue a JSON text (so a candidate tool call can be given
 * up as early as possible). It keeps O(depth) state and never looks back at earlier characters.
 *
 * Depth convention: the root value is at depth 0; a value inside the root object/array is at
 * depth 1; a key of the root object is reported with depth 1.
 *
 * What a reader wants to know about keys and values it learns by overriding the hooks
 * ({@link keyStart}, {@link key}, {@link valueStart}, {@link valueEnd}), which do nothing here.
 */
import { charIs, JSON_SPACE } from "./chars.js";

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

/** Where a number is: after `-`, after a leading `0`, in the integer part, ... */
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
  #state: S = S.Value;
  /** The open containers: 0 = object, 1 = array. */
  #stack: number[] = [];
  #keyPos = 0;
  /** Hex digits read of a `\\u` escape. */
  #hexDigits = 0;
  #number: N = N.Int;
  /** The literal being read (`true`, `false`, `null`) and how much of it was read. */
  #literal = "";
  #literalRead = 0;

  /** A key string starts at `pos` (its opening quote); `depth` as for {@link key}. */
  protected keyStart(_depth: number, _pos: number): void {}
  /** A key string was completed; `[start, end)` are the positions of the key including its quotes. */
  protected key(_depth: number, _start: number, _end: number): void {}
  /** A value starts at `pos` with character `c`. */
  protected valueStart(_depth: number, _pos: number, _c: string): void {}
  /** The value that started last at `depth` ends before `end`. */
  protected valueEnd(_depth: number, _end: number): void {}

  /** Current nesting depth (open containers). */
  get depth(): number {
    return this.#stack.length;
  }

  push(c: string): JsonStatus {
    const r = this.#step(c);
    this.pos++;
    if (r === "error") this.#state = S.Error;
    return r;
  }

  #step(c: string): JsonStatus {
    for (;;) {
      switch (this.#state) {
        case S.Done:
        case S.Error:
          return "error";
        case S.Value: {
          if (charIs(c, JSON_SPACE)) return "more";
          const d = this.#stack.length;
          if (c === "{") {
            this.valueStart(d, this.pos, c);
            this.#stack.push(0);
            this.#state = S.ObjFirst;
            return "more";
          }
          if (c === "[") {
            this.valueStart(d, this.pos, c);
            this.#stack.push(1);
            this.#state = S.ArrFirst;
            return "more";
          }
          if (c === '"') {
            this.valueStart(d, this.pos, c);
            this.#state = S.Str;
            return "more";
          }
          if (c === "-" || isDigit(c)) {
            this.valueStart(d, this.pos, c);
            this.#number = c === "-" ? N.Minus : c === "0" ? N.Zero : N.Int;
            this.#state = S.Num;
            return "more";
          }
          if (c === "t" || c === "f" || c === "n") {
            this.valueStart(d, this.pos, c);
            this.#literal = c === "t" ? "true" : c === "f" ? "false" : "null";
            this.#literalRead = 1;
            this.#state = S.Lit;
            return "more";
          }
          return "error";
        }
        case S.ArrFirst:
          if (charIs(c, JSON_SPACE)) return "more";
          if (c === "]") return this.#close(1);
          this.#state = S.Value;
          continue;
        case S.ObjFirst:
        case S.ObjKey:
          if (charIs(c, JSON_SPACE)) return "more";
          if (c === "}" && this.#state === S.ObjFirst) return this.#close(0);
          if (c === '"') {
            this.#keyPos = this.pos;
            this.keyStart(this.#stack.length, this.pos);
            this.#state = S.KeyStr;
            return "more";
          }
          return "error";
        case S.KeyStr:
        case S.Str:
          if (c === '"') {
            if (this.#state === S.KeyStr) {
              this.key(this.#stack.length, this.#keyPos, this.pos + 1);
              this.#state = S.Colon;
            } else {
              this.valueEnd(this.#stack.length, this.pos + 1);
              this.#state = S.After;
            }
            return "more";
          }
          if (c === "\\") {
            this.#state = this.#state === S.KeyStr ? S.KeyEsc : S.StrEsc;
            return "more";
          }
          if (c.charCodeAt(0) < 0x20) return "error";
          return "more";
        case S.KeyEsc:
        case S.StrEsc: {
          const key = this.#state === S.KeyEsc;
          if (c === "u") {
            this.#hexDigits = 0;
            this.#state = key ? S.KeyHex : S.StrHex;
            return "more";
          }
          if ('"\\/bfnrt'.includes(c)) {
            this.#state = key ? S.KeyStr : S.Str;
            return "more";
          }
          return "error";
        }
        case S.KeyHex:
        case S.StrHex:
          if (!isHex(c)) return "error";
          if (++this.#hexDigits === 4) this.#state = this.#state === S.KeyHex ? S.KeyStr : S.Str;
          return "more";
        case S.Colon:
          if (charIs(c, JSON_SPACE)) return "more";
          if (c === ":") {
            this.#state = S.Value;
            return "more";
          }
          return "error";
        case S.Lit:
          if (c === this.#literal[this.#literalRead]) {
            if (++this.#literalRead === this.#literal.length) {
              this.valueEnd(this.#stack.length, this.pos + 1);
              this.#state = S.After;
            }
            return "more";
          }
          return "error";
        case S.Num: {
          const n = this.#number;
          if (isDigit(c)) {
            if (n === N.Minus) this.#number = c === "0" ? N.Zero : N.Int;
            else if (n === N.Zero) return "error";
            else if (n === N.Frac0) this.#number = N.Frac;
            else if (n === N.Exp0 || n === N.ExpSign) this.#number = N.Exp;
            return "more";
          }
          if (c === "." && (n === N.Zero || n === N.Int)) {
            this.#number = N.Frac0;
            return "more";
          }
          if ((c === "e" || c === "E") && (n === N.Zero || n === N.Int || n === N.Frac)) {
            this.#number = N.Exp0;
            return "more";
          }
          if ((c === "+" || c === "-") && n === N.Exp0) {
            this.#number = N.ExpSign;
            return "more";
          }
          if (n === N.Zero || n === N.Int || n === N.Frac || n === N.Exp) {
            this.valueEnd(this.#stack.length, this.pos);
            this.#state = S.After;
            continue; // re-examine c after the number
          }
          return "error";
        }
        case S.After: {
          if (charIs(c, JSON_SPACE)) return "more";
          const top = this.#stack[this.#stack.length - 1];
          if (top === undefined) return "error";
          if (c === ",") {
            this.#state = top === 0 ? S.ObjKey : S.Value;
            return "more";
          }
          if (c === "}" && top === 0) return this.#close(0);
          if (c === "]" && top === 1) return this.#close(1);
          return "error";
        }
      }
    }
  }

  #close(kind: number): JsonStatus {
    if (this.#stack[this.#stack.length - 1] !== kind) return "error";
    this.#stack.pop();
    this.valueEnd(this.#stack.length, this.pos + 1);
    if (this.#stack.length === 0) {
      this.#state = S.Done;
      return "done";
    }
    this.#state = S.After;
    return "more";
  }
}
