/**
 * Segments: a rendered prompt as ordered pieces of plain text and special tokens. Keeping the two
 * apart is what makes token ids safe: text is tokenized with special-token parsing off, so content
 * can never turn into a control token, whatever it contains.
 */
import { SPECIAL_TOKENS, type SpecialTokenName } from "../base/tokens.js";

/** A run of plain text. Adjacent text is always merged, so a text segment lies between two specials. */
export interface TextSegment {
  type: "text";
  text: string;
}

/** One special token, with its Llama 3.1 id. `text` equals `token`, so every segment has a `text`. */
export interface SpecialSegment {
  type: "special";
  token: SpecialTokenName;
  id: number;
  text: SpecialTokenName;
}

/** A piece of a rendered prompt. */
export type Segment = TextSegment | SpecialSegment;

/** Accumulates segments, merging adjacent text and dropping empty text. */
export class SegmentBuilder {
  private readonly out: Segment[] = [];
  private pending = "";

  /** Appends plain text. */
  text(s: string): this {
    this.pending += s;
    return this;
  }

  /** Appends a special token. */
  special(token: SpecialTokenName): this {
    this.flush();
    this.out.push({ type: "special", token, id: SPECIAL_TOKENS[token], text: token });
    return this;
  }

  /** The segments so far. */
  build(): Segment[] {
    this.flush();
    return this.out.slice();
  }

  private flush(): void {
    if (this.pending !== "") this.out.push({ type: "text", text: this.pending });
    this.pending = "";
  }
}

/** The prompt string for a list of segments (special tokens written as their text). */
export function segmentsToString(segments: readonly Segment[]): string {
  let s = "";
  for (const seg of segments) s += seg.type === "text" ? seg.text : seg.token;
  return s;
}
