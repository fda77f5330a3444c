/**
 * Token ids for a rendered prompt. Special segments become their id from this library's Llama 3.1
 * table; text segments go through the caller's tokenizer one at a time. Because text is never
 * looked at for special-token text, content such as `"<|eot_id|>"` (kept with
 * `specialTokens: "allow"`) is encoded as ordinary characters and can never forge a control token.
 */
import { LlamaPromptError } from "./errors.js";
import type { Segment } from "./segments.js";
import { isSpecialTokenId, specialTokenId } from "./tokens.js";

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
  /** A segment is not `{ type: "text", text }` or `{ type: "special", token, id }` with a known token. */
  | "invalid_segment"
  /** `encodeText` threw; the original error is the `cause`. */
  | "encoder_threw"
  /** `encodeText` returned something that is not an array of non-negative integers. */
  | "invalid_output"
  /** `encodeText` returned an id in the special block 128000..128255 for a text segment. */
  | "special_id_in_text";

/** The caller's tokenizer (or the segments handed to {@link encodeSegments}) misbehaved. */
export class TokenizerError extends LlamaPromptError {
  readonly reason: TokenizerErrorReason;
  /** Index of the offending segment. */
  readonly segmentIndex: number;
  constructor(reason: TokenizerErrorReason, segmentIndex: number, message: string, options?: { cause?: unknown }) {
    super("TOKENIZER_ERROR", `segments[${segmentIndex}]: ${message}`, options);
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
  if (!Array.isArray(segments)) {
    throw new TypeError(`encodeSegments: expected an array of segments, got ${describe(segments)}`);
  }
  if (typeof encodeText !== "function") {
    throw new TypeError(`encodeSegments: expected encodeText to be a function, got ${describe(encodeText)}`);
  }
  const out: number[] = [];
  segments.forEach((seg: unknown, i) => {
    if (seg === null || typeof seg !== "object") {
      throw new TokenizerError("invalid_segment", i, `expected a segment object, got ${describe(seg)}`);
    }
    const s = seg as Record<string, unknown>;
    if (s.type === "special") {
      const id = typeof s.token === "string" ? specialTokenId(s.token) : undefined;
      if (id === undefined) {
        throw new TokenizerError("invalid_segment", i, `unknown special token ${JSON.stringify(s.token)}`);
      }
      if (s.id !== undefined && s.id !== id) {
        throw new TokenizerError(
          "invalid_segment",
          i,
          `special token ${s.token as string} carries id ${JSON.stringify(s.id)}, but Llama 3.1's id for it is ${id}`,
        );
      }
      out.push(id);
      return;
    }
    if (s.type !== "text" || typeof s.text !== "string") {
      throw new TokenizerError("invalid_segment", i, `expected { type: "text", text: string } or { type: "special", token }`);
    }
    if (s.text === "") return;
    let ids: unknown;
    try {
      ids = encodeText(s.text);
    } catch (cause) {
      throw new TokenizerError("encoder_threw", i, `encodeText threw: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    }
    if (ids === null || typeof ids !== "object" || typeof (ids as ArrayLike<number>).length !== "number") {
      throw new TokenizerError("invalid_output", i, `encodeText must return an array of token ids, got ${describe(ids)}`);
    }
    const arr = ids as ArrayLike<unknown>;
    for (let k = 0; k < arr.length; k++) {
      const id = arr[k];
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
      out.push(id);
    }
  });
  return out;
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "string") return JSON.stringify(v.length > 40 ? v.slice(0, 40) + "…" : v);
  if (typeof v === "number") return String(v);
  return typeof v;
}
