/**
 * The special-token guard: special-token text in what the renderer writes is prompt injection.
 *
 * Two layers, one rule. (1) While the input is read, every string is checked on its own, so an
 * error can name the exact field (`messages[1].content.out[0]`), and under `"strip"` each string is
 * cleaned. (2) At the end, every text segment of the finished prompt — what is actually written,
 * fields joined with whatever the dialect puts between them — is checked again in one linear pass.
 * The second layer is the guarantee: a token whose halves sit in two adjacent fields, or one that
 * stripping one field forms with the next, is caught there, and the error names both fields.
 */
import { formatPath, SpecialTokenError, type ErrorPath } from "../base/errors.js";
import type { SpecialTokenPolicy } from "../base/options.js";
import { findSpecialToken, SPECIAL_TOKEN_SOURCE } from "../base/tokens.js";
import { plainJson } from "../base/python.js";

export type { SpecialTokenPolicy };

/** Where a piece of prompt text came from: a path from the argument root, and the message's role. */
export interface TextSource {
  path: ErrorPath;
  role?: string;
  /**
   * The plain data the text was serialised from (JSON written at `path`), when it is more than one
   * string: a token found in the text is looked up in it, so that the error names the exact string.
   */
  value?: unknown;
}

/** A range of a text segment written from one input field. */
export interface SourcedRange {
  start: number;
  end: number;
  source: TextSource;
}

/**
 * The check applied to each input string as it is read (layer 1): `undefined` for `"allow"`; for
 * `"reject"` a function that throws a {@link SpecialTokenError} naming `path` (copied) and `role`;
 * for `"strip"` one that returns the string with every special token removed.
 */
export function fieldGuard(policy: SpecialTokenPolicy, role?: string): ((s: string, path: ErrorPath) => string) | undefined {
  if (policy === "allow") return undefined;
  if (policy === "strip") return (s) => (s.includes("<|") ? stripSpecialTokens(s) : s);
  return (s, path) => {
    if (!s.includes("<|")) return s;
    const m = findSpecialToken(s);
    if (m) throw new SpecialTokenError(m.token, [...path], role);
    return s;
  };
}

/**
 * The special tokens of a vocabulary written as text: `find` matches the first one (not global:
 * `exec` ignores `lastIndex`), `atEnd` one that ends the text.
 */
export interface TokenSet {
  find: RegExp;
  atEnd: RegExp;
}

function tokenSet(source: string): TokenSet {
  return { find: new RegExp(source), atEnd: new RegExp(`(?:${source})$`) };
}

/** Llama 3.1's special tokens. */
const LLAMA_TOKENS = tokenSet(SPECIAL_TOKEN_SOURCE);

/** Llama 3.2 Vision's: Llama 3.1's and `<|image|>` (`IMAGE_TOKEN`), which its tokenizer reads as an image slot. */
export const VISION_TOKENS = tokenSet(`${SPECIAL_TOKEN_SOURCE}|<\\|image\\|>`);

/**
 * Removes every special token, including those that removing another one forms
 * ("<|eot<|eot_id|>_id|>" → ""), so the result contains none. One pass over the characters: at each
 * `|>` the last 32 output characters (tokens are at most 31 long) are checked, after earlier
 * removals, so nesting costs nothing extra.
 *
 * @param removable when given, a token is removed only if `removable(i)` holds for the original
 *   index `i` of at least one of its characters (`renderWithTemplate` keeps the template's own tokens)
 */
export function stripSpecialTokens(v: string, removable?: (index: number) => boolean): string {
  return stripTokens(v, LLAMA_TOKENS.atEnd, removable);
}

function stripTokens(v: string, atEnd: RegExp, removable?: (index: number) => boolean): string {
  const out: string[] = [];
  const from: number[] = [];
  for (let i = 0; i < v.length; i++) {
    const c = v[i]!;
    out.push(c);
    if (removable) from.push(i);
    if (c !== ">" || out[out.length - 2] !== "|") continue;
    const m = atEnd.exec(out.slice(-32).join(""));
    if (!m) continue;
    const n = m[0].length;
    if (removable && !from.slice(-n).some((k) => removable(k))) continue;
    out.length -= n;
    if (removable) from.length -= n;
  }
  return out.join("");
}

/**
 * Layer 2: one text segment of the finished prompt, as written. Returns it unchanged when it holds no
 * special token of `tokens` (default Llama 3.1's); otherwise strips (`"strip"`) or throws a
 * {@link SpecialTokenError} naming the field(s) the token's characters came from (`"reject"`).
 */
export function guardWrittenText(text: string, ranges: readonly SourcedRange[], policy: "reject" | "strip", tokens: TokenSet = LLAMA_TOKENS): string {
  const m = tokens.find.exec(text);
  if (m === null) return text;
  if (policy === "strip") return stripTokens(text, tokens.atEnd);
  throw writtenTokenError(m[0], m.index, ranges);
}

/** The error for a token found at `index` of written text whose pieces came from `ranges`. */
export function writtenTokenError(token: string, index: number, ranges: readonly SourcedRange[]): SpecialTokenError {
  const end = index + token.length;
  const hits: SourcedRange[] = [];
  for (const r of ranges) {
    if (r.start < end && r.end > index && !hits.some((h) => formatPath(h.source.path) === formatPath(r.source.path))) hits.push(r);
  }
  const first = hits[0];
  if (first === undefined) return new SpecialTokenError(token, [], undefined, "the rendered prompt contains");
  if (hits.length === 1) {
    const inside = first.start <= index && first.end >= end;
    if (inside && first.source.value !== undefined) {
      // Name the string inside the serialised value that holds the token.
      try {
        plainJson(first.source.value, first.source.path, { onString: fieldGuard("reject", first.source.role) });
      } catch (e) {
        if (e instanceof SpecialTokenError) return e;
      }
    }
    return new SpecialTokenError(token, first.source.path, first.source.role, inside ? "contains" : "together with the text written next to it forms");
  }
  const others = hits.slice(1).map((h) => formatPath(h.source.path));
  return new SpecialTokenError(token, first.source.path, first.source.role, `and ${others.join(" and ")} together form`);
}
