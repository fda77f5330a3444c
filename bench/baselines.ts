/**
 * What the streaming parser is compared with in the same run: bare loops that only look for the
 * characters where something could start — `<|` (a special token), `{`, `[` and `.call(` — in the
 * same chunks, fed one chunk at a time as the parser is, finding marks split across chunks too.
 * They build nothing and decide nothing: no events, no content, no calls.
 *
 * - {@link MarkScanner}: `indexOf` for each mark in each chunk (with the last five characters of the
 *   previous chunk in front, for marks split across chunks). The baseline of the target
 *   (streaming at least 2/3 of its speed).
 * - {@link CharScanner}: one pass over each chunk's characters with a few compares each, the state of
 *   a split mark carried over. The cheapest scan there is; reported for reference.
 * - {@link KeepingScanner}: the indexOf scan that also keeps the text as the parser keeps its content
 *   (pieces joined 4,096 at a time, then once at the end): the work no parser that returns the
 *   message's content can skip, reported for reference.
 */

const MARKS = ["<|", "{", "[", ".call("];
/** Longest mark minus one: what a mark split across chunks can leave in the previous chunk. */
const CARRY = 5;

export class MarkScanner {
  private tail = "";
  found = 0;

  push(chunk: string): number {
    const s = this.tail + chunk;
    const from = this.tail.length;
    let found = 0;
    for (const mark of MARKS) {
      for (let k = s.indexOf(mark); k >= 0; k = s.indexOf(mark, k + 1)) if (k + mark.length > from) found++;
    }
    this.tail = s.length > CARRY ? s.slice(-CARRY) : s;
    this.found += found;
    return found;
  }
}

const CALL = ".call(";

export class CharScanner {
  private afterLt = false;
  /** Characters of `.call(` matched so far. */
  private call = 0;
  found = 0;

  push(chunk: string): number {
    let found = 0;
    let afterLt = this.afterLt;
    let call = this.call;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk.charCodeAt(i);
      if (c === 0x7b || c === 0x5b) found++;
      if (afterLt && c === 0x7c) found++;
      afterLt = c === 0x3c;
      call = c === CALL.charCodeAt(call) ? call + 1 : c === 0x2e ? 1 : 0;
      if (call === CALL.length) {
        found++;
        call = 0;
      }
    }
    this.afterLt = afterLt;
    this.call = call;
    this.found += found;
    return found;
  }
}

/** Pieces joined into one block, as the parser joins its content (src/parse/machine.ts). */
const BLOCK = 4096;

export class KeepingScanner extends MarkScanner {
  #blocks: string[] = [];
  #pieces = new Array<string>(BLOCK).fill("");
  #count = 0;

  override push(chunk: string): number {
    const found = super.push(chunk);
    this.#pieces[this.#count++] = chunk;
    if (this.#count === BLOCK) {
      this.#blocks.push(this.#pieces.join(""));
      this.#count = 0;
    }
    return found;
  }

  /** The text kept (what the parser's end() does with its content). */
  text(): string {
    return this.#blocks.join("") + this.#pieces.slice(0, this.#count).join("");
  }
}
