/**
 * The event state machine: tokens (text runs and special tokens) → stream events → message.
 *
 * It owns three things: which mode the text is in (content, a possible call, right after a call, the
 * start of a `<|python_tag|>` region, ...), the policy on whitespace, `;` separators and markdown
 * fences around calls, and the events. Reading a call is left to the call formats (formats/*.ts):
 * where a character may start a call, the machine opens its format's candidate, feeds it, and acts on
 * what it answers (formats/candidate.ts).
 *
 * Text is processed one UTF-16 code unit at a time and every decision depends only on the
 * characters seen so far, never on where chunks were split — so any chunking of the same text
 * yields the same message. Characters that might start a tool call are held in a candidate; when
 * the candidate fails, its held text is flushed (as content, or as code at the start of a
 * `<|python_tag|>` region) and only the character that made it fail is examined again, which keeps
 * the cost linear in the input.
 *
 * The fast path (a run of text that cannot start anything) skips candidates that the current chunk
 * already rules out: it runs the same candidate as a probe ({@link probe}), which answers "given up
 * at k" only where the slow path would give it up at k.
 */
import { IncompleteToolCallError, InvalidOptionsError, ToolCallTooLargeError, describeValue, type LlamaPromptError } from "../base/errors.js";
import { Candidate, FAIL, MORE, probe, TOO_LARGE, type CallFormat, type CallSink, type Outcome, type Started } from "./formats/candidate.js";
import { openCode } from "./formats/code.js";
import { CALL_FORMATS } from "./formats/index.js";
import { Pos, type ResolvedParseOptions } from "./options.js";
import { joinsPrevious, rawCode, unrenderableCall } from "./renderable.js";
import { charIs, codeIs, isWsAt, NEWLINE, SPACE, WORD } from "./scan/chars.js";
import { TokenTextFilter } from "./token-text.js";
import type { AssistantMessage, StopReason, StreamEvent, ToolCall, ToolCallFormat } from "./types.js";

/** What a failed candidate's text turns into: content, or (at the start of a python_tag region) code. */
type FailTo = "text" | "code";

const enum Kind {
  Text,
  AfterCall,
  RegionStart,
  Plain,
  Separator,
  Candidate,
  Confirm,
  FenceOpen,
  FenceClose,
}

/** What the machine keeps beside a candidate. */
interface Held {
  /** Text held before it: whitespace at the start of a python_tag region, a `;` separator. */
  ws: string;
  failTo: FailTo;
  /** Where it started, for the name rule ({@link callPermit}). */
  pos: Pos;
}

type Mode =
  /** Content, until a character may start a call. */
  | { kind: Kind.Text }
  /** Right after a call: whitespace held (a `;` and another call may follow). */
  | { kind: Kind.AfterCall; ws: string }
  /** Right after `<|python_tag|>`: whitespace held until the region shows a call or code. */
  | { kind: Kind.RegionStart; ws: string }
  /** After a call too large to keep: the rest of the region is content. */
  | { kind: Kind.Plain }
  /** A `;` where a call can start a turn (Llama 3.1 8B writes `; {"name": …}`): dropped if a call follows. */
  | (Held & { kind: Kind.Separator; text: string; regionStart: boolean })
  /** A possible call, read by its format's candidate. */
  | (Held & { kind: Kind.Candidate; candidate: Candidate })
  /**
   * A complete call with an undeclared name at a line start: a call only if nothing but whitespace
   * follows it on its line (a newline, the end of the region, a `;`, or a fence's closing backticks).
   */
  | (Held & { kind: Kind.Confirm; candidate: Candidate; /** Whitespace after the call. */ text: string })
  /** A markdown fence opener at a line start (```json + newline + whitespace), held until what follows shows whether it wraps a call. */
  | { kind: Kind.FenceOpen; text: string; newline: boolean }
  /** Backticks after a call that was opened inside a fence: the closing fence, dropped with it. */
  | { kind: Kind.FenceClose; ws: string; text: string };

type CandidateMode = Extract<Mode, { kind: Kind.Candidate }>;
type ConfirmMode = Extract<Mode, { kind: Kind.Confirm }>;

