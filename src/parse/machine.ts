/**
 * The event state machine: tokens (text runs and special tokens) → stream events → message.
 *
 * Text is processed one UTF-16 code unit at a time and every decision depends only on the
 * characters seen so far, never on where chunks were split — so any chunking of the same text
 * yields the same message. Characters that might start a tool call are held in a candidate; when
 * the candidate fails, its held text is flushed (as content, or as code at the start of a
 * `<|python_tag|>` region) and only the character that made it fail is examined again, which keeps
 * the cost linear in the input.
 *
 * The fast path (a run of text that cannot start anything) skips candidates that the current chunk
 * already rules out. Each of its probes runs the same recogniser the slow path runs, with the same
 * position and the same `maxToolCallChars`, and answers "rejected at k" only where the slow path would
 * give the candidate up at k; anything else (a call, the limit reached, the chunk ending) it leaves to
 * the slow path.
 */
import { IncompleteToolCallError, InvalidOptionsError, ToolCallTooLargeError, describeValue, type LlamaPromptError } from "../base/errors.js";
import { findSpecialToken } from "../base/tokens.js";
import { BuiltinArgsScanner, parseBuiltinArgsToEnd } from "./scan/builtin-args.js";
import { decodeFunctionTagArgs, decodeJsonCallText, decodePythonListElement } from "./decode.js";
import { JsonCallScan, scanJsonCall } from "./json-call.js";
import { ListScan } from "./list-call.js";
import { callPermit, declaresAny, Permit, Pos, type ResolvedParseOptions } from "./options.js";
import { joinsPrevious, rawCode, unrenderableCall } from "./renderable.js";
import { TokenTextFilter } from "./token-text.js";
import type { AssistantMessage, StopReason, StreamEvent, ToolCall, ToolCallFormat } from "./types.js";
import { isIdChar, isIdStart, isToolNameChar, isWs, isWsAt } from "./scan/chars.js";

/** What a failed candidate turns into: content, or (at the start of a python_tag region) code. */
type FailMode = "text" | "code";

interface Started {
  index: number;
  id: string;
}

const enum M {
  Text,
  AfterCall,
  RegionStart,
  Code,
  Plain,
  Sep,
  BPrefix,
  BArgs,
  BTail,
  Json,
  List,
  FPrefix,
  FName,
  FArgs,
  FClose,
  Confirm,
  Fence,
  FenceClose,
}

interface Base {
  /** Text held before this candidate: whitespace at the start of a python_tag region, a `;` separator. */
  ws: string;
  fail: FailMode;
  /** Where the candidate started, for the name rule ({@link callPermit}). */
  pos: Pos;
}

type Mode =
  | { k: M.Text }
  | { k: M.AfterCall; ws: string }
  | { k: M.RegionStart; ws: string }
  | { k: M.Code; st: Started; code: string }
  | { k: M.Plain }
  /** A `;` where a call can start a turn (Llama 3.1 8B writes `; {"name": …}`): dropped if a call follows. */
  | (Base & { k: M.Sep; buf: string; rs: boolean })
  | (Base & { k: M.BPrefix; buf: string; preferLast: boolean })
  | (Base & { k: M.BArgs; buf: string; name: string; argsStart: number; sc: BuiltinArgsScanner; st: Started; preferLast: boolean })
  | { k: M.BTail; ws: string; name: string; args: Record<string, unknown>; argsText: string; raw: string; st: Started; tail: string }
  | (Base & { k: M.Json; scan: JsonCallScan; st?: Started })
  | (Base & { k: M.List; list: ListScan })
  | (Base & { k: M.FPrefix; buf: string })
  | (Base & { k: M.FName; buf: string })
  | (Base & { k: M.FArgs; buf: string; name: string; argsStart: number; st: Started; depth: number; q: string; esc: boolean; ownLine: boolean })
  | (Base & { k: M.FClose; buf: string; name: string; args: Record<string, unknown>; st: Started; look: string; ownLine: boolean })
  /**
   * A complete call with an undeclared name at a line start: a call only if nothing but whitespace
   * follows it on its line (a newline, the end of the region, a `;`, or a fence's closing backticks).
   */
  | { k: M.Confirm; ws: string; fail: FailMode; held: string; tail: string; st: Started | undefined; commit: () => void }
  /** A markdown fence opener at a line start (```json + newline + whitespace), held until what follows shows whether it wraps a call. */
  | { k: M.Fence; buf: string; nl: boolean }
  /** Backticks after a call that was opened inside a fence: the closing fence, dropped with it. */
  | { k: M.FenceClose; ws: string; buf: string };

const FUNCTION_OPEN = "<function=";
const FUNCTION_CLOSE = "</function>";
/** Longest tool name (`isToolName`). */
const MAX_NAME = 128;

const CONSUMED = 0;
const REPROCESS = 1;
type StepResult = typeof CONSUMED | typeof REPROCESS;

/** ASCII table: 1 for word characters [A-Za-z0-9_]. */
const WORD = new Uint8Array(128);
for (let c = 0; c < 128; c++) WORD[c] = isIdChar(String.fromCharCode(c)) ? 1 : 0;
/** ASCII classes for the fast path: other, a word character, or a character a candidate may start at. */
const OTHER = 0;
const WORD_CHAR = 1;
const MARK = 2;
const CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) CLASS[c] = WORD[c] === 1 ? WORD_CHAR : "{<[;`".includes(String.fromCharCode(c)) ? MARK : OTHER;

const CONTENT_BLOCK = 1 << 16;

/** Characters of a fence's info string (```json, ```python3, ```tool_code). */
const FENCE_INFO = /[A-Za-z0-9_+.-]/;
const MAX_FENCE_INFO = 32;

/** Makes V8 flatten a rope string in place (a numeric coercion reads it flat); elsewhere a no-op. */
function flatten(s: string): string {
  void (Number(s) | 0);
  return s;
}

