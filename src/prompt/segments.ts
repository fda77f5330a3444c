/**
 * Segments: a rendered prompt as ordered pieces of plain text and special tokens. Keeping the two
 * apart is what makes token ids safe: text is tokenized with special-token parsing off, so content
 * can never turn into a control token, whatever it contains.
 */
import { IMAGE_TOKEN, IMAGE_TOKEN_ID, SPECIAL_TOKENS, type SpecialTokenName } from "../base/tokens.js";
import { describeValue, InvalidArgumentError, type ErrorPath } from "../base/errors.js";
import { readLength, readProperty, safeIsArray } from "../base/read.js";
import type { SpecialTokenPolicy } from "../base/options.js";
import { guardWrittenText, type SourcedRange, type TextSource, type TokenSet } from "./special-tokens.js";

/** A run of plain text. Adjacent text is always merged, so a text segment lies between two specials. */
export interface TextSegment {
  type: "text";
  text: string;
}

/** A token a segment can hold: Llama 3.1's special tokens, and Llama 3.2 Vision's `<|image|>`. */
export type SegmentTokenName = SpecialTokenName | typeof IMAGE_TOKEN;

/**
 * One special token, with its id (Llama 3.1's; `<|image|>` 128256, Llama 3.2 Vision's). `text`
 * equals `token`, so every segment has a `text`.
 */
export interface SpecialSegment {
  type: "special";
  token: SegmentTokenName;
  id: number;
  text: SegmentTokenName;
}

/** A piece of a rendered prompt. */
export type Segment = TextSegment | SpecialSegment;

const IDS = SPECIAL_TOKENS;

/** A piece of text to write and, when it comes from the input, where from. */
export interface Piece {
  text: string;
  source?: TextSource;
}

/** A finished prompt, checked as written (see {@link SegmentBuilder.finish}): ask for one of the two, once. */
export interface BuiltPrompt {
  /** The segments: text runs between special tokens. */
  segments(): Segment[];
  /** The prompt string: the segments' texts joined. */
  string(): string;
}

/**
 * Accumulates a prompt: text (adjacent text merged, empty text dropped) and special tokens. Each
 * piece of text written from the input carries its source, so that the final check ({@link finish})
 * can name the field(s) a special token came from.
 *
 * The prompt is kept as one string and the offsets of its special tokens, not as segment objects:
 * `renderPrompt` wants the string, and gets it checked by one look for `<|` at each piece of text
 * as it is written (no segment objects, no second copy of the text).
 */
export class SegmentBuilder implements BuiltPrompt {
  /** The whole prompt so far, special tokens written as their text. */
  #text = "";
  /**
   * Whether a text segment may hold "<|": some piece of text holds it, or a piece ending in "<" is
   * followed by one starting with "|" with no special token between them.
   */
  #mayHoldToken = false;
  /** The text written last ends in "<" (and no special token followed). */
  #endsInLt = false;
  /** Where each special token starts in `text`, and which it is. */
  readonly #specialAt: number[] = [];
  readonly #specials: SegmentTokenName[] = [];
  /** Where text written from the input lies in `text` (in order; none spans a special token). */
  readonly #sourced: SourcedRange[] = [];
  #policy: SpecialTokenPolicy = "allow";
  #tokens: TokenSet | undefined;

  /** Appends plain text; `source` says which input field it was written from (none: the dialect's own text). */
  text(s: string, source?: TextSource): this {
    if (s === "") return this;
    if (source !== undefined) this.#sourced.push({ start: this.#text.length, end: this.#text.length + s.length, source });
    this.#text += s;
    // Every character of text is looked at here, once: "<|" in a text segment lies in one piece or
    // spans the end of one and the start of the next.
    this.#mayHoldToken ||= (this.#endsInLt && s.charCodeAt(0) === 0x7c) || s.includes("<|");
    this.#endsInLt = s.charCodeAt(s.length - 1) === 0x3c;
    return this;
  }

  /**
   * Appends pieces of text, dropping the leading and trailing characters for which `trimmed` holds
   * across piece boundaries (Python's `str.strip()` of the joined text when `trimmed` is `isPySpace`).
   */
  pieces(pieces: readonly Piece[], trimmed?: (c: string) => boolean): this {
    // The kept characters of the joined text: [start, end).
    let start = 0;
    let end = Infinity;
    if (trimmed !== undefined) {
      const all = pieces.map((p) => p.text).join("");
      end = all.length;
      while (start < end && trimmed(all[start]!)) start++;
      while (end > start && trimmed(all[end - 1]!)) end--;
    }
    let at = 0; // where the piece starts in the joined text
    for (const p of pieces) {
      this.text(p.text.slice(Math.max(start - at, 0), Math.max(end - at, 0)), p.source);
      at += p.text.length;
    }
    return this;
  }

