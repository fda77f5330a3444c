/**
 * Character classes the parser shares: one table, one predicate. Every "is this whitespace / a name
 * character / ..." question in src/parse/ is `charIs(c, CLASS)` (or `codeIs` on a char code), so the
 * classes are defined once, here.
 */
import { isPySpace } from "../../base/python.js";

/** Whitespace to Python's `str.isspace()` (what content trimming and the template's `trim` remove). */
export const SPACE = 1;
/** JSON whitespace: space, tab, LF, CR (also what the built-in call scanner skips around values). */
export const JSON_SPACE = 2;
/** Space and tab. */
export const BLANK = 4;
/** What Python's tokenizer skips between tokens: space, tab, LF, CR, FF, VT. */
export const PY_BLANK = 8;
/** LF and CR. */
export const NEWLINE = 16;
/** A word character, and a later character of a Python identifier: `[A-Za-z0-9_]`. */
export const WORD = 32;
/** The first character of a Python identifier: `[A-Za-z_]`. */
export const ID_START = 64;
/** A character of a tool name (`isToolName` in base/tokens.ts): `[A-Za-z0-9_.:/-]`. */
export const NAME = 128;

const TABLE = new Uint8Array(128);
function add(cls: number, from: number, to = from): void {
  for (let c = from; c <= to; c++) TABLE[c]! |= cls;
}
const code = (c: string) => c.charCodeAt(0);
add(SPACE | JSON_SPACE | BLANK | PY_BLANK, 0x20);
add(SPACE | JSON_SPACE | BLANK | PY_BLANK, 0x09);
add(SPACE | JSON_SPACE | PY_BLANK | NEWLINE, 0x0a);
add(SPACE | JSON_SPACE | PY_BLANK | NEWLINE, 0x0d);
add(SPACE | PY_BLANK, 0x0b, 0x0c);
add(SPACE, 0x1c, 0x1f);
add(WORD | NAME, code("0"), code("9"));
add(WORD | ID_START | NAME, code("A"), code("Z"));
add(WORD | ID_START | NAME, code("a"), code("z"));
add(WORD | ID_START | NAME, code("_"));
for (const c of "-.:/") add(NAME, code(c));

/** True when the character with this UTF-16 code (at `s[i]` for non-ASCII) is in one of the classes `cls`. */
export function codeIs(c: number, cls: number, s?: string, i = 0): boolean {
  if (c < 128) return (TABLE[c]! & cls) !== 0;
  // Beyond ASCII only Python's whitespace has members.
  return (cls & SPACE) !== 0 && s !== undefined && isPySpace(s[i]!);
}

/** True when the one-character string `c` is in one of the classes `cls` (false for "" and undefined). */
export function charIs(c: string | undefined, cls: number): boolean {
  return c !== undefined && c !== "" && codeIs(c.charCodeAt(0), cls, c);
}

/** True when `s[i]` (in range) is whitespace to Python: the parser's one whitespace predicate. */
export function isWsAt(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  return c < 128 ? (TABLE[c]! & SPACE) !== 0 : isPySpace(s[i]!);
}

/** True when `s` is empty or only whitespace. */
export function allWs(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (!isWsAt(s, i)) return false;
  return true;
}
