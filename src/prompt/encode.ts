/**
 * Token ids for a rendered prompt. Special segments become their id from this library's Llama 3.1
 * table; text segments go through the caller's tokenizer one at a time. Because text is never
 * looked at for special-token text, content such as `"<|eot_id|>"` (kept with
 * `specialTokens: "allow"`) is encoded as ordinary characters and can never forge a control token.
 */
import { causeOf, formatPath, InvalidArgumentError, LlamaPromptError } from "../base/errors.js";
import type { Segment } from "./segments.js";
import { IMAGE_TOKEN, IMAGE_TOKEN_ID, isSpecialTokenId, LAST_SPECIAL_ID, specialTokenId } from "../base/tokens.js";

/**
 * Encodes plain text into Llama 3 token ids. It must NOT parse special-token text and must NOT add
 * `<|begin_of_text|>` / `<|end_of_text|>`. Examples: llama3-tokenizer-js
 * `encode(text, { bos: false, eos: false, specialTokenRegex: /(?!)/g })`; a tiktoken-style encoder
 * with no allowed and no disallowed specials; a transformers.js tokenizer built without its added
 * tokens, called with `{ add_special_tokens: false }`. Any array-like of integers is accepted
 * (`number[]`, `Uint32Array`, ...).
 */
export type EncodeText = (text: string) => ArrayLike<number>;

/** Why {@link encodeSegments} failed. */
export type TokenizerErrorReason =
  /**
   * A segment is not `{ type: "text", text }` or `{ type: "special", token, id?, text? }` with a known
   * token (and `text`, when present, equal to `token`), a field could not be read, or `segments` is not
   * an array (then `segmentIndex` is -1).
   */
  | "invalid_segment"
  /** `encodeText` threw; the original error is the `cause`. */
  | "encoder_threw"
  /**
   * `encodeText` returned something that is not an array-like of non-negative integers, an id past
   * Llama 3's vocabulary (> 128255), or an array-like whose length or items could not be read.
   */
  | "invalid_output"
  /** `encodeText` returned an id in the special block 128000..128255 for a text segment. */
  | "special_id_in_text";

/** The caller's tokenizer (or the segments handed to {@link encodeSegments}) misbehaved. */
export class TokenizerError extends LlamaPromptError {
  static override readonly errorName: string = "TokenizerError";
  readonly reason: TokenizerErrorReason;
  /** Index of the offending segment; -1 when `segments` itself is not an array. */
  readonly segmentIndex: number;
  constructor(reason: TokenizerErrorReason, segmentIndex: number, message: string, options?: { cause?: unknown }) {
    const path = typeof segmentIndex === "number" && segmentIndex >= 0 ? ["segments", segmentIndex] : ["segments"];
    super("TOKENIZER_ERROR", `${formatPath(path)}: ${typeof message === "string" ? message : describe(message)}`, { ...causeOf(options), path });
    this.reason = reason;
    this.segmentIndex = segmentIndex;
  }
}

/**
 * Token ids of a rendered prompt: each special segment is its Llama 3.1 id (from this library's
 * table, whatever the tokenizer's own table says), each text segment is `encodeText(text)`.
 * Empty text segments are skipped without calling `encodeText`.
 *
 * `encodeText` must encode with special-token parsing OFF and without adding BOS/EOS (see
 * {@link EncodeText}). An id in 128000..128255 coming back for text is refused with a
 * `TokenizerError` (code `TOKENIZER_ERROR`): it means the tokenizer parsed special-token text or
 * added a BOS, either of which would let content act as a control token.
 *
 * @example
 * const ids = encodeSegments(renderSegments(messages), (text) => tokenizer.encode(text, { add_special_tokens: false }));
 */
