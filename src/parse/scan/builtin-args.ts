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
import { BLANK, charIs, ID_START, JSON_SPACE, WORD } from "./chars.js";
import { Nesting, OTHER, UNMATCHED } from "./nesting.js";

export type BuiltinScanStatus = "more" | "close" | "error";

const enum At {
  KeyOrClose, // expecting a key or `)`
  Key, // in a key
  AfterKey, // after a key, expecting `=`
  Value, // expecting a value
  String, // in a quoted string
  StringEscape, // after a backslash in a string
  AfterQuote, // after a quote that may close the string: spaces, then `)` or `,`
  AfterQuoteComma, // then `,`: spaces, then an identifier
  NextKey, // then an identifier
  AfterNextKey, // then spaces and `=`: the quote closed the string
  Literal, // a literal value (number, True, list, ...)
  Closed,
  Failed,
}

/** One keyword argument: where its key and value are in the argument text. */
interface Kwarg {
  keyStart: number;
  keyEnd: number;
  valueStart: number;
  valueEnd: number;
  /** The value is a quoted string (decoded by the quirky rule above, not as a literal). */
  quoted: boolean;
}

export class BuiltinArgsScanner {
  /** Characters consumed (the closing `)` included once it closes). */
  pos = 0;
  #state: At = At.KeyOrClose;
  /** The quote the current string started with. */
  #quote = '"';
  /** Quotes and brackets of a literal value. */
  #literal = new Nesting(true);
  readonly kwargs: Kwarg[] = [];
  #current: Kwarg = { keyStart: 0, keyEnd: 0, valueStart: 0, valueEnd: 0, quoted: false };
  #nextKeyStart = 0;
  #nextKeyEnd = 0;
  #quotePos = 0;

  constructor(private readonly endAt?: number) {}

  push(c: string): BuiltinScanStatus {
    const r = this.#step(c);
    this.pos++;
    if (r === "error") this.#state = At.Failed;
    if (r === "close") this.#state = At.Closed;
    return r;
  }

  #step(c: string): BuiltinScanStatus {
    const pos = this.pos;
    for (;;) {
      switch (this.#state) {
        case At.Closed:
        case At.Failed:
          return "error";
        case At.KeyOrClose:
          if (charIs(c, JSON_SPACE)) return "more";
          if (c === ")") return this.#closeAt(pos) ? "close" : "error";
          if (charIs(c, ID_START)) {
            this.#current = { keyStart: pos, keyEnd: pos, valueStart: 0, valueEnd: 0, quoted: false };
            this.#state = At.Key;
            return "more";
          }
          return "error";
        case At.Key:
          if (charIs(c, WORD)) return "more";
          this.#current.keyEnd = pos;
          this.#state = At.AfterKey;
          continue;
        case At.AfterKey:
          if (charIs(c, BLANK)) return "more";
          if (c === "=") {
            this.#state = At.Value;
            return "more";
          }
          return "error";
        case At.Value:
          if (charIs(c, JSON_SPACE)) return "more";
          this.#current.valueStart = pos;
          if (c === '"' || c === "'") {
            this.#quote = c;
            this.#current.quoted = true;
            this.#state = At.String;
            return "more";
          }
          if (c === "," || c === ")") return "error";
          this.#current.quoted = false;
          this.#literal = new Nesting(true);
          this.#state = At.Literal;
          continue;
        case At.String:
          if (c === "\\") {
            this.#state = At.StringEscape;
            return "more";
          }
          if (c === this.#quote) {
            this.#quotePos = pos;
            this.#state = At.AfterQuote;
          }
          return "more";
        case At.StringEscape:
          this.#state = At.String;
          return "more";
        case At.AfterQuote:
          if (charIs(c, BLANK)) return "more";
          if (c === ")" && this.#closeAt(pos)) {
            this.#finishString();
            return "close";
          }
          if (c === ",") {
            this.#state = At.AfterQuoteComma;
            return "more";
          }
          this.#state = At.String; // the quote was inside the string
          continue;
        case At.AfterQuoteComma:
          if (charIs(c, BLANK)) return "more";
          if (charIs(c, ID_START)) {
            this.#nextKeyStart = pos;
            this.#state = At.NextKey;
            return "more";
          }
          this.#state = At.String;
          continue;
        case At.NextKey:
          if (charIs(c, WORD)) return "more";
          this.#nextKeyEnd = pos;
          if (charIs(c, BLANK)) {
            this.#state = At.AfterNextKey;
            return "more";
          }
          if (c === "=") return this.#nextKwarg();
          this.#state = At.String;
          continue;
        case At.AfterNextKey:
          if (charIs(c, BLANK)) return "more";
          if (c === "=") return this.#nextKwarg();
          this.#state = At.String;
          continue;
        case At.Literal: {
          const kind = this.#literal.push(c);
          if (kind === UNMATCHED) {
            if (c !== ")") return "error";
          } else if (kind !== OTHER || this.#literal.depth > 0 || c !== ",") {
            return "more";
          }
          // `,` or `)` outside brackets and strings: the value ends
          this.#current.valueEnd = pos;
          this.kwargs.push(this.#current);
          if (c === ",") {
            this.#state = At.KeyOrClose;
            return "more";
          }
          return this.#closeAt(pos) ? "close" : "error";
        }
      }
    }
  }

  #closeAt(pos: number): boolean {
    return this.endAt === undefined || this.endAt === pos;
  }

  #finishString(): void {
    this.#current.valueEnd = this.#quotePos + 1;
    this.kwargs.push(this.#current);
  }

  #nextKwarg(): BuiltinScanStatus {
    this.#finishString();
    this.#current = { keyStart: this.#nextKeyStart, keyEnd: this.#nextKeyEnd, valueStart: 0, valueEnd: 0, quoted: false };
    this.#state = At.Value;
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
    for (const kwarg of this.kwargs) {
      const key = text.slice(kwarg.keyStart, kwarg.keyEnd);
      if (seen.has(key)) return undefined;
      seen.add(key);
      let value: unknown;
      if (kwarg.quoted) {
        value = decodePyStringBody(text.slice(kwarg.valueStart + 1, kwarg.valueEnd - 1));
      } else {
        const lit = parsePyLiteral(text.slice(kwarg.valueStart, kwarg.valueEnd));
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
  const scanner = new BuiltinArgsScanner(text.length);
  for (let i = 0; i < text.length; i++) {
    if (scanner.push(text[i]!) !== "more") return undefined;
  }
  if (scanner.push(")") !== "close") return undefined;
  return scanner.decode(text);
}