function allWs(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (!isWs(s[i]!)) return false;
  return true;
}

function isNewline(c: string): boolean {
  return c === "\n" || c === "\r";
}

/** True when s[from..] holds a line break. */
function hasNewline(s: string, from: number): boolean {
  for (let i = from; i < s.length; i++) if (isNewline(s[i]!)) return true;
  return false;
}

interface DecodedListCall {
  name: string;
  args: Record<string, unknown>;
  raw: string;
  argsText: string;
  format: ToolCallFormat;
}

// ---------------------------------------------------------------------------------------------

export class Machine {
  /** Events produced since the last {@link take}. */
  private out: StreamEvent[] = [];
  private content = "";
  private contentBlocks: string[] = [];
  private contentStarted = false;
  private pendingWs = "";
  private calls: ToolCall[] = [];
  private mode: Mode = { k: M.Text };
  private lastChar = "";
  private inHeader = false;
  /** A python_tag or a tool call has been seen (the message no longer "starts" here). */
  private pastStart = false;
  /**
   * Position state, on the content as it is produced (before {@link filter}): `tPos` — nothing but
   * whitespace since the message start, a python_tag or a call (a call may start a turn here); `nl` —
   * a line break since the last non-whitespace character.
   */
  private tPos = true;
  private nl = false;
  /** A fence opener held while the candidate right after it runs: dropped if it is a call, else content. */
  private fence: string | undefined;
  /** A call opened inside a fence completed: backticks right after it close the fence (dropped). */
  private closeFence = false;
  /** The raw code of the last call, when Meta's encoder writes it raw (a code_interpreter call). */
  private lastCode: string | undefined;
  /** Removes special-token text from the content (see token-text.ts). */
  private readonly filter = new TokenTextFilter((s) => this.contentOut(s));
  private idCounter = 0;
  private readonly idPrefix = `call_${Math.random().toString(36).slice(2, 10)}_`;
  /** Ids handed out in this message (a `createId` that repeats one is an error). */
  private readonly ids = new Set<string>();
  private readonly builtinTargets: string[];
  /** ASCII table: 1 for the first letter of an enabled built-in's name. */
  private readonly builtinFirst: Uint8Array;
  /** True when some tool name is declared: a list may then start inside a sentence. */
  private readonly declared: boolean;
  private readonly limit: number;
  /** True once the message is over (stop token or end()); the end event has been emitted. */
  done = false;
  /** Set when `createId` failed: the parser cannot go on, and every later call throws this. */
  failure: LlamaPromptError | undefined;

  constructor(private readonly o: ResolvedParseOptions) {
    this.builtinTargets = [...o.builtins].map((n) => n + ".call(");
    this.builtinFirst = new Uint8Array(128);
    for (const t of this.builtinTargets) this.builtinFirst[t.charCodeAt(0)] = 1;
    this.declared = declaresAny(o);
    this.limit = o.maxToolCallChars;
  }

  take(): StreamEvent[] {
    const out = this.out;
    this.out = [];
    return out;
  }

  /** Characters currently held back (candidate text, pending whitespace, tool-call text kept for `raw`). */
  get bufferedChars(): number {
    const m = this.mode;
    let n = this.pendingWs.length + this.filter.held;
    switch (m.k) {
      case M.Text:
      case M.Plain:
        break;
      case M.AfterCall:
      case M.RegionStart:
        n += m.ws.length;
        break;
      case M.Code:
        n += m.code.length;
        break;
      case M.Sep:
      case M.BPrefix:
      case M.FPrefix:
      case M.FName:
      case M.BArgs:
      case M.FArgs:
        n += m.ws.length + m.buf.length;
        break;
      case M.BTail:
        n += m.ws.length + m.raw.length + m.tail.length;
        break;
      case M.Json:
        n += m.ws.length + m.scan.buf.length;
        break;
      case M.List:
        n += m.ws.length + m.list.buf.length;
        break;
      case M.FClose:
        n += m.ws.length + m.buf.length + m.look.length;
        break;
      case M.Confirm:
        n += m.ws.length + m.held.length + m.tail.length;
        break;
      case M.Fence:
        n += m.buf.length;
        break;
      case M.FenceClose:
        n += m.ws.length + m.buf.length;
        break;
    }
    return n + (this.fence?.length ?? 0);
  }

  // -- input -----------------------------------------------------------------------------------