const TEXT: Mode = { kind: Kind.Text };
/** The stop tokens and the stop reason each gives. */
const STOPS = new Map<string, StopReason>([
  ["<|eot_id|>", "eot"],
  ["<|eom_id|>", "eom"],
  ["<|end_of_text|>", "end_of_text"],
]);
const NO_EVENTS: StreamEvent[] = [];
const PLAIN: Mode = { kind: Kind.Plain };

/** What {@link Machine.step} did with a character. */
const CONSUMED = 0;
const REPROCESS = 1;
type StepResult = typeof CONSUMED | typeof REPROCESS;

/** Fast-path classes of ASCII characters (per machine: built-in names depend on the options). */
const INERT = 0; // starts nothing
const WORD_CHAR = 1; // a word character that starts nothing
const WORD_START = 2; // a word character that may start a call at the start of a word
const STARTS = 3; // may start a call anywhere
const SEMICOLON = 4;
const BACKTICK = 5;

/** What the fast lane does with a character: text, whitespace, a line break, check the word before, give up. */
const LANE_TEXT = 0;
const LANE_BLANK = 1;
const LANE_NEWLINE = 2;
const LANE_WORD_START = 3;
const LANE_STOP = 4;

/** Content pieces joined into one block. */
const CONTENT_BLOCK = 4096;

/** Characters of a fence's info string (```json, ```python3, ```tool_code). */
const FENCE_INFO = /[A-Za-z0-9_+.-]/;
const MAX_FENCE_INFO = 32;

function isNewline(c: string): boolean {
  return c === "\n" || c === "\r";
}

/** True when s[from..] holds a line break. */
function hasNewline(s: string, from: number): boolean {
  for (let i = from; i < s.length; i++) if (codeIs(s.charCodeAt(i), NEWLINE)) return true;
  return false;
}

// ---------------------------------------------------------------------------------------------

export class Machine implements CallSink {
  /** Events produced since the last {@link take} ({@link NO_EVENTS}, never written to, while there are none). */
  #out: StreamEvent[] = NO_EVENTS;
  /**
   * The content so far: joined blocks, and the pieces written since (content grows by tiny pieces
   * when streamed; joining them in blocks keeps it flat, in memory and time linear in its length).
   */
  #contentBlocks: string[] = [];
  #contentPieces: string[] = new Array<string>(CONTENT_BLOCK).fill("");
  #contentCount = 0;
  #contentStarted = false;
  /** Whitespace after the content so far: written only if more content follows (content is trimmed). */
  #pendingWs = "";
  #calls: ToolCall[] = [];
  #mode: Mode = TEXT;
  /** The UTF-16 code of the last character seen, -1 at the start and after a control token. */
  #prevCode = -1;
  #inHeader = false;
  /** A python_tag or a tool call has been seen (the message no longer "starts" here). */
  #pastMessageStart = false;
  /**
   * Position state, on the content as it is produced (before {@link tokenText}): `atTurnStart` —
   * nothing but whitespace since the message start, a python_tag or a call (a call may start a turn
   * here); `afterLineBreak` — a line break since the last non-whitespace character.
   */
  #atTurnStart = true;
  #afterLineBreak = false;
  /** A fence opener held while the candidate right after it runs: dropped if it is a call, else content. */
  #fenceOpener: string | undefined;
  /** A call opened inside a fence completed: backticks right after it close the fence (dropped). */
  #fenceToClose = false;
  /** The raw code of the last call, when Meta's encoder writes it raw (a code_interpreter call). */
  lastCode: string | undefined;
  /** Removes special-token text from the content (see token-text.ts). */
  #tokenText = new TokenTextFilter((s) => this.#contentOut(s));
  #idCounter = 0;
  #idPrefix = `call_${Math.random().toString(36).slice(2, 10)}_`;
  /** Ids handed out in this message (a `createId` that repeats one is an error). */
  #ids = new Set<string>();
  /** Per ASCII character: the call format whose calls may start with it, and its fast-path class. */
  #formats: Array<CallFormat | undefined> = [];
  #classes = new Uint8Array(128);
  /** Per ASCII character, what the fast lane ({@link plainChunk}) does with it (LANE_*). */
  #lane = new Uint8Array(128);
  /** Set by {@link contentEnd}: the run it skipped may hold a `<`. */
  #runHoldsLt = false;
  #limit: number;
  /** True once the message is over (stop token or end()); the end event has been emitted. */
  done = false;
  /** Set when `createId` failed: the parser cannot go on, and every later call throws this. */
  failure: LlamaPromptError | undefined;

