/** Character classes the parser's scanners share. */

/** JSON whitespace (also what the built-in call scanner skips): space, tab, LF, CR. */
export function isJsonWs(c: string): boolean {
  return c === " " || c === "\t" || c === "\n" || c === "\r";
}

/** First character of a Python / ASCII identifier: `[A-Za-z_]`. */
export function isIdStart(c: string | undefined): boolean {
  return c !== undefined && ((c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || c === "_");
}

/** Later character of a Python / ASCII identifier (a "word" character): `[A-Za-z0-9_]`. */
export function isIdChar(c: string | undefined): boolean {
  return isIdStart(c) || (c !== undefined && c >= "0" && c <= "9");
}