  text(s: string): void {
    if (this.done || this.inHeader) return;
    let i = 0;
    const n = s.length;
    while (i < n) {
      const m = this.mode;
      if (m.k === M.Text) {
        // Fast path: a run of characters that cannot start anything is content as it is.
        let j = i;
        let prevWord = isIdChar(this.lastChar);
        let lt = false; // a `<` in s[i..j) (the special-token text filter must look at it)
        const first = this.builtinFirst;
        while (j < n) {
          const code = s.charCodeAt(j);
          if (code >= 128) {
            prevWord = false;
            j++;
            continue;
          }
          const kind = CLASS[code]!;
          if (kind === WORD_CHAR) {
            if (!prevWord && first[code] === 1) {
              const k = this.builtinRejectEnd(s, j);
              if (k < 0) break;
              j = k;
            } else {
              j++;
            }
            prevWord = true;
            continue;
          }
          if (kind === MARK) {
            if (code === 0x7b || code === 0x3c || code === 0x5b) {
              // { < [ : skip past candidates this chunk already rules out, exactly where the slow
              // path would give up on them (it would emit the same characters as content).
              let k: number;
              if (code === 0x7b) k = this.jsonRejectEnd(s, j, this.posAt(s, i, j));
              else if (code === 0x3c) {
                k = this.functionRejectEnd(s, j);
                lt = true;
              } else {
                const pos = this.posAt(s, i, j);
                k = pos === Pos.MID && !this.declared ? j + 1 : this.listRejectEnd(s, j, pos);
              }
              if (k < 0) break;
              // the skipped candidate is content too: does it hold a `<`? (ranges are disjoint: linear)
              for (let q = j + 1; !lt && q < k; q++) if (s.charCodeAt(q) === 0x3c) lt = true;
              prevWord = WORD[s.charCodeAt(k - 1)] === 1;
              j = k;
              continue;
            }
            if (code === 0x3b) {
              if (this.tPos && this.posAt(s, i, j) === Pos.TURN) break; // a separator before a call
            } else {
              // ` at a line start may open a fence: undecided unless the chunk shows fewer than three.
              const lineStart = j === i ? this.lastChar === "" || this.lastChar === "\n" : s.charCodeAt(j - 1) === 10;
              if (lineStart) {
                let k = j + 1;
                while (k < n && k < j + 3 && s.charCodeAt(k) === 0x60) k++;
                if (k === n || k === j + 3) break;
                j = k;
                prevWord = false;
                continue;
              }
            }
          }
          prevWord = false;
          j++;
        }
        if (j > i) {
          this.emitContent(s.slice(i, j), lt);
          this.lastChar = s[j - 1]!;
          i = j;
          continue;
        }
      } else if (m.k === M.Code && m.code.length + (n - i) <= this.limit) {
        const rest = s.slice(i);
        m.code += rest;
        this.delta(m.st, rest);
        this.lastChar = rest[rest.length - 1]!;
        return;
      } else if (m.k === M.Plain) {
        // After a call too large to keep: the rest of the region is text.
        this.emitContent(i === 0 ? s : s.slice(i));
        this.lastChar = s[n - 1]!;
        return;
      }
      this.feedChar(s[i]!);
      i++;
    }
  }

  special(name: string): void {
    if (this.done) return;
    this.lastChar = ""; // a control token is a word boundary
    switch (name) {
      case "<|eot_id|>":
        return this.stop("eot");
      case "<|eom_id|>":
        return this.stop("eom");
      case "<|end_of_text|>":
        return this.stop("end_of_text");
      case "<|python_tag|>":
        this.inHeader = false;
        this.finishRegion();
        this.mode = { k: M.RegionStart, ws: "" };
        this.pastStart = true;
        this.tPos = true;
        return;
      case "<|start_header_id|>":
        this.inHeader = true;
        return;
      case "<|end_header_id|>":
        this.inHeader = false;
        return;
      default:
        // begin_of_text, padding, reserved and unknown control tokens: dropped, invisible; like
        // any special token, they end a header's role text.
        this.inHeader = false;
        return;
    }
  }

  /** End of input without a stop token. Emits the end event (once). */
  end(): void {
    if (this.done) return;
    this.stop("none");
  }

  private stop(reason: StopReason): void {
    this.inHeader = false;
    this.finishRegion();
    // Meta's encoder writes the content right before the first call: a dangling `<|eo` at the end of
    // the content must not meet a code call's `t_id|>`.
    const first = this.calls[0];
    const code = first && rawCode(first.name, first.arguments);
    if (code !== undefined) this.filter.dropIfJoins(code);
    this.filter.flush();
    this.pendingWs = "";
    this.done = true;
    const message: AssistantMessage = {
      role: "assistant",
      content: this.contentText(),
      toolCalls: this.calls.slice(),
      stopReason: reason,
    };
    this.out.push({ type: "end", message });
  }

  // -- fast-path probes: where a candidate starting at s[j] fails, if this chunk decides it -------
  // Each returns the index of the character the slow path would give the candidate up at (it holds
  // s[j..k) and re-examines s[k]), or -1 when the chunk does not decide that: the candidate may be a
  // call, may reach maxToolCallChars first (the slow path then reports it too large), or the chunk ends.

  /** Where a candidate at s[j] starts, for the name rule: as the slow path will see it after s[i..j) is content. */
  private posAt(s: string, i: number, j: number): Pos {
    let nl = false;
    for (let k = j - 1; k >= i; k--) {
      const c = s[k]!;
      if (!isWs(c)) return nl ? Pos.LINE : Pos.MID;
      if (isNewline(c)) nl = true;
    }
    if (this.tPos) return Pos.TURN;
    return nl || this.nl ? Pos.LINE : Pos.MID;
  }

  /** `s[j]` starts a word that may be a built-in call. */
  private builtinRejectEnd(s: string, j: number): number {
    for (let k = j; ; k++) {
      if (k >= s.length) return -1;
      const next = s.slice(j, k + 1);
      let prefix = false;
      for (const t of this.builtinTargets) {
        if (t.startsWith(next)) prefix = true;
      }
      if (!prefix) return k === j ? j + 1 : k;
      if (next.length > this.limit) return -1;
      if (this.builtinTargets.includes(next)) return -1;
    }
  }

  /** `s[j]` is `<`: the `<function=` prefix. */
  private functionRejectEnd(s: string, j: number): number {
    for (let k = j; k < j + FUNCTION_OPEN.length; k++) {
      if (k >= s.length) return -1;
      if (s[k] !== FUNCTION_OPEN[k - j]) return k === j ? j + 1 : k;
      if (k - j + 1 > this.limit) return -1;
    }
    return -1;
  }

  /** `s[j]` is `{`: a throwaway JSON-call scan over this chunk. */
  private jsonRejectEnd(s: string, j: number, pos: Pos): number {
    const scan = new JsonCallScan(this.o, pos);
    const end = Math.min(s.length, j + 256);
    for (let k = j; k < end; k++) {
      const r = scan.push(s[k]!);
      if (r === "error") return k === j ? j + 1 : k;
      if (k - j + 1 > this.limit) return -1;
      if (r === "done" || scan.name !== undefined || scan.paramsStart >= 0) return -1;
    }
    return -1;
  }