  constructor(readonly options: ResolvedParseOptions) {
    this.#limit = options.maxToolCallChars;
    for (let c = 0; c < 128; c++) this.#classes[c] = codeIs(c, WORD) ? WORD_CHAR : INERT;
    for (const format of CALL_FORMATS) {
      for (const c of format.starts(options)) {
        const code = c.charCodeAt(0);
        this.#formats[code] = format;
        this.#classes[code] = format.wordStart ? WORD_START : STARTS;
      }
    }
    this.#classes[0x3b] = SEMICOLON;
    this.#classes[0x60] = BACKTICK;
    for (let c = 0; c < 128; c++) {
      const cls = this.#classes[c]!;
      this.#lane[c] =
        cls === WORD_START ? LANE_WORD_START
        : cls !== INERT && cls !== WORD_CHAR ? LANE_STOP
        : codeIs(c, NEWLINE) ? LANE_NEWLINE
        : codeIs(c, SPACE) ? LANE_BLANK
        : LANE_TEXT;
    }
  }

  take(): StreamEvent[] {
    const out = this.#out;
    if (out === NO_EVENTS) return [];
    this.#out = NO_EVENTS;
    return out;
  }

  /** Adds an event (a one-element array for the first: a push usually makes one event). */
  #emit(event: StreamEvent): void {
    if (this.#out === NO_EVENTS) this.#out = [event];
    else this.#out.push(event);
  }

  /** Characters currently held back (candidate text, pending whitespace, tool-call text kept for `raw`). */
  get bufferedChars(): number {
    const m = this.#mode;
    let n = this.#pendingWs.length + this.#tokenText.held + (this.#fenceOpener?.length ?? 0);
    if ("ws" in m) n += m.ws.length;
    if ("text" in m) n += m.text.length;
    if ("candidate" in m) n += m.kind === Kind.Confirm ? m.candidate.text.length : m.candidate.size;
    return n;
  }

  // -- input -----------------------------------------------------------------------------------

