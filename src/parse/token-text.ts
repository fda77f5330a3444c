/**
 * Keeps special-token text out of the parsed content.
 *
 * Content can spell a control token without being one: a TGI token stream that writes `<|eot_id|>`
 * with ordinary tokens (`special: false`), or text joined across something the parser removed
 * (`<|eo` + a dropped reserved token or header + `t_id|>`, or text on both sides of a call). Written
 * back into a prompt, such text would become a real control token, and `renderPrompt` refuses it. So
 * the parser removes it from the content, the way the renderer's `specialTokens: "strip"` does,
 * including tokens that a removal forms (`<|eot<|eot_id|>_id|>` → ``).
 *
 * The filter works on the stream of content as it is produced: it holds back only what may still
 * become a token (`<`, `<|eo`, ... — a chain of such prefixes when a removal could join them), so the
 * result does not depend on how the input was chunked.
 */
import { FIRST_SPECIAL_ID, LAST_SPECIAL_ID, findSpecialToken, specialTokenName } from "../base/tokens.js";
import { isWsAt } from "./scan/chars.js";

/** Every special token's text, and every proper prefix of one (built on first use). */
let TOKENS: Set<string> | undefined;
let PREFIXES: Set<string> | undefined;

function buildTables(): void {
  const tokens = new Set<string>();
  const prefixes = new Set<string>();
  for (let id = FIRST_SPECIAL_ID; id <= LAST_SPECIAL_ID; id++) {
    const t = specialTokenName(id);
    if (t === undefined) continue;
    tokens.add(t);
    for (let n = 1; n < t.length; n++) prefixes.add(t.slice(0, n));
  }
  TOKENS = tokens;
  PREFIXES = prefixes;
}

/**
 * Most prefixes held at once (`<|eot<|eot<|eot…`, each waiting for the one after it to become a
 * token and be removed). Past it, the oldest is dropped: it could otherwise complete a token later.
 * Runs of a bare `<` are counted, not stored, so `<<<<` text holds no memory.
 */
const MAX_LINKS = 16;

export class TokenTextFilter {
  /** Held text, oldest first: token prefixes (`<|eo`), or `<` standing for a run of `counts[i]` bare `<`. */
  #items: string[] = [];
  #counts: number[] = [];
  #links = 0;
  /**
   * Whitespace after held prefixes: they can no longer become a token in the content, but the
   * content is trimmed, so they may end it, right before what a renderer writes next (see
   * {@link dropIfJoins}). Held until text follows.
   */
  #tailWs = "";
  /** Characters held. */
  held = 0;

  constructor(private readonly out: (s: string) => void) {}

  push(s: string): void {
    if (TOKENS === undefined) buildTables();
    const tokens = TOKENS!;
    const prefixes = PREFIXES!;
    const n = s.length;
    let i = 0;
    /** s[from..i) is plain text not yet passed on (only while nothing is held). */
    let from = 0;
    while (i < n) {
      if (this.#items.length === 0) {
        const lt = s.indexOf("<", i);
        if (lt < 0) break;
        // Every token starts with `<|`: a `<` followed by anything but `|`, `<` or whitespace is text.
        const next = lt + 1 < n ? s.charCodeAt(lt + 1) : -1;
        if (next !== -1 && next !== 0x7c && next !== 0x3c && !isWsAt(s, lt + 1)) {
          i = lt + 1;
          continue;
        }
        // Most `<` in text (`<b>`, `a < b`) stop being a token prefix at once: look ahead, and pass
        // them through unless a token could form here.
        let k = lt + 1;
        let t = "<";
        while (k < n && s.charCodeAt(k) !== 0x3c && prefixes.has(t + s[k])) t += s[k++];
        if (k < n && s.charCodeAt(k) !== 0x3c && !tokens.has(t + s[k]) && !isWsAt(s, k)) {
          i = k;
          continue;
        }
        // A token completes here, a `<` follows a prefix, or the text ends inside one: hold, exactly.
        if (lt > from) this.out(s.slice(from, lt));
        this.#pushBare();
        i = lt + 1;
        continue;
      }
      if (this.#tailWs !== "") {
        if (isWsAt(s, i)) {
          this.#tailWs += s[i++];
          this.held++;
          continue;
        }
        // Text follows: what was held is content like any other.
        const text = this.#heldText() + this.#tailWs;
        this.#clear();
        this.out(text);
        from = i;
        continue;
      }
      if (isWsAt(s, i)) {
        this.#tailWs = s[i++]!;
        this.held++;
        continue;
      }
      const c = s[i++]!;
      if (c === "<") {
        this.#pushBare();
        continue;
      }
      // Extend the newest held prefix with c.
      const top = this.#items.length - 1;
      let t: string;
      if (this.#counts[top]! > 1) {
        this.#counts[top]!--; // the run's last `<` starts a prefix; the rest of the run stays below it
        t = "<" + c;
      } else {
        t = this.#items[top]! + c;
        if (this.#counts[top] === 0) this.#links--;
        this.#items.pop();
        this.#counts.pop();
      }
      this.held -= t.length - 1;
      if (tokens.has(t)) {
        // removed; what is below may now continue with the next character
        if (this.#items.length === 0) from = i;
        continue;
      }
      if (prefixes.has(t)) {
        this.#items.push(t);
        this.#counts.push(0);
        this.held += t.length;
        if (++this.#links > MAX_LINKS) this.#dropOldest();
        continue;
      }
      // Not a token and never will be: nothing held can become one any more.
      const text = this.#heldText() + t;
      this.#clear();
      this.out(text);
      from = i;
    }
    if (this.#items.length === 0 && from < n) this.out(from === 0 ? s : s.slice(from));
  }

  /** Releases everything held (end of the content). */
  flush(): void {
    if (this.#items.length === 0) return;
    const text = this.#heldText() + this.#tailWs;
    this.#clear();
    this.out(text);
  }

  /**
   * At the end of the content: drops the held prefixes (`<|eo`, a dangling partial token) when the
   * text a renderer writes right after the content — `next`, a code call's code — would complete a
   * token with them.
   */
  dropIfJoins(next: string): void {
    if (this.#items.length === 0) return;
    const held = this.#heldText();
    const t = findSpecialToken(held + next.slice(0, 32));
    if (t !== undefined && t.index < held.length) this.#clear();
  }

  #pushBare(): void {
    const top = this.#items.length - 1;
    if (top >= 0 && this.#counts[top]! > 0) this.#counts[top]!++;
    else {
      this.#items.push("<");
      this.#counts.push(1);
    }
    this.held++;
  }

  #dropOldest(): void {
    while (this.#links > MAX_LINKS) {
      const c = this.#counts.shift()!;
      const t = this.#items.shift()!;
      this.held -= c > 0 ? c : t.length;
      if (c === 0) this.#links--;
    }
  }

  #heldText(): string {
    let s = "";
    for (let i = 0; i < this.#items.length; i++) s += this.#counts[i]! > 0 ? "<".repeat(this.#counts[i]!) : this.#items[i]!;
    return s;
  }

  #clear(): void {
    this.#items = [];
    this.#counts = [];
    this.#links = 0;
    this.held = 0;
    this.#tailWs = "";
  }
}