  /** `s[j]` is `[`: a throwaway list scan over this chunk. */
  private listRejectEnd(s: string, j: number, pos: Pos): number {
    const list = new ListScan(this.o, pos);
    const end = Math.min(s.length, j + 256);
    for (let k = j; k < end; k++) {
      const r = list.push(s[k]!);
      if (r === "error") return k === j ? j + 1 : k;
      if (k - j + 1 > this.limit) return -1;
      if (r === "done") return -1;
    }
    return -1;
  }

  /** True when `tail` is, after optional whitespace, exactly an enabled built-in's `name.call(`. */
  private startsBuiltinCall(tail: string): boolean {
    if (tail.length > 96 || tail[tail.length - 1] !== "(") return false;
    let i = 0;
    while (i < tail.length && isWs(tail[i]!)) i++;
    const rest = i === 0 ? tail : tail.slice(i);
    return this.builtinTargets.includes(rest);
  }

  // -- output helpers ----------------------------------------------------------------------------

  private get pos(): Pos {
    return this.tPos ? Pos.TURN : this.nl ? Pos.LINE : Pos.MID;
  }

  private contentText(): string {
    return this.contentBlocks.length === 0 ? this.content : this.contentBlocks.join("") + this.content;
  }

  /**
   * Content, as the machine produces it: updates the position state, then goes through the
   * special-token text filter to {@link contentOut}. `lt`: whether s holds a `<`, when known.
   */
  private emitContent(s: string, lt?: boolean): void {
    const n = s.length;
    if (n === 0) return;
    let l = n - 1;
    while (l >= 0 && isWsAt(s, l)) l--;
    if (l < 0) {
      // only whitespace
      if (!this.nl) this.nl = hasNewline(s, 0);
      if (this.filter.held !== 0) this.filter.push(s);
      else if (this.contentStarted) this.pendingWs += s;
      return;
    }
    this.tPos = false;
    this.closeFence = false; // text after a fenced call: a later ``` is content
    this.nl = l + 1 < n && hasNewline(s, l + 1);
    if (this.filter.held !== 0 || (lt ?? s.indexOf("<") >= 0)) {
      this.filter.push(s);
      return;
    }
    // Nothing held and no `<`: the filter would pass s through as it is (contentOut, inlined).
    let f = 0;
    while (isWsAt(s, f)) f++;
    const body = f === 0 && l === n - 1 ? s : s.slice(f, l + 1);
    this.emitText(this.contentStarted ? this.pendingWs + (f === 0 ? "" : s.slice(0, f)) + body : body);
    this.pendingWs = l === n - 1 ? "" : s.slice(l + 1);
    this.contentStarted = true;
  }

  /** Why the call would not render back (alone, or after the call before it), or undefined. */
  private callProblem(name: string, args: Record<string, unknown>): string | undefined {
    return unrenderableCall(name, args) ?? joinsPrevious(this.lastCode, name, args);
  }

  /** Whitespace held before a call that became a call: the separator in it is dropped, the rest is content. */
  private emitGap(ws: string): void {
    this.emitContent(ws.includes(";") ? ws.replace(";", "") : ws);
  }

  /** Filtered content: leading whitespace dropped, whitespace runs held until text follows them. */
  private contentOut(s: string): void {
    const n = s.length;
    let f = 0;
    while (f < n && isWsAt(s, f)) f++;
    if (f === n) {
      if (this.contentStarted) this.pendingWs += s;
      return;
    }
    let l = n - 1;
    while (isWsAt(s, l)) l--;
    const lead = this.contentStarted ? this.pendingWs + s.slice(0, f) : "";
    this.emitText(lead + s.slice(f, l + 1));
    this.pendingWs = s.slice(l + 1);
    this.contentStarted = true;
  }

  private emitText(s: string): void {
    if (s === "") return;
    // Content grows by tiny pieces when streamed; a rope of a million pieces is costly to keep
    // alive, so full blocks are flattened and set aside.
    this.content += s;
    if (this.content.length >= CONTENT_BLOCK) {
      this.contentBlocks.push(flatten(this.content));
      this.content = "";
    }
    const last = this.out[this.out.length - 1];
    if (last !== undefined && last.type === "text-delta") last.text += s;
    else this.out.push({ type: "text-delta", text: s });
  }

  private nextId(): string {
    const f = this.o.createId;
    if (!f) return `${this.idPrefix}${++this.idCounter}`;
    let id: unknown;
    try {
      id = f();
    } catch (cause) {
      throw this.fatal(new InvalidOptionsError(`createId threw (${describeError(cause)})`, ["options", "createId"], { cause }));
    }
    if (typeof id !== "string" || id === "") {
      throw this.fatal(new InvalidOptionsError(`createId must return a non-empty string, got ${describeValue(id)}`, ["options", "createId"]));
    }
    if (this.ids.has(id)) {
      throw this.fatal(
        new InvalidOptionsError(`createId returned ${describeValue(id)} twice; tool-call ids must be unique within a message`, ["options", "createId"]),
      );
    }
    this.ids.add(id);
    return id;
  }

  private fatal(e: LlamaPromptError): LlamaPromptError {
    this.failure = e;
    return e;
  }

  private startCall(name: string | undefined, format: ToolCallFormat): Started {
    const st: Started = { index: this.calls.length, id: this.nextId() };
    const ev: StreamEvent = { type: "tool-call-start", index: st.index, id: st.id, format };
    if (name !== undefined) ev.name = name;
    this.out.push(ev);
    this.pastStart = true;
    return st;
  }

  private delta(st: Started, s: string): void {
    if (s === "") return;
    const last = this.out[this.out.length - 1];
    if (last !== undefined && last.type === "tool-call-delta" && last.index === st.index) last.argumentsDelta += s;
    else this.out.push({ type: "tool-call-delta", index: st.index, argumentsDelta: s });
  }

