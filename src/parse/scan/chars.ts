/** Character classes the parser's scanners share. */
import { isPySpace } from "../../base/python.js";

/**
 * Whitespace to the parser (what content trimming removes): Python's `str.isspace()`, which is
 * what the template's `trim` removes too.
 */
export function isWs(c: string): boolean {
  return isWsAt(c, 0);
}

/** {@link isWs} of the character at `s[i]` (i in range), without making a one-character string. */
export function isWsAt(s: string, i: number): boolean {
  const code = s.charCodeAt(i);
  if (code > 0x20 && code < 0x7f) return false;
  if (code === 0x20 || (code >= 0x09 && code <= 0x0d) || (code >= 0x1c && code <= 0x1f)) return true;
  if (code < 0x80) return false;
  return isPySpace(s[i]!);
}

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

/** A character of a tool name (`isToolName` in base/tokens.ts): `[A-Za-z0-9_.:/-]`. */
export function isToolNameChar(c: string | undefined): boolean {
  return isIdChar(c) || c === "-" || c === "." || c === ":" || c === "/";
}