  /**
   * A string chunk taken whole by the fast lane ({@link plainChunk}): its events, or undefined,
   * having done nothing. `<` always may start something (a function tag), so a chunk taken here
   * holds no special-token text: the parser offers a string chunk here before its lexer scans it.
   * {@link text} is the general path, which gives the same events (test/parser-internals.test.ts
   * compares them push by push).
   */
  plainText(s: string): StreamEvent[] | undefined {
    if (this.#mode !== TEXT || !this.#contentStarted || this.#tokenText.held !== 0 || this.done || this.#inHeader) return undefined;
    return this.#plainChunk(s);
  }

  text(s: string): void {
    if (this.done || this.#inHeader) return;
    let i = 0;
    const n = s.length;
    while (i < n) {
      const m = this.#mode;
      if (m.kind === Kind.Text) {
        this.#runHoldsLt = false;
        const j = this.#contentEnd(s, i);
        if (j > i) {
          this.#emitContent(i === 0 && j === n ? s : s.slice(i, j), this.#runHoldsLt);
          this.#prevCode = s.charCodeAt(j - 1);
          i = j;
          continue;
        }
      } else if (m.kind === Kind.Candidate && m.candidate.takeRest(s, i)) {
        this.#prevCode = s.charCodeAt(n - 1);
        return;
      } else if (m.kind === Kind.Plain) {
        this.#emitContent(i === 0 ? s : s.slice(i));
        this.#prevCode = s.charCodeAt(n - 1);
        return;
      }
      this.#feedChar(s[i]!);
      i++;
    }
  }

  /** True when the character before the current one is a word character (`[A-Za-z0-9_]`). */
  #afterWord(): boolean {
    return this.#prevCode >= 0 && codeIs(this.#prevCode, WORD);
  }

  /**
   * The fast lane for what most pushes are — a token of prose in the middle of the content: when no
   * character of `s` may start anything, `s` is content as it is, and one pass over it (one table
   * lookup per character) does what {@link contentEnd} and {@link emitContent} would do in two. Its
   * events, or undefined, having done nothing, when some character needs the general path. Only
   * called in Text mode, after content started, with nothing held, between pushes (no event waiting).
   */
  #plainChunk(s: string): StreamEvent[] | undefined {
    const n = s.length;
    const lane = this.#lane;
    let last = -1; // the last character that is not whitespace
    let newline = false; // a line break after it
    for (let j = 0; j < n; j++) {
      const code = s.charCodeAt(j);
      const c = code < 128 ? lane[code]! : isWsAt(s, j) ? LANE_BLANK : LANE_TEXT;
      if (c === LANE_TEXT) {
        last = j;
        newline = false;
      } else if (c === LANE_BLANK) {
        // (whitespace)
      } else if (c === LANE_NEWLINE) {
        newline = true;
      } else if (c === LANE_WORD_START && (j === 0 ? this.#afterWord() : codeIs(s.charCodeAt(j - 1), WORD))) {
        // A word-start character inside a word starts nothing.
        last = j;
        newline = false;
      } else {
        return undefined;
      }
    }
    if (n === 0) return [];
    this.#prevCode = s.charCodeAt(n - 1);
    if (last < 0) {
      // Only whitespace: held until text follows (content is trimmed).
      if (!this.#afterLineBreak) this.#afterLineBreak = newline;
      this.#pendingWs += s;
      return [];
    }
    this.#atTurnStart = false;
    this.#fenceToClose = false;
    this.#afterLineBreak = newline;
    const text = last === n - 1 ? s : s.slice(0, last + 1);
    const delta = this.#pendingWs === "" ? text : this.#pendingWs + text;
    this.#pendingWs = last === n - 1 ? "" : s.slice(last + 1);
    this.#addContent(delta);
    return [{ type: "text-delta", text: delta }];
  }

  /**
   * The fast path: where the content that starts at `s[i]` (in Text mode) ends — at the first
   * character the slow path must examine, because it may start something this chunk does not decide.
   */
  #contentEnd(s: string, i: number): number {
    const n = s.length;
    const classes = this.#classes;
    let j = i;
    while (j < n) {
      const code = s.charCodeAt(j);
      const cls = code < 128 ? classes[code]! : INERT;
      if (cls <= WORD_CHAR) {
        j++;
        continue;
      }
      if (cls === WORD_START || cls === STARTS) {
        // A word-start call cannot start right after a word character.
        if (cls === WORD_START && (j === i ? this.#afterWord() : codeIs(s.charCodeAt(j - 1), WORD))) {
          j++;
          continue;
        }
        // Skip a candidate this chunk already rules out, exactly where the slow path would give it
        // up (it would emit the same characters as content).
        const opening = { pos: this.#posAt(s, i, j), regionStart: false, turnStart: false };
        const k = probe(this.#formats[code]!.open(this, s[j]!, opening, true), s, j);
        if (k < 0) break;
        this.#runHoldsLt = true; // (maybe: the skipped text is content too, and the filter must see a `<`)
        j = k;
        continue;
      }
      if (cls === SEMICOLON) {
        if (this.#atTurnStart && this.#posAt(s, i, j) === Pos.TURN) break; // a separator before a call
        j++;
        continue;
      }
      // ` at a line start may open a fence: undecided unless the chunk shows fewer than three.
      const lineStart = j === i ? this.#prevCode === -1 || this.#prevCode === 10 : s.charCodeAt(j - 1) === 10;
      if (!lineStart) {
        j++;
        continue;
      }
      let k = j + 1;
      while (k < n && k < j + 3 && s.charCodeAt(k) === 0x60) k++;
      if (k === n || k === j + 3) break;
      j = k;
    }
    return j;
  }

  /** Where a candidate at s[j] starts, for the name rule: as the slow path will see it after s[i..j) is content. */
  #posAt(s: string, i: number, j: number): Pos {
    let lineBreak = false;
    for (let k = j - 1; k >= i; k--) {
      const code = s.charCodeAt(k);
      if (!codeIs(code, SPACE, s, k)) return lineBreak ? Pos.LINE : Pos.MID;
      if (codeIs(code, NEWLINE)) lineBreak = true;
    }
    if (this.#atTurnStart) return Pos.TURN;
    return lineBreak || this.#afterLineBreak ? Pos.LINE : Pos.MID;
  }

  special(name: string): void {
    if (this.done) return;
    this.#prevCode = -1; // a control token is a word boundary
    const reason = STOPS.get(name);
    if (reason !== undefined) return this.#stop(reason);
    // Any other control token ends a header's role text; begin_of_text, padding, reserved and
    // unknown tokens are dropped, invisible.
    this.#inHeader = name === "<|start_header_id|>";
    if (name === "<|python_tag|>") {
      this.#finishRegion();
      this.#mode = { kind: Kind.RegionStart, ws: "" };
      this.#pastMessageStart = true;
      this.#atTurnStart = true;
    }
  }

  /** End of input without a stop token. Emits the end event (once). */
  end(): void {
    if (this.done) return;
    this.#stop("none");
  }

  #stop(reason: StopReason): void {
    this.#inHeader = false;
    this.#finishRegion();
    // Meta's encoder writes the content right before the first call: a dangling `<|eo` at the end of
    // the content must not meet a code call's `t_id|>`.
    const first = this.#calls[0];
    const code = first && rawCode(first.name, first.arguments);
    if (code !== undefined) this.#tokenText.dropIfJoins(code);
    this.#tokenText.flush();
    this.#pendingWs = "";
    this.done = true;
    const message: AssistantMessage = {
      role: "assistant",
      content: this.#contentBlocks.join("") + this.#contentPieces.slice(0, this.#contentCount).join(""),
      toolCalls: this.#calls.slice(),
      stopReason: reason,
    };
    this.#emit({ type: "end", message });
  }

  // -- the modes ---------------------------------------------------------------------------------

  #feedChar(c: string): void {
    while (this.#step(c) === REPROCESS) {
      /* the new mode examines c again */
    }
    this.#prevCode = c.charCodeAt(0);
  }

  /** Feeds text that was held and must be examined again (bounded: a few characters or one tail). */
  #refeed(s: string): void {
    for (let i = 0; i < s.length; i++) this.#feedChar(s[i]!);
  }

  get #pos(): Pos {
    return this.#atTurnStart ? Pos.TURN : this.#afterLineBreak ? Pos.LINE : Pos.MID;
  }

  /** Opens what `c` may start (a separator, or a candidate of the format its calls start with). */
  #tryStart(c: string, failTo: FailTo, ws: string, pos: Pos, regionStart: boolean): boolean {
    if (c === ";") {
      if (pos !== Pos.TURN || ws.includes(";")) return false;
      this.#mode = { kind: Kind.Separator, text: "", ws, failTo, pos, regionStart };
      return true;
    }
    const format = this.#formats[c.charCodeAt(0)];
    if (format === undefined || (format.wordStart && !regionStart && this.#afterWord())) return false;
    const turnStart = regionStart || (this.#atTurnStart && !this.#pastMessageStart);
    const candidate = format.open(this, c, { pos, regionStart, turnStart }, false);
    if (candidate === undefined) return false;
    this.#mode = { kind: Kind.Candidate, candidate, ws, failTo, pos };
    return true;
  }

  #step(c: string): StepResult {
    const m = this.#mode;
    switch (m.kind) {
      case Kind.Text:
        if (c === "`" && (this.#prevCode === -1 || this.#prevCode === 10)) {
          this.#mode = { kind: Kind.FenceOpen, text: "", newline: false };
          return REPROCESS;
        }
        if (this.#tryStart(c, "text", "", this.#pos, false)) return REPROCESS;
        this.#emitContent(c);
        return CONSUMED;

      case Kind.Candidate:
        return this.#act(m, m.candidate.push(c));

      case Kind.FenceOpen: {
        if (m.newline) {
          if (charIs(c, SPACE)) {
            m.text += c;
            return CONSUMED;
          }
          const held = m.text;
          this.#mode = TEXT;
          // The opener ends with a line break: what follows it starts a line.
          if (this.#tryStart(c, "text", "", this.#atTurnStart ? Pos.TURN : Pos.LINE, false)) {
            this.#fenceOpener = held;
            return REPROCESS;
          }
          this.#emitContent(held);
          return REPROCESS;
        }
        const n = m.text.length;
        if (n < 3 ? c === "`" : n < 3 + MAX_FENCE_INFO && FENCE_INFO.test(c)) {
          m.text += c;
          return CONSUMED;
        }
        if (n >= 3 && c === "\n") {
          m.text += c;
          m.newline = true;
          return CONSUMED;
        }
        this.#emitContent(m.text); // not a fence opener
        this.#mode = TEXT;
        return REPROCESS;
      }

      case Kind.FenceClose:
        if (c === "`") {
          m.text += c;
          if (m.text.length === 3) {
            this.#fenceToClose = false;
            this.#mode = TEXT;
          }
          return CONSUMED;
        }
        this.#fenceToClose = false;
        this.#emitContent(m.ws + m.text);
        this.#mode = TEXT;
        return REPROCESS;

      case Kind.Plain:
        this.#emitContent(c);
        return CONSUMED;

      case Kind.AfterCall:
        if (charIs(c, SPACE)) {
          m.ws += c;
          return CONSUMED;
        }
        if (c === ";") {
          this.#mode = TEXT; // the separator and the whitespace before it are consumed
          return CONSUMED;
        }
        if (c === "`" && this.#fenceToClose) {
          this.#mode = { kind: Kind.FenceClose, ws: m.ws, text: "`" };
          return CONSUMED;
        }
        this.#emitContent(m.ws);
        this.#mode = TEXT;
        return REPROCESS;

      case Kind.RegionStart:
        if (charIs(c, SPACE)) {
          m.ws += c;
          return CONSUMED;
        }
        if (this.#tryStart(c, "code", m.ws, Pos.TURN, true)) return REPROCESS;
        this.#becomeCode(m.ws);
        return REPROCESS;

      case Kind.Separator:
        if (m.text === "") {
          m.text = c; // the `;`
          return CONSUMED;
        }
        if (charIs(c, SPACE)) {
          m.text += c;
          return CONSUMED;
        }
        if (c !== ";" && this.#tryStart(c, m.failTo, m.ws + m.text, m.pos, m.regionStart)) return REPROCESS;
        return this.#giveUp(m.failTo, undefined, m.ws, m.text, "not a separator before a call");

      case Kind.Confirm:
        if (isNewline(c) || c === ";" || (c === "`" && this.#fenceOpener !== undefined)) {
          this.#confirm(m);
          return REPROCESS;
        }
        if (charIs(c, SPACE)) {
          m.text += c;
          return CONSUMED;
        }
        return this.#giveUp(
          m.failTo,
          m.candidate.started,
          m.ws,
          m.candidate.text + m.text,
          "text follows it on its line (a tool name that was not declared is a call only where a call can start a turn, or alone on its line)",
        );
    }
  }

  /** Does what a candidate answered. */
  #act(m: CandidateMode, outcome: Outcome): StepResult {
    const candidate = m.candidate;
    if (outcome === MORE) return CONSUMED;
    if (outcome === FAIL) return this.#giveUp(m.failTo, candidate.started, m.ws, candidate.text, candidate.why, candidate.report);
    if (outcome === TOO_LARGE) {
      this.#tooLarge(candidate.started, m.ws, candidate.text);
      return CONSUMED;
    }
    // DONE: committed now, or — an undeclared name at a line start — held until the rest of its
    // line shows it is alone there.
    if (candidate.ownLine) {
      this.#mode = { kind: Kind.Confirm, candidate, ws: m.ws, failTo: m.failTo, pos: m.pos, text: "" };
    } else {
      this.#emitGap(m.ws);
      candidate.commit();
      this.#mode = { kind: Kind.AfterCall, ws: "" };
    }
    if (candidate.rest !== "") {
      // Text read past the call's end: examined again, after the call's last character.
      this.#prevCode = candidate.text.charCodeAt(candidate.text.length - 1);
      this.#refeed(candidate.rest);
    }
    return CONSUMED;
  }

  #confirm(m: ConfirmMode): void {
    this.#emitGap(m.ws);
    m.candidate.commit();
    this.#mode = { kind: Kind.AfterCall, ws: m.text };
  }

  /**
   * A candidate failed: its held text becomes content (or code); the failing char is re-examined.
   * A started call gets an error event; so does a complete call that was refused (`report`), e.g.
   * for arguments that would not render back.
   */
  #giveUp(failTo: FailTo, started: Started | undefined, ws: string, held: string, why: string, report = false): StepResult {
    if (started) this.#error(started, new IncompleteToolCallError(`tool call ${started.index} is not valid: ${why}`, held));
    else if (report) this.#error(undefined, new IncompleteToolCallError(`tool call is not valid: ${why}`, held));
    this.#flushFence();
    if (failTo === "code") {
      this.#becomeCode(ws + held);
    } else {
      this.#emitContent(ws + held);
      this.#mode = TEXT;
    }
    return REPROCESS;
  }

  /** The candidate after a fence opener was not a call: the opener is content after all. */
  #flushFence(): void {
    if (this.#fenceOpener === undefined) return;
    const f = this.#fenceOpener;
    this.#fenceOpener = undefined;
    this.#emitContent(f);
  }

  /** The region is code from here: start a code call (reusing the index of a failed call). */
  #becomeCode(code: string): void {
    const { candidate, outcome } = openCode(this, code);
    this.#mode = { kind: Kind.Candidate, candidate, ws: "", failTo: "text", pos: Pos.TURN };
    if (outcome === TOO_LARGE) this.#tooLarge(candidate.started, "", candidate.text);
  }

  /** The held text would pass `maxToolCallChars`: one error, the text is content, the region is plain text. */
  #tooLarge(started: Started | undefined, ws: string, held: string): void {
    this.#error(started, new ToolCallTooLargeError(this.#limit));
    this.#flushFence();
    this.#emitContent(ws + held);
    this.#mode = PLAIN;
  }

  /**
   * The current region ends (python_tag, stop token, end of input): resolve whatever is held.
   * Held text that cannot complete is flushed; it is re-examined only where it was a short
   * look-ahead (`</function>` prefix) or a built-in call's tail.
   */
  #finishRegion(): void {
    for (let guard = 0; guard < 1_000_000; guard++) {
      const m = this.#mode;
      if (m.kind === Kind.Confirm) this.#confirm(m);
      else if (m.kind === Kind.Separator) this.#giveUp(m.failTo, undefined, m.ws, m.text, "input ended");
      else if (m.kind === Kind.Candidate) this.#act(m, m.candidate.finish());
      else {
        // Whitespace or a fence held, or nothing: content.
        if (m.kind === Kind.FenceClose) this.#fenceToClose = false;
        this.#emitContent(("ws" in m ? m.ws : "") + ("text" in m ? m.text : ""));
        this.#mode = TEXT;
        return;
      }
    }
  }