  private endCall(st: Started, name: string, args: Record<string, unknown>, format: ToolCallFormat, raw: string): void {
    if (this.fence !== undefined) {
      this.fence = undefined; // the fence wrapped a call: it is markup, not content
      this.closeFence = true;
    }
    const toolCall: ToolCall = { id: st.id, name, arguments: args, format, raw };
    this.calls.push(toolCall);
    this.lastCode = rawCode(name, args);
    this.out.push({ type: "tool-call-end", index: st.index, toolCall });
    this.pastStart = true;
    this.tPos = true;
  }

  private error(st: Started | undefined, error: LlamaPromptError): void {
    const ev: StreamEvent = { type: "error", error };
    if (st) ev.index = st.index;
    this.out.push(ev);
  }

  // -- the machine -------------------------------------------------------------------------------

  private feedChar(c: string): void {
    while (this.step(c) === REPROCESS) {
      /* the new mode examines c again */
    }
    this.lastChar = c;
  }

  /** Feeds text that was held and must be examined again (bounded: a few characters or one tail). */
  private refeed(s: string): void {
    for (let i = 0; i < s.length; i++) this.feedChar(s[i]!);
  }

  /**
   * A candidate failed: its held text becomes content (or code); the failing char is re-examined.
   * A started call gets an error event; so does a complete call that was refused (`report`), e.g.
   * for arguments that would not render back.
   */
  private giveUp(fail: FailMode, st: Started | undefined, ws: string, held: string, why: string, report = false): StepResult {
    if (st) this.error(st, new IncompleteToolCallError(`tool call ${st.index} is not valid: ${why}`, held));
    else if (report) this.error(undefined, new IncompleteToolCallError(`tool call is not valid: ${why}`, held));
    this.flushFence();
    if (fail === "code") {
      this.becomeCode(ws + held);
    } else {
      this.emitContent(ws + held);
      this.mode = { k: M.Text };
    }
    return REPROCESS;
  }

  /** The candidate after a fence opener was not a call: the opener is content after all. */
  private flushFence(): void {
    if (this.fence === undefined) return;
    const f = this.fence;
    this.fence = undefined;
    this.emitContent(f);
  }

  /** The region is code from here: start a code call (reusing the index of a failed call). */
  private becomeCode(code: string): void {
    const st = this.startCall("code_interpreter", "code");
    this.delta(st, code);
    this.mode = { k: M.Code, st, code };
    if (code.length > this.limit) this.tooLarge(st, "", code);
  }

  /** The held text would pass `maxToolCallChars`: one error, the text is content, the region is plain text. */
  private tooLarge(st: Started | undefined, ws: string, held: string): void {
    this.error(st, new ToolCallTooLargeError(this.limit));
    this.flushFence();
    this.emitContent(ws + held);
    this.mode = { k: M.Plain };
  }

  /**
   * A complete call (or list of calls): committed now, or — an undeclared name at a line start —
   * held until the rest of its line shows it is alone there.
   */
  private complete(m: Base, ownLine: boolean, held: string, st: Started | undefined, commit: () => void): void {
    if (ownLine) {
      this.mode = { k: M.Confirm, ws: m.ws, fail: m.fail, held, tail: "", st, commit };
      return;
    }
    this.emitGap(m.ws);
    commit();
    this.mode = { k: M.AfterCall, ws: "" };
  }

  private confirm(m: Extract<Mode, { k: M.Confirm }>): void {
    this.emitGap(m.ws);
    m.commit();
    this.mode = { k: M.AfterCall, ws: m.tail };
  }

  private tryStart(c: string, fail: FailMode, ws: string, pos: Pos, regionStart: boolean): boolean {
    if (c === "{") {
      this.mode = { k: M.Json, scan: new JsonCallScan(this.o, pos), ws, fail, pos };
      return true;
    }
    if (c === "<") {
      this.mode = { k: M.FPrefix, buf: "", ws, fail, pos };
      return true;
    }
    if (c === "[" && (pos !== Pos.MID || this.declared)) {
      this.mode = { k: M.List, list: new ListScan(this.o, pos), ws, fail, pos };
      return true;
    }
    if (c === ";" && pos === Pos.TURN && !ws.includes(";")) {
      this.mode = { k: M.Sep, buf: "", ws, fail, pos, rs: regionStart };
      return true;
    }
    if (isIdStart(c) && (regionStart || !isIdChar(this.lastChar))) {
      for (const t of this.builtinTargets) {
        if (t[0] === c) {
          const preferLast = regionStart || (this.tPos && !this.pastStart);
          this.mode = { k: M.BPrefix, buf: "", ws, fail, pos, preferLast };
          return true;
        }
      }
    }
    return false;
  }