  /** Appends a message header: `<|start_header_id|>{role}<|end_header_id|>\n\n`. */
  header(role: string): this {
    return this.special("<|start_header_id|>").text(role).special("<|end_header_id|>").text("\n\n");
  }

  /** Appends a special token. */
  special(token: SegmentTokenName): this {
    this.#specialAt.push(this.#text.length);
    this.#specials.push(token);
    this.#text += token;
    this.#endsInLt = false;
    return this;
  }

  /**
   * Ends the prompt (the builder is then done) with the check of what it wrote: unless `policy` is
   * `"allow"`, every text segment is checked as written — the one place that sees fields joined —
   * and a special token in it is refused (`"reject"`: a `SpecialTokenError` naming the field, or
   * both fields when the token spans two) or removed (`"strip"`, so that the result holds none).
   * `tokens`: the vocabulary's special tokens (default Llama 3.1's; `VISION_TOKENS` adds Llama 3.2
   * Vision's `<|image|>`). The check runs when the segments or the string are asked for.
   */
  finish(policy: SpecialTokenPolicy = "allow", tokens?: TokenSet): BuiltPrompt {
    this.#policy = policy;
    this.#tokens = tokens;
    return this;
  }

  segments(): Segment[] {
    const text = this.#text;
    const out: Segment[] = [];
    let at = 0; // end of the previous special token
    for (let k = 0; k < this.#specials.length; k++) {
      const start = this.#specialAt[k]!;
      const token = this.#specials[k]!;
      if (start > at) this.#pushText(out, at, start);
      out.push({ type: "special", token, id: token === IMAGE_TOKEN ? IMAGE_TOKEN_ID : IDS[token], text: token });
      at = start + token.length;
    }
    if (text.length > at) this.#pushText(out, at, text.length);
    return out;
  }

  string(): string {
    // No "<|" in any text segment: none holds a special token, and the text is the prompt. Else the
    // text segments are checked one by one, as for `segments()`.
    if (this.#policy === "allow" || !this.#mayHoldToken) return this.#text;
    return joinSegments(this.segments());
  }

  /** Appends the text segment `text[from, to)`, checked unless the policy is "allow"; stripped to nothing, it is no segment. */
  #pushText(out: Segment[], from: number, to: number): void {
    let text = this.#text.slice(from, to);
    if (this.#policy !== "allow" && text.includes("<|")) {
      const ranges: SourcedRange[] = [];
      for (const r of this.#sourced) if (r.start >= from && r.end <= to) ranges.push({ start: r.start - from, end: r.end - from, source: r.source });
      text = guardWrittenText(text, ranges, this.#policy as "reject" | "strip", this.#tokens);
      if (text === "") return;
    }
    out.push({ type: "text", text });
  }
}

/** The prompt string of segments this library built (no checks: see {@link segmentsToString}). */
export function joinSegments(segments: readonly Segment[]): string {
  let s = "";
  for (const seg of segments) s += seg.text;
  return s;
}

/** The prompt string for a list of segments (special tokens written as their text); checks its argument. */
export function segmentsToString(segments: readonly Segment[]): string {
  const bad = (m: string, path: ErrorPath, o?: { cause?: unknown }) => new InvalidArgumentError(m, path, o);
  if (!safeIsArray(segments)) throw bad(`expected an array of segments, got ${describeValue(segments)}`, ["segments"]);
  const n = readLength(segments, ["segments"], bad);
  let s = "";
  for (let i = 0; i < n; i++) {
    const seg = readProperty(segments, i, ["segments"], bad);
    const at = ["segments", i];
    if (seg === null || typeof seg !== "object") throw bad(`expected a segment object, got ${describeValue(seg)}`, at);
    const type = readProperty(seg, "type", at, bad);
    const text = readProperty(seg, type === "special" ? "token" : "text", at, bad);
    if ((type !== "text" && type !== "special") || typeof text !== "string") {
      throw bad(`expected { type: "text", text } or { type: "special", token }`, at);
    }
    s += text;
  }
  return s;
}
