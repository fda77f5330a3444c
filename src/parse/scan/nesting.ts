/**
 * The one quoted-string / escape / bracket-depth scanner: fed code-like text (a function tag's JSON,
 * a python-list element's arguments, a built-in call's literal value) one character at a time, it
 * knows whether the character is inside a `"` or `'` string (a backslash escapes the next character)
 * and how deep the brackets outside strings are.
 */

/** What a character was, to {@link Nesting.push}. */
export const IN_STRING = 0; // inside a string, or one of its quotes
export const OPEN = 1; // an opening bracket (depth went up)
export const CLOSE = 2; // a closing bracket (depth went down)
export const UNMATCHED = 3; // a closing bracket at depth 0 (depth unchanged)
export const OTHER = 4;

export class Nesting {
  /** Open brackets outside strings. */
  depth = 0;
  /** The quote of the string the scanner is in, or "". */
  #quote = "";
  #escaped = false;

  /** @param parens whether `(` `)` are brackets too (besides `{}` and `[]`) */
  constructor(private readonly parens: boolean) {}

  push(c: string): number {
    if (this.#quote !== "") {
      if (this.#escaped) this.#escaped = false;
      else if (c === "\\") this.#escaped = true;
      else if (c === this.#quote) this.#quote = "";
      return IN_STRING;
    }
    if (c === '"' || c === "'") {
      this.#quote = c;
      return IN_STRING;
    }
    if (c === "{" || c === "[" || (c === "(" && this.parens)) {
      this.depth++;
      return OPEN;
    }
    if (c === "}" || c === "]" || (c === ")" && this.parens)) {
      if (this.depth === 0) return UNMATCHED;
      this.depth--;
      return CLOSE;
    }
    return OTHER;
  }
}