  private step(c: string): StepResult {
    const m = this.mode;
    switch (m.k) {
      case M.Text:
        if (c === "`" && (this.lastChar === "" || this.lastChar === "\n")) {
          this.mode = { k: M.Fence, buf: "", nl: false };
          return REPROCESS;
        }
        if (this.tryStart(c, "text", "", this.pos, false)) return REPROCESS;
        this.emitContent(c);
        return CONSUMED;

      case M.Fence: {
        if (m.nl) {
          if (isWs(c)) {
            m.buf += c;
            return CONSUMED;
          }
          const held = m.buf;
          this.mode = { k: M.Text };
          // The opener ends with a line break: what follows it starts a line.
          if (this.tryStart(c, "text", "", this.tPos ? Pos.TURN : Pos.LINE, false)) {
            this.fence = held;
            return REPROCESS;
          }
          this.emitContent(held);
          return REPROCESS;
        }
        const n = m.buf.length;
        if (n < 3 ? c === "`" : n < 3 + MAX_FENCE_INFO && FENCE_INFO.test(c)) {
          m.buf += c;
          return CONSUMED;
        }
        if (n >= 3 && c === "\n") {
          m.buf += c;
          m.nl = true;
          return CONSUMED;
        }
        this.emitContent(m.buf); // not a fence opener
        this.mode = { k: M.Text };
        return REPROCESS;
      }

      case M.FenceClose:
        if (c === "`") {
          m.buf += c;
          if (m.buf.length === 3) {
            this.closeFence = false;
            this.mode = { k: M.Text };
          }
          return CONSUMED;
        }
        this.closeFence = false;
        this.emitContent(m.ws + m.buf);
        this.mode = { k: M.Text };
        return REPROCESS;

      case M.Plain:
        this.emitContent(c);
        return CONSUMED;

      case M.AfterCall:
        if (isWs(c)) {
          m.ws += c;
          return CONSUMED;
        }
        if (c === ";") {
          this.mode = { k: M.Text }; // the separator and the whitespace before it are consumed
          return CONSUMED;
        }
        if (c === "`" && this.closeFence) {
          this.mode = { k: M.FenceClose, ws: m.ws, buf: "`" };
          return CONSUMED;
        }
        this.emitContent(m.ws);
        this.mode = { k: M.Text };
        return REPROCESS;

      case M.RegionStart:
        if (isWs(c)) {
          m.ws += c;
          return CONSUMED;
        }
        if (this.tryStart(c, "code", m.ws, Pos.TURN, true)) return REPROCESS;
        this.becomeCode(m.ws);
        return REPROCESS;

      case M.Code:
        m.code += c;
        this.delta(m.st, c);
        if (m.code.length > this.limit) this.tooLarge(m.st, "", m.code);
        return CONSUMED;

      case M.Sep:
        if (m.buf === "") {
          m.buf = c; // the `;`
          return CONSUMED;
        }
        if (isWs(c)) {
          m.buf += c;
          return CONSUMED;
        }
        if (c !== ";" && this.tryStart(c, m.fail, m.ws + m.buf, m.pos, m.rs)) return REPROCESS;
        return this.giveUp(m.fail, undefined, m.ws, m.buf, "not a separator before a call");

      case M.Confirm:
        if (isNewline(c) || c === ";" || (c === "`" && this.fence !== undefined)) {
          this.confirm(m);
          return REPROCESS;
        }
        if (isWs(c)) {
          m.tail += c;
          return CONSUMED;
        }
        return this.giveUp(
          m.fail,
          m.st,
          m.ws,
          m.held + m.tail,
          "text follows it on its line (a tool name that was not declared is a call only where a call can start a turn, or alone on its line)",
        );

      case M.BPrefix: {
        const next = m.buf + c;
        let matched: string | undefined;
        let prefix = false;
        for (const t of this.builtinTargets) {
          if (t === next) matched = t;
          else if (t.startsWith(next)) prefix = true;
        }
        if (matched === undefined && !prefix) return this.giveUp(m.fail, undefined, m.ws, m.buf, "not a built-in call");
        if (next.length > this.limit) {
          this.tooLarge(undefined, m.ws, next);
          return CONSUMED;
        }
        if (matched !== undefined) {
          const name = matched.slice(0, -".call(".length);
          const st = this.startCall(name, "builtin");
          this.mode = {
            k: M.BArgs, buf: next, name, argsStart: next.length, sc: new BuiltinArgsScanner(), st,
            ws: m.ws, fail: m.fail, pos: m.pos, preferLast: m.preferLast,
          };
          return CONSUMED;
        }
        m.buf = next;
        return CONSUMED;
      }

      case M.BArgs: {
        const r = m.sc.push(c);
        if (r === "error") return this.giveUp(m.fail, m.st, m.ws, m.buf, "invalid built-in call arguments");
        if (r === "more") {
          m.buf += c;
          this.delta(m.st, c);
          if (m.buf.length > this.limit) this.tooLarge(m.st, m.ws, m.buf);
          return CONSUMED;
        }
        // close
        const raw = m.buf + c;
        if (raw.length > this.limit) {
          this.tooLarge(m.st, m.ws, raw);
          return CONSUMED;
        }
        const argsText = m.buf.slice(m.argsStart);
        const args = m.sc.decode(argsText);
        if (!args) return this.giveUp(m.fail, m.st, m.ws, m.buf, "invalid built-in call arguments");
        const bad = this.callProblem(m.name, args);
        if (bad !== undefined) return this.giveUp(m.fail, m.st, m.ws, m.buf, bad);
        if (m.preferLast) {
          this.mode = { k: M.BTail, ws: m.ws, name: m.name, args, argsText, raw, st: m.st, tail: "" };
        } else {
          this.emitGap(m.ws);
          this.endCall(m.st, m.name, args, "builtin", raw);
          this.mode = { k: M.AfterCall, ws: "" };
        }
        return CONSUMED;
      }

      case M.BTail:
        m.tail += c;
        if (this.startsBuiltinCall(m.tail)) {
          // Another built-in call right after this one (Meta writes several back to back): the
          // first `)` closed this call.
          const tail = m.tail;
          this.emitGap(m.ws);
          this.endCall(m.st, m.name, m.args, "builtin", m.raw);
          this.mode = { k: M.AfterCall, ws: "" };
          this.lastChar = ")"; // the tail follows the call's closing parenthesis
          this.refeed(tail);
          return CONSUMED;
        }
        if (m.raw.length + m.tail.length > this.limit) {
          const tail = m.tail;
          this.emitGap(m.ws);
          this.endCall(m.st, m.name, m.args, "builtin", m.raw);
          this.mode = { k: M.AfterCall, ws: "" };
          this.lastChar = ")";
          this.refeed(tail);
        }
        return CONSUMED;

      case M.Json: {
        const scan = m.scan;
        const r = scan.push(c);
        if (r === "error") {
          return this.giveUp(m.fail, m.st, m.ws, scan.buf.slice(0, -1), scan.bad ?? "invalid JSON");
        }
        if (!m.st && scan.name !== undefined && scan.paramsStart >= 0) m.st = this.startCall(scan.name, "json");
        if (scan.buf.length > this.limit) {
          if (m.st) this.delta(m.st, scan.takeParams());
          this.tooLarge(m.st, m.ws, scan.buf);
          return CONSUMED;
        }
        if (r === "done") {
          const dec = decodeJsonCallText(scan.buf, this.o, m.pos);
          if (!dec) return this.giveUp(m.fail, m.st, m.ws, scan.buf.slice(0, -1), "not a tool call object");
          // Two names (a duplicate key, or `name` beside `function.name`): ambiguous, and the one
          // already announced in tool-call-start may not be the one JSON.parse keeps.
          if (scan.name !== undefined && dec.name !== scan.name) {
            return this.giveUp(m.fail, m.st, m.ws, scan.buf.slice(0, -1), `ambiguous tool name ("${scan.name}" and "${dec.name}")`);
          }
          const bad = this.callProblem(dec.name, dec.arguments);
          if (bad !== undefined) return this.giveUp(m.fail, m.st, m.ws, scan.buf.slice(0, -1), bad, true);
          const st = m.st ?? this.startCall(dec.name, "json");
          this.delta(st, scan.takeParams());
          const raw = scan.buf;
          this.complete(m, dec.permit === Permit.OWN_LINE, raw, st, () => this.endCall(st, dec.name, dec.arguments, "json", raw));
          return CONSUMED;
        }
        if (m.st) this.delta(m.st, scan.takeParams());
        return CONSUMED;
      }

      case M.List: {
        const list = m.list;
        const r = list.push(c);
        if (r === "error") return this.giveUp(m.fail, undefined, m.ws, list.buf.slice(0, -1), "not a list of calls");
        if (list.buf.length > this.limit) {
          this.tooLarge(undefined, m.ws, list.buf);
          return CONSUMED;
        }
        if (r === "done") {
          const d = this.decodeList(list, m.pos);
          if (!Array.isArray(d)) return this.giveUp(m.fail, undefined, m.ws, list.buf.slice(0, -1), d.why, d.report);
          const ownLine = list.ownLine || d.some((x) => x.ownLine);
          this.complete(m, ownLine, list.buf, undefined, () => this.emitCalls(d));
        }
        return CONSUMED;
      }

      case M.FPrefix: {
        const next = m.buf + c;
        if (!FUNCTION_OPEN.startsWith(next)) return this.giveUp(m.fail, undefined, m.ws, m.buf, "not a function tag");
        if (next.length > this.limit) {
          this.tooLarge(undefined, m.ws, next);
          return CONSUMED;
        }
        if (next === FUNCTION_OPEN) this.mode = { k: M.FName, buf: next, ws: m.ws, fail: m.fail, pos: m.pos };
        else m.buf = next;
        return CONSUMED;
      }

      case M.FName: {
        const nameLength = m.buf.length - FUNCTION_OPEN.length;
        if (c !== ">" && (!isToolNameChar(c) || nameLength >= MAX_NAME)) {
          return this.giveUp(m.fail, undefined, m.ws, m.buf, "not a function tag");
        }
        const buf = m.buf + c;
        if (buf.length > this.limit) {
          this.tooLarge(undefined, m.ws, buf);
          return CONSUMED;
        }
        if (c !== ">") {
          m.buf = buf;
          return CONSUMED;
        }
        const name = m.buf.slice(FUNCTION_OPEN.length);
        const permit = callPermit(this.o, name, m.pos);
        if (permit === Permit.NO) return this.giveUp(m.fail, undefined, m.ws, m.buf, "not a tool name that may be called here");
        const st = this.startCall(name, "function_tag");
        this.mode = {
          k: M.FArgs, buf, name, argsStart: buf.length, st, depth: 0, q: "", esc: false,
          ws: m.ws, fail: m.fail, pos: m.pos, ownLine: permit === Permit.OWN_LINE,
        };
        return CONSUMED;
      }

      case M.FArgs: {
        if (m.buf.length === m.argsStart) {
          if (c !== "{") return this.giveUp(m.fail, m.st, m.ws, m.buf, "function tag without a JSON object");
        }
        m.buf += c;
        this.delta(m.st, c);
        if (m.buf.length > this.limit) {
          this.tooLarge(m.st, m.ws, m.buf);
          return CONSUMED;
        }
        let closed = false;
        if (m.q !== "") {
          if (m.esc) m.esc = false;
          else if (c === "\\") m.esc = true;
          else if (c === m.q) m.q = "";
        } else if (c === '"' || c === "'") m.q = c;
        else if (c === "{" || c === "[") m.depth++;
        else if (c === "}" || c === "]") closed = --m.depth === 0;
        if (closed) {
          const args = decodeFunctionTagArgs(m.buf.slice(m.argsStart));
          if (!args) return this.giveUp(m.fail, m.st, m.ws, m.buf.slice(0, -1), "function tag arguments are not a JSON object");
          const bad = this.callProblem(m.name, args);
          if (bad !== undefined) return this.giveUp(m.fail, m.st, m.ws, m.buf.slice(0, -1), bad);
          this.mode = {
            k: M.FClose, ws: m.ws, fail: m.fail, pos: m.pos, buf: m.buf, name: m.name, args, st: m.st, look: "", ownLine: m.ownLine,
          };
        }
        return CONSUMED;
      }

      case M.FClose: {
        const next = m.look + c;
        if (FUNCTION_CLOSE.startsWith(next)) {
          if (next !== FUNCTION_CLOSE) {
            m.look = next;
            return CONSUMED;
          }
          const raw = m.buf + next;
          if (raw.length > this.limit) {
            this.tooLarge(m.st, m.ws, raw);
            return CONSUMED;
          }
          this.complete(m, m.ownLine, raw, m.st, () => this.endCall(m.st, m.name, m.args, "function_tag", raw));
          return CONSUMED;
        }
        // No closing tag (Meta's parser does not need one): the call ends before the look-ahead.
        this.complete(m, m.ownLine, m.buf, m.st, () => this.endCall(m.st, m.name, m.args, "function_tag", m.buf));
        this.refeed(m.look);
        return REPROCESS;
      }
    }
  }