export function encodeSegments(segments: readonly Segment[], encodeText: EncodeText): number[] {
  if (!isArray(segments)) {
    throw new TokenizerError("invalid_segment", -1, `expected an array of segments, got ${describe(segments)}`);
  }
  if (typeof encodeText !== "function") {
    throw new InvalidArgumentError(`expected a function (text: string) => token ids, got ${describe(encodeText)}`, ["encodeText"]);
  }
  const out: number[] = [];
  let count: number;
  try {
    count = segments.length;
  } catch (cause) {
    throw new TokenizerError("invalid_segment", -1, `the segments could not be read: ${errorText(cause)}`, { cause });
  }
  for (let i = 0; i < count; i++) {
    const { type, token, id, text } = readSegment(segments, i);
    if (type === "special") {
      // <|image|>: Llama 3.2 Vision's image token (rendered with llamaVersion "3.2-vision").
      const expected = typeof token === "string" ? (token === IMAGE_TOKEN ? IMAGE_TOKEN_ID : specialTokenId(token)) : undefined;
      if (expected === undefined) {
        throw new TokenizerError("invalid_segment", i, `unknown special token ${describe(token)}`);
      }
      if (id !== undefined && id !== expected) {
        throw new TokenizerError(
          "invalid_segment",
          i,
          `special token ${token as string} carries id ${describe(id)}, but Llama 3.1's id for it is ${expected}`,
        );
      }
      if (text !== undefined && text !== token) {
        throw new TokenizerError(
          "invalid_segment",
          i,
          `special token ${token as string} carries text ${describe(text)}; a special segment's text must equal its token`,
        );
      }
      out.push(expected);
      continue;
    }
    if (type !== "text" || typeof text !== "string") {
      throw new TokenizerError("invalid_segment", i, `expected { type: "text", text: string } or { type: "special", token }`);
    }
    if (text === "") continue;
    let ids: unknown;
    try {
      ids = encodeText(text);
    } catch (cause) {
      throw new TokenizerError("encoder_threw", i, `encodeText threw: ${errorText(cause)}`, { cause });
    }
    pushTextIds(ids, i, out);
  }
  return out;
}

/** The fields of `segments[i]`; a throwing getter (on the array or the segment) is an invalid segment. */
function readSegment(segments: readonly unknown[], i: number): { type: unknown; token: unknown; id: unknown; text: unknown } {
  let seg: unknown;
  try {
    seg = segments[i];
  } catch (cause) {
    throw new TokenizerError("invalid_segment", i, `the segment could not be read: ${errorText(cause)}`, { cause });
  }
  if (seg === null || typeof seg !== "object") {
    throw new TokenizerError("invalid_segment", i, `expected a segment object, got ${describe(seg)}`);
  }
  const s = seg as Record<string, unknown>;
  try {
    const type = s.type;
    return type === "special" ? { type, token: s.token, id: s.id, text: s.text } : { type, token: undefined, id: undefined, text: s.text };
  } catch (cause) {
    throw new TokenizerError("invalid_segment", i, `a field of the segment could not be read: ${errorText(cause)}`, { cause });
  }
}

/** Checks `encodeText`'s output for segment `i` and appends its ids to `out`. */
function pushTextIds(ids: unknown, i: number, out: number[]): void {
  if (ids === null || typeof ids !== "object") {
    throw new TokenizerError("invalid_output", i, `encodeText must return an array of token ids, got ${describe(ids)}`);
  }
  const arr = ids as ArrayLike<unknown>;
  let length: unknown;
  try {
    length = arr.length;
  } catch (cause) {
    throw new TokenizerError("invalid_output", i, `the length of encodeText's output could not be read: ${errorText(cause)}`, { cause });
  }
  if (typeof length !== "number" || !Number.isSafeInteger(length) || length < 0) {
    throw new TokenizerError("invalid_output", i, `encodeText must return an array of token ids, got ${describe(ids)}`);
  }
  for (let k = 0; k < length; k++) {
    let id: unknown;
    try {
      id = arr[k];
    } catch (cause) {
      throw new TokenizerError("invalid_output", i, `encodeText's output could not be read at position ${k}: ${errorText(cause)}`, { cause });
    }
    if (typeof id !== "number" || !Number.isSafeInteger(id) || id < 0) {
      throw new TokenizerError("invalid_output", i, `encodeText returned a non-integer id at position ${k}: ${describe(id)}`);
    }
    if (isSpecialTokenId(id)) {
      throw new TokenizerError(
        "special_id_in_text",
        i,
        `encodeText returned the special-token id ${id} for plain text; encode text with special-token ` +
          `parsing off and without adding BOS/EOS (e.g. add_special_tokens: false)`,
      );
    }
    if (id > LAST_LLAMA3_ID) {
      throw new TokenizerError(
        "invalid_output",
        i,
        `encodeText returned the id ${id} at position ${k}, past Llama 3's vocabulary (0..${LAST_LLAMA3_ID}); is it a Llama 3 tokenizer?`,
      );
    }
    out.push(id);
  }
}

/** Llama 3's vocabulary: 128000 BPE ids, then the 256 special ids 128000..128255; nothing after. */
const LAST_LLAMA3_ID = LAST_SPECIAL_ID;

function errorText(e: unknown): string {
  if (e instanceof Error) return e.message;
  try {
    return String(e);
  } catch {
    return typeof e;
  }
}

/** `Array.isArray` that cannot throw (a revoked Proxy makes it throw). */
function isArray(v: unknown): v is readonly unknown[] {
  try {
    return Array.isArray(v);
  } catch {
    return false;
  }
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (isArray(v)) return "an array";
  if (typeof v === "string") return JSON.stringify(v.length > 40 ? v.slice(0, 40) + "…" : v);
  if (typeof v === "number") return String(v);
  return typeof v;
}