  // -- output ------------------------------------------------------------------------------------

  /**
   * Content, as the machine produces it: updates the position state, then goes through the
   * special-token text filter to {@link contentOut}. `mayHoldLt` false: s has no `<` (the fast path knows).
   */
  #emitContent(s: string, mayHoldLt = true): void {
    const n = s.length;
    if (n === 0) return;
    let last = n - 1;
    while (last >= 0 && isWsAt(s, last)) last--;
    if (last < 0) {
      // only whitespace
      if (!this.#afterLineBreak) this.#afterLineBreak = hasNewline(s, 0);
      if (this.#tokenText.held !== 0) this.#tokenText.push(s);
      else if (this.#contentStarted) this.#pendingWs += s;
      return;
    }
    this.#atTurnStart = false;
    this.#fenceToClose = false; // text after a fenced call: a later ``` is content
    this.#afterLineBreak = last < n - 1 && hasNewline(s, last + 1);
    if (this.#tokenText.held !== 0 || (mayHoldLt && s.indexOf("<") >= 0)) {
      this.#tokenText.push(s);
      return;
    }
    // Nothing held and no `<`: the filter would pass s through as it is (contentOut, inlined).
    const text = last === n - 1 ? s : s.slice(0, last + 1);
    if (this.#contentStarted) {
      this.#emitText(this.#pendingWs === "" ? text : this.#pendingWs + text);
    } else {
      let first = 0;
      while (isWsAt(text, first)) first++;
      this.#emitText(first === 0 ? text : text.slice(first));
      this.#contentStarted = true;
    }
    this.#pendingWs = last === n - 1 ? "" : s.slice(last + 1);
  }

  /** Whitespace held before a call that became a call: the separator in it is dropped, the rest is content. */
  #emitGap(ws: string): void {
    this.#emitContent(ws.includes(";") ? ws.replace(";", "") : ws);
  }

  /** Filtered content: leading whitespace dropped, whitespace runs held until text follows them. */
  #contentOut(s: string): void {
    const n = s.length;
    let f = 0;
    while (f < n && isWsAt(s, f)) f++;
    if (f === n) {
      if (this.#contentStarted) this.#pendingWs += s;
      return;
    }
    let l = n - 1;
    while (isWsAt(s, l)) l--;
    const lead = this.#contentStarted ? this.#pendingWs + s.slice(0, f) : "";
    this.#emitText(lead + s.slice(f, l + 1));
    this.#pendingWs = s.slice(l + 1);
    this.#contentStarted = true;
  }

  #emitText(s: string): void {
    if (s === "") return;
    this.#addContent(s);
    const out = this.#out;
    const last = out.length === 0 ? undefined : out[out.length - 1]!; // (out[-1] is a slow property lookup)
    if (last !== undefined && last.type === "text-delta") last.text += s;
    else this.#emit({ type: "text-delta", text: s });
  }