  /** Decodes every element of a closed list; the calls, or why the list is not a list of calls. */
  private decodeList(list: ListScan, pos: Pos): Array<DecodedListCall & { ownLine: boolean }> | { why: string; report: boolean } {
    const buf = list.buf;
    if (list.els.length === 0) return { why: "an empty list", report: false };
    const out: Array<DecodedListCall & { ownLine: boolean }> = [];
    let prev = this.lastCode;
    for (const [s, p, e] of list.els) {
      const raw = buf.slice(s, e);
      // A JSON element is read the way a streamed JSON call is (same refusals, same arguments text).
      const scanned = list.isJson() ? scanJsonCall(raw, this.o, pos) : undefined;
      const d = list.isJson() ? (scanned ? decodeJsonCallText(raw, this.o, pos) : undefined) : decodePythonListElement(raw, this.o, pos);
      if (!d || (scanned?.name !== undefined && scanned.name !== d.name)) return { why: "not a list of calls", report: false };
      const bad = unrenderableCall(d.name, d.arguments) ?? joinsPrevious(prev, d.name, d.arguments);
      if (bad !== undefined) return { why: `${d.name}: ${bad}`, report: true };
      prev = rawCode(d.name, d.arguments);
      out.push({
        name: d.name,
        args: d.arguments,
        raw,
        argsText: scanned ? scanned.params : buf.slice(p + 1, e - 1),
        format: list.isJson() ? "json" : "python_list",
        ownLine: d.permit === Permit.OWN_LINE,
      });
    }
    return out;
  }

