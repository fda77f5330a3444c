/**
 * Normalised message content as written: pieces of text with their sources, for the segment
 * builder (which checks every piece for special-token text as it is written).
 */
import { InvalidMessageError, type ErrorPath } from "../base/errors.js";
import { isPySpace, pyStrip } from "../base/python.js";
import type { NormalizedContent, TextPart } from "./message-types.js";
import type { Piece, SegmentBuilder } from "./segments.js";

/**
 * Message content as pieces of text to write, each with its source, parts separated by `separator`
 * (`"\n"` in the `hf` dialect, as vLLM joins them; `""` in `meta`, as Meta's ChatFormat encodes them
 * back to back). Image parts are refused: text models read no images.
 */
export function contentPieces(content: NormalizedContent, separator: string, path: ErrorPath, role: string): Piece[] {
  if (typeof content === "string") return [{ text: content, source: { path, role } }];
  const out: Piece[] = [];
  for (const p of content) {
    if (p.type === "image") {
      throw new InvalidMessageError(
        `an image cannot be rendered for a text model: Llama 3.1, 3.2 (1B/3B) and 3.3 read text only; ` +
          `images need Llama 3.2 Vision (dialect "hf", llamaVersion "3.2-vision")`,
        p.path,
      );
    }
    if (out.length > 0 && separator !== "") out.push({ text: separator });
    out.push({ text: p.text, source: { path: p.path, role } });
  }
  return out;
}

/**
 * Writes a message's content (`messages[index].content`) with its source: a string as it is, parts
 * joined by `separator` (see {@link contentPieces}); with `trim`, stripped as Python's `str.strip()`.
 */
export function writeContent(out: SegmentBuilder, content: NormalizedContent, separator: string, index: number, role: string, trim = false): SegmentBuilder {
  const path = ["messages", index, "content"];
  if (typeof content === "string") return out.text(trim ? pyStrip(content) : content, { path, role });
  return out.pieces(contentPieces(content, separator, path, role), trim ? isPySpace : undefined);
}

/** True when `v` (plain data) is a non-empty array of `{type: "text", text}` parts. */
export function isTextParts(v: unknown): v is TextPart[] {
  return (
    Array.isArray(v) &&
    v.length > 0 &&
    v.every((p) => p !== null && typeof p === "object" && (p as TextPart).type === "text" && typeof (p as TextPart).text === "string")
  );
}

/** Tool output written as text (`meta`): a string, or (plain) text parts back to back, as pieces with their sources. */
export function toolTextPieces(content: string | TextPart[], path: ErrorPath): Piece[] {
  if (typeof content === "string") return [{ text: content, source: { path, role: "ipython" } }];
  return content.map((p, j) => ({ text: p.text, source: { path: [...path, j, "text"], role: "ipython" } }));
}
