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
const NO_RANGES: SourcedRange[] = [];

/** A piece of text to write and, when it comes from the input, where from. */
export interface Piece {
  text: string;
  source?: TextSource;
}

/**
 * Accumulates segments, merging adjacent text and dropping empty text. Each piece of text written
 * from the input carries its source, so that the final check ({@link SegmentBuilder.build}) can name
 * the field(s) a special token came from.
 */
export class SegmentBuilder {
  readonly #out: Segment[] = [];
  /** Index in `out` of each text segment whose text came (partly) from the input, and its ranges. */
  readonly #sourcedAt: number[] = [];
  readonly #sourced: SourcedRange[][] = [];
  #pending = "";
  #pendingRanges: SourcedRange[] | undefined;

  /** Appends plain text; `source` says which input field it was written from (none: the dialect's own text). */
  text(s: string, source?: TextSource): this {
    if (source !== undefined && s !== "") (this.#pendingRanges ??= []).push({ start: this.#pending.length, end: this.#pending.length + s.length, source });
    this.#pending += s;
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
    this.#flush();
    this.#out.push({ type: "special", token, id: token === IMAGE_TOKEN ? IMAGE_TOKEN_ID : IDS[token], text: token });
    return this;
  }

  /**
   * The segments (call once: the builder is then done). Unless `policy` is `"allow"`, every text segment is checked as written — the
   * one place that sees fields joined — and a special token in it is refused (`"reject"`: a
   * `SpecialTokenError` naming the field, or both fields when the token spans two) or removed
   * (`"strip"`, so that the result holds none). `tokens`: the vocabulary's special tokens (default
   * Llama 3.1's; `VISION_TOKENS` adds Llama 3.2 Vision's `<|image|>`).
   */
  build(policy: SpecialTokenPolicy = "allow", tokens?: TokenSet): Segment[] {
    this.#flush();
    const out = this.#out;
    if (policy === "allow") return out;
    let emptied = false;
    let k = 0; // index into sourcedAt / sourced
    for (let i = 0; i < out.length; i++) {
      const seg = out[i]!;
      if (seg.type === "special") continue;
      const ranges = this.#sourcedAt[k] === i ? this.#sourced[k++]! : NO_RANGES;
      if (!seg.text.includes("<|")) continue;
      const text = guardWrittenText(seg.text, ranges, policy, tokens);
      if (text !== seg.text) {
        out[i] = { type: "text", text };
        emptied ||= text === "";
      }
    }
    // Text stripped to nothing is no segment.
    return emptied ? out.filter((seg) => seg.text !== "") : out;
  }

  #flush(): void {
    if (this.#pending !== "") {
      if (this.#pendingRanges !== undefined) {
        this.#sourcedAt.push(this.#out.length);
        this.#sourced.push(this.#pendingRanges);
        this.#pendingRanges = undefined;
      }
      this.#out.push({ type: "text", text: this.#pending });
      this.#pending = "";
    }
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