  /** Appends to the content (non-empty text, as a text-delta carries it). */
  #addContent(s: string): void {
    const pieces = this.#contentPieces;
    pieces[this.#contentCount++] = s;
    if (this.#contentCount === CONTENT_BLOCK) {
      this.#contentBlocks.push(pieces.join(""));
      this.#contentCount = 0;
    }
  }

  // -- calls (the CallSink the formats write through) ----------------------------------------------

  /** Why the call would not render back (alone, or after the call before it), or undefined. */
  problem(name: string, args: Record<string, unknown>): string | undefined {
    return unrenderableCall(name, args) ?? joinsPrevious(this.lastCode, name, args);
  }

  startCall(name: string | undefined, format: ToolCallFormat): Started {
    const started: Started = { index: this.#calls.length, id: this.#nextId() };
    const event: StreamEvent = { type: "tool-call-start", index: started.index, id: started.id, format };
    if (name !== undefined) event.name = name;
    this.#emit(event);
    this.#pastMessageStart = true;
    return started;
  }

  delta(call: Started, s: string): void {
    if (s === "") return;
    const out = this.#out;
    const last = out.length === 0 ? undefined : out[out.length - 1]!;
    if (last !== undefined && last.type === "tool-call-delta" && last.index === call.index) last.argumentsDelta += s;
    else this.#emit({ type: "tool-call-delta", index: call.index, argumentsDelta: s });
  }

  endCall(call: Started, name: string, args: Record<string, unknown>, format: ToolCallFormat, raw: string): void {
    if (this.#fenceOpener !== undefined) {
      this.#fenceOpener = undefined; // the fence wrapped a call: it is markup, not content
      this.#fenceToClose = true;
    }
    const toolCall: ToolCall = { id: call.id, name, arguments: args, format, raw };
    this.#calls.push(toolCall);
    this.lastCode = rawCode(name, args);
    this.#emit({ type: "tool-call-end", index: call.index, toolCall });
    this.#pastMessageStart = true;
    this.#atTurnStart = true;
  }

  #error(call: Started | undefined, error: LlamaPromptError): void {
    const event: StreamEvent = { type: "error", error };
    if (call) event.index = call.index;
    this.#emit(event);
  }

