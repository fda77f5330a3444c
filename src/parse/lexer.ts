/**
 * Chunks → tokens: runs of text and special tokens.
 *
 * - A string chunk (or a TokenChunk with neither `id` nor `special`) is scanned for Llama 3.1
 *   special tokens written as text. A possible partial token (`<|eot_i`) at the end of a chunk is
 *   held back until the next chunk decides it (at most 31 characters).
 * - A TokenChunk with `special: true`, or with an `id` in 128000..128255, is a special token by
 *   id, whatever its text (TGI sends `""` for hidden specials). Its name is the id's name in the
 *   Llama 3.1 table, else its text.
 * - A TokenChunk with `special: false` or any other `id` is literal text: it is never scanned, so a
 *   `<|eot_id|>` the model spelled with ordinary tokens stays text.
 */
import { isSpecialTokenId, specialTokenId, specialTokenName } from "../base/tokens.js";
import type { TokenChunk } from "./types.js";

export interface TokenSink {
  text(s: string): void;
  /** A special token; `name` is its text (`<|eot_id|>`), or "" for an unknown control token. */
  special(name: string): void;
}

const MAX_SPECIAL_LEN = 32;

function isNameChar(c: string): boolean {
  return (c >= "a" && c <= "z") || (c >= "0" && c <= "9") || c === "_";
}

/** `s.indexOf("<", from)`; a loop for the few characters a streamed token usually has (faster than the call). */
function indexOfLt(s: string, from: number): number {
  if (s.length - from > 16) return s.indexOf("<", from);
  for (let i = from; i < s.length; i++) if (s.charCodeAt(i) === 0x3c) return i;
  return -1;
}

export class Lexer {
  /** A possible partial special token carried over from the previous chunk (starts with `<`). */
  held = "";

  constructor(private readonly sink: TokenSink) {}

  push(chunk: string | TokenChunk): void {
    if (typeof chunk === "string") return this.#scan(chunk);
    const { text, id, special } = chunk;
    const byId = typeof id === "number" && isSpecialTokenId(id);
    if (special === true || byId) {
      this.flush();
      let name = byId ? specialTokenName(id!) : undefined;
      if (name === undefined && specialTokenId(text) !== undefined) name = text;
      this.sink.special(name ?? "");
      return;
    }
    if (special === false || typeof id === "number") {
      this.flush();
      if (text !== "") this.sink.text(text);
      return;
    }
    this.#scan(text);
  }

  /** Flushes a held partial token as text (end of input, or a token boundary). */
  flush(): void {
    if (this.held !== "") {
      const h = this.held;
      this.held = "";
      this.sink.text(h);
    }
  }

  #scan(s: string): void {
    let i = 0;
    const n = s.length;
    while (i < n) {
      if (this.held === "") {
        const lt = indexOfLt(s, i);
        if (lt < 0) {
          this.sink.text(i === 0 ? s : s.slice(i));
          return;
        }
        if (lt > i) this.sink.text(s.slice(i, lt));
        this.held = "<";
        i = lt + 1;
        continue;
      }
      const c = s[i]!;
      const h = this.held;
      // held is "<", "<|", "<|name", or "<|name|"
      let ok: boolean;
      if (h === "<") ok = c === "|";
      else if (h.endsWith("|") && h.length > 2) ok = c === ">";
      else ok = isNameChar(c) || (c === "|" && h.length > 2);
      if (ok && h.length < MAX_SPECIAL_LEN) {
        const next = h + c;
        if (c === ">") {
          this.held = "";
          if (specialTokenId(next) !== undefined) this.sink.special(next);
          else this.sink.text(next);
        } else {
          this.held = next;
        }
        i++;
        continue;
      }
      // Not a special token: the held text is text; re-examine c (it may start a new `<`).
      this.held = "";
      this.sink.text(h);
    }
  }
}