  /** Emits the calls of a list. */
  private emitCalls(calls: DecodedListCall[]): void {
    for (const d of calls) {
      const st = this.startCall(d.name, d.format);
      this.delta(st, d.argsText);
      this.endCall(st, d.name, d.args, d.format, d.raw);
    }
  }

  /**
   * The current region ends (python_tag, stop token, end of input): resolve whatever is held.
   * Held text that cannot complete is flushed; it is re-examined only where it was a short
   * look-ahead (`</function>` prefix) or a built-in call's tail.
   */
  private finishRegion(): void {
    for (let guard = 0; guard < 1_000_000; guard++) {
      const m = this.mode;
      switch (m.k) {
        case M.Text:
          return;
        case M.Plain:
          this.mode = { k: M.Text };
          return;
        case M.AfterCall:
        case M.RegionStart:
          this.emitContent(m.ws);
          this.mode = { k: M.Text };
          return;
        case M.Fence:
          this.emitContent(m.buf);
          this.mode = { k: M.Text };
          return;
        case M.FenceClose:
          this.closeFence = false;
          this.emitContent(m.ws + m.buf);
          this.mode = { k: M.Text };
          return;
        case M.Code: {
          // Code joined around a dropped control token can spell one: it would not render back.
          const t = findSpecialToken(m.code);
          const bad = t ? `the code contains the special token ${t.token}` : joinsPrevious(this.lastCode, "code_interpreter", { code: m.code });
          if (bad !== undefined) {
            this.error(m.st, new IncompleteToolCallError(`tool call ${m.st.index} is not valid: ${bad}`, m.code));
            this.emitContent(m.code);
          } else {
            this.endCall(m.st, "code_interpreter", { code: m.code }, "code", m.code);
          }
          this.mode = { k: M.Text };
          return;
        }
        case M.Confirm:
          this.confirm(m);
          continue;
        case M.Sep:
        case M.BPrefix:
        case M.FPrefix:
        case M.FName:
          this.giveUp(m.fail, undefined, m.ws, m.buf, "input ended");
          continue;
        case M.BArgs:
        case M.FArgs:
          this.giveUp(m.fail, m.st, m.ws, m.buf, "input ended inside the call");
          continue;
        case M.Json:
          this.giveUp(m.fail, m.st, m.ws, m.scan.buf, "input ended inside the call");
          continue;
        case M.List:
          this.giveUp(m.fail, undefined, m.ws, m.list.buf, "input ended inside the list");
          continue;
        case M.FClose:
          this.complete(m, m.ownLine, m.buf, m.st, () => this.endCall(m.st, m.name, m.args, "function_tag", m.buf));
          this.refeed(m.look);
          continue;
        case M.BTail: {
          this.resolveTail(m);
          continue;
        }
      }
    }
  }

  /**
   * A built-in call at the start of the message or of a python_tag region closed at its first
   * candidate `)`; the region is now over. If text other than whitespace followed, prefer a later
   * `)` after which only whitespace remains, when the arguments read up to it are valid.
   */
  private resolveTail(m: Extract<Mode, { k: M.BTail }>): void {
    const tail = m.tail;
    this.emitGap(m.ws);
    if (!allWs(tail)) {
      const close = tail.lastIndexOf(")");
      if (close >= 0 && allWs(tail.slice(close + 1))) {
        const argsText = m.argsText + ")" + tail.slice(0, close);
        const args = parseBuiltinArgsToEnd(argsText);
        if (args && this.callProblem(m.name, args) === undefined) {
          this.delta(m.st, ")" + tail.slice(0, close));
          const raw = m.raw + tail.slice(0, close + 1);
          this.endCall(m.st, m.name, args, "builtin", raw);
          this.mode = { k: M.AfterCall, ws: "" };
          this.lastChar = ")";
          this.refeed(tail.slice(close + 1));
          return;
        }
      }
    }
    this.endCall(m.st, m.name, m.args, "builtin", m.raw);
    this.mode = { k: M.AfterCall, ws: "" };
    this.lastChar = ")"; // the tail follows the call's closing parenthesis
    this.refeed(tail);
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