  #nextId(): string {
    const createId = this.options.createId;
    if (!createId) return `${this.#idPrefix}${++this.#idCounter}`;
    let id: unknown;
    try {
      id = createId();
    } catch (cause) {
      throw this.#fatal(new InvalidOptionsError(`createId threw (${describeError(cause)})`, ["options", "createId"], { cause }));
    }
    if (typeof id !== "string" || id === "") {
      throw this.#fatal(new InvalidOptionsError(`createId must return a non-empty string, got ${describeValue(id)}`, ["options", "createId"]));
    }
    if (this.#ids.has(id)) {
      throw this.#fatal(
        new InvalidOptionsError(`createId returned ${describeValue(id)} twice; tool-call ids must be unique within a message`, ["options", "createId"]),
      );
    }
    this.#ids.add(id);
    return id;
  }

  #fatal(e: LlamaPromptError): LlamaPromptError {
    this.failure = e;
    return e;
  }
}

/** A short description of what a callback threw, for an error message; never throws. */
function describeError(e: unknown): string {
  try {
    if (e instanceof Error) {
      const msg = String(e.message);
      return `${e.name}: ${msg.length > 80 ? msg.slice(0, 80) + "…" : msg}`;
    }
  } catch {
    // fall through
  }
  return describeValue(e);
}
