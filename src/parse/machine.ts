/**
 * The event state machine: tokens (text runs and special tokens) → stream events → message.
 *
 * Text is processed one UTF-16 code unit at a time and every decision depends only on the
 * characters seen so far, never on where chunks were split — so any chunking of the same text
 * yields the same message. Characters that might start a tool call are held in a candidate; when
 * the candidate fails, its held text is flushed (as content, or as code at the start of a
 * `<|python_tag|>` region) and only the character that made it fail is examined again, which keeps
 * the cost linear in the input.
 */
import { IncompleteToolCallError, ToolCallTooLargeError, type LlamaPromptError } from "../base/errors.js";
import { isPySpace } from "../base/python.js";
import { BuiltinArgsScanner, parseBuiltinArgsToEnd } from "./scan/builtin-args.js";
import { decodeFunctionTagArgs, decodeJsonCallText, decodePythonListElement } from "./decode.js";
import { JsonCallScan, jsonParamsText } from "./json-call.js";
import { JsonScanner } from "./scan/json-scanner.js";
import { isKnownTool, type ResolvedParseOptions } from "./options.js";
import type { AssistantMessage, StopReason, StreamEvent, ToolCall, ToolCallFormat } from "./types.js";
import { isIdChar, isIdStart } from "./scan/chars.js";

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
  BPrefix,
  BArgs,
  BTail,
  Json,
  List,
  FPrefix,
  FName,
  FArgs,
  FClose,
  Fence,
  FenceClose,
}

interface Base {
  /** Whitespace held at the start of a python_tag region before this candidate. */
  ws: string;
  fail: FailMode;
}

type Mode =
  | { k: M.Text }
  | { k: M.AfterCall; ws: string }
  | { k: M.RegionStart; ws: string }
  | { k: M.Code; st: Started; code: string }
  | { k: M.Plain }
  | (Base & { k: M.BPrefix; buf: string; preferLast: boolean })
  | (Base & { k: M.BArgs; buf: string; name: string; argsStart: number; sc: BuiltinArgsScanner; st: Started; preferLast: boolean })
  | { k: M.BTail; ws: string; name: string; args: Record<string, unknown>; argsText: string; raw: string; st: Started; tail: string }
  | (Base & { k: M.Json; scan: JsonCallScan; st?: Started })
  | (Base & { k: M.List; list: ListScan })
  | (Base & { k: M.FPrefix; buf: string })
  | (Base & { k: M.FName; buf: string })
  | (Base & { k: M.FArgs; buf: string; name: string; argsStart: number; st: Started; depth: number; q: string; esc: boolean })
  | { k: M.FClose; ws: string; buf: string; name: string; args: Record<string, unknown>; argsText: string; st: Started; look: string }
  /** A markdown fence opener at a line start (```json + newline + whitespace), held until what follows shows whether it wraps a call. */
  | { k: M.Fence; buf: string; nl: boolean }
  /** Backticks after a call that was opened inside a fence: the closing fence, dropped with it. */
  | { k: M.FenceClose; ws: string; buf: string };

const FUNCTION_OPEN = "<function=";
const FUNCTION_CLOSE = "</function>";
const MAX_FUNCTION_NAME = 256;

const CONSUMED = 0;
const REPROCESS = 1;
type StepResult = typeof CONSUMED | typeof REPROCESS;

function isWs(c: string): boolean {
  const code = c.charCodeAt(0);
  if (code > 0x20 && code < 0x7f) return false;
  if (code === 0x20 || (code >= 0x09 && code <= 0x0d) || (code >= 0x1c && code <= 0x1f)) return true;
  if (code < 0x80) return false;
  return isPySpace(c);
}
/** ASCII table: 1 for word characters [A-Za-z0-9_]. */
const WORD = new Uint8Array(128);
for (let c = 0; c < 128; c++) WORD[c] = isIdChar(String.fromCharCode(c)) ? 1 : 0;

/** Like the builtin probe, for `<`: the end of the `<function=` prefix match, or -1 if undecided. */
function functionRejectEnd(s: string, j: number): number {
  for (let k = j; k < j + FUNCTION_OPEN.length; k++) {
    if (k >= s.length) return -1;
    if (s[k] !== FUNCTION_OPEN[k - j]) return k === j ? j + 1 : k;
  }
  return -1;
}

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

// ---------------------------------------------------------------------------------------------
// Llama 3.2 python list `[f(a=1), g()]` or a JSON array of call objects, held until `]`.

const enum L {
  Open, // after `[`: spaces, then `{` (JSON) or an identifier (python)
  Json,
  E0, // expecting an element (after `,`: or `]`)
  Ident,
  BeforeParen,
  Args,
  AfterEl,
}

class ListScan {
  buf = "";
  private st: L = L.Open;
  private json: JsonScanner | undefined;
  private jsonBad = false;
  private depth = 0;
  private q = "";
  private esc = false;
  /** Python elements: [start, parenStart, end). JSON elements: [start, -1, end). */
  readonly els: Array<[number, number, number]> = [];
  private cur: [number, number, number] = [0, 0, 0];
  readonly isJson: () => boolean = () => this.json !== undefined;

  /** "more", "done" (`]` closed the list), or "error". */
  push(c: string): "more" | "done" | "error" {
    const pos = this.buf.length;
    this.buf += c;
    for (;;) {
      switch (this.st) {
        case L.Open:
          if (pos === 0) return "more"; // the `[`
          if (isWs(c)) return "more";
          if (c === "{") {
            this.st = L.Json;
            this.json = new JsonScanner({
              valueStart: (d, p, ch) => {
                if (d === 1) {
                  if (ch !== "{") this.jsonBad = true;
                  this.cur = [p, -1, -1];
                }
              },
              valueEnd: (d, e) => {
                if (d === 1) {
                  this.cur[2] = e;
                  this.els.push(this.cur);
                }
              },
            });
            for (let i = 0; i < this.buf.length; i++) {
              const r = this.json.push(this.buf[i]!);
              if (r === "error") return "error";
            }
            return "more";
          }
          this.st = L.E0;
          continue;
        case L.Json: {
          const r = this.json!.push(c);
          if (this.jsonBad) return "error";
          return r;
        }
        case L.E0:
          if (isWs(c)) return "more";
          if (isIdStart(c)) {
            this.cur = [pos, -1, -1];
            this.st = L.Ident;
            return "more";
          }
          if (c === "]" && this.els.length > 0) return "done"; // trailing comma
          return "error";
        case L.Ident:
          if (isIdChar(c)) return "more";
          this.st = L.BeforeParen;
          continue;
        case L.BeforeParen:
          if (c === " " || c === "\t") return "more";
          if (c === "(") {
            this.cur[1] = pos;
            this.depth = 1;
            this.q = "";
            this.st = L.Args;
            return "more";
          }
          return "error";
        case L.Args:
          if (this.q !== "") {
            if (this.esc) this.esc = false;
            else if (c === "\\") this.esc = true;
            else if (c === this.q) this.q = "";
            return "more";
          }
          if (c === '"' || c === "'") this.q = c;
          else if (c === "(" || c === "[" || c === "{") this.depth++;
          else if (c === ")" || c === "]" || c === "}") {
            if (--this.depth === 0) {
              if (c !== ")") return "error";
              this.cur[2] = pos + 1;
              this.els.push(this.cur);
              this.st = L.AfterEl;
            }
          }
          return "more";
        case L.AfterEl:
          if (isWs(c)) return "more";
          if (c === ",") {
            this.st = L.E0;
            return "more";
          }
          if (c === "]") return "done";
          return "error";
      }
    }
  }
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
  /** A fence opener held while the candidate right after it runs: dropped if it is a call, else content. */
  private fence: string | undefined;
  /** A call opened inside a fence completed: backticks right after it close the fence (dropped). */
  private closeFence = false;
  private idCounter = 0;
  private readonly idPrefix = `call_${Math.random().toString(36).slice(2, 10)}_`;
  private readonly builtinTargets: string[];
  /** ASCII table: 1 for the first letter of an enabled built-in's name. */
  private readonly builtinFirst: Uint8Array;
  /** True once the message is over (stop token or end()); the end event has been emitted. */
  done = false;

  constructor(private readonly o: ResolvedParseOptions) {
    this.builtinTargets = [...o.builtins].map((n) => n + ".call(");
    this.builtinFirst = new Uint8Array(128);
    for (const t of this.builtinTargets) this.builtinFirst[t.charCodeAt(0)] = 1;
  }

  take(): StreamEvent[] {
    const out = this.out;
    this.out = [];
    return out;
  }

  /** Characters currently held back (candidate text, pending whitespace, tool-call text kept for `raw`). */
  get bufferedChars(): number {
    const m = this.mode;
    let n = this.pendingWs.length;
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
        const first = this.builtinFirst;
        while (j < n) {
          const code = s.charCodeAt(j);
          if (code === 0x7b || code === 0x3c || code === 0x5b) {
            // { < [ : skip past candidates this chunk already rules out, exactly where the slow
            // path would give up on them (it would emit the same characters as content).
            const k = code === 0x7b ? this.jsonRejectEnd(s, j) : code === 0x3c ? functionRejectEnd(s, j) : this.atStart ? -1 : j + 1;
            if (k < 0) break;
            prevWord = WORD[s.charCodeAt(k - 1)] === 1;
            j = k;
            continue;
          }
          if (code === 0x60) {
            // ` at a line start may open a fence: undecided unless the chunk shows fewer than three.
            const lineStart = j === i ? this.lastChar === "" || this.lastChar === "\n" : s.charCodeAt(j - 1) === 10;
            if (lineStart) {
              let k = j + 1;
              while (k < n && k < j + 3 && s.charCodeAt(k) === 0x60) k++;
              if (k === n || k === j + 3) break;
              prevWord = false;
              j = k;
              continue;
            }
          }
          if (code < 128) {
            const word = WORD[code] === 1;
            if (word && !prevWord && first[code] === 1) {
              const k = this.builtinRejectEnd(s, j);
              if (k < 0) break;
              prevWord = true;
              j = k;
              continue;
            }
            prevWord = word;
          } else {
            prevWord = false;
          }
          j++;
        }
        if (j > i) {
          this.emitContent(s.slice(i, j));
          this.lastChar = s[j - 1]!;
          i = j;
          continue;
        }
      } else if (m.k === M.Code && m.code.length + (n - i) <= this.o.maxToolCallChars) {
        const rest = s.slice(i);
        m.code += rest;
        this.delta(m.st, rest);
        this.lastChar = rest[rest.length - 1]!;
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

  /**
   * `s[j]` starts a word that may be a built-in call. Returns the index of the first character that
   * rules it out (the slow path holds s[j..k) and re-examines s[k]), or -1 when the chunk does not
   * decide it (or it matches).
   */
  private builtinRejectEnd(s: string, j: number): number {
    let k = j;
    for (;;) {
      if (k >= s.length) return -1;
      const next = s.slice(j, k + 1);
      let prefix = false;
      for (const t of this.builtinTargets) {
        if (t === next) return -1;
        if (t.startsWith(next)) prefix = true;
      }
      if (!prefix) return k === j ? j + 1 : k;
      k++;
    }
  }

  /** True when `tail` is, after optional whitespace, exactly an enabled built-in's `name.call(`. */
  private startsBuiltinCall(tail: string): boolean {
    if (tail.length > 96 || tail[tail.length - 1] !== "(") return false;
    let i = 0;
    while (i < tail.length && isWs(tail[i]!)) i++;
    const rest = i === 0 ? tail : tail.slice(i);
    return this.builtinTargets.includes(rest);
  }

  /** Like {@link builtinRejectEnd} for a `{`: runs a throwaway JSON-call scan over this chunk. */
  private jsonRejectEnd(s: string, j: number): number {
    const scan = new JsonCallScan(this.o);
    const limit = Math.min(s.length, j + 256);
    for (let k = j; k < limit; k++) {
      const r = scan.push(s[k]!);
      if (r === "error") return k === j ? j + 1 : k;
      if (r === "done" || scan.name !== undefined || scan.paramsStart >= 0) return -1;
    }
    return -1;
  }

  // -- output helpers ----------------------------------------------------------------------------

  private contentText(): string {
    return this.contentBlocks.length === 0 ? this.content : this.contentBlocks.join("") + this.content;
  }

  private emitText(s: string): void {
    if (s === "") return;
    this.closeFence = false; // text after a fenced call: a later ``` is content
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

  /** Content text: leading whitespace dropped, whitespace runs held until text follows them. */
  private emitContent(s: string): void {
    const n = s.length;
    let f = 0;
    while (f < n && isWs(s[f]!)) f++;
    if (f === n) {
      if (this.contentStarted) this.pendingWs += s;
      return;
    }
    let l = n - 1;
    while (isWs(s[l]!)) l--;
    const lead = this.contentStarted ? this.pendingWs + s.slice(0, f) : "";
    this.emitText(lead + s.slice(f, l + 1));
    this.pendingWs = s.slice(l + 1);
    this.contentStarted = true;
  }

  private nextId(): string {
    const f = this.o.createId;
    if (f) return String(f());
    return `${this.idPrefix}${++this.idCounter}`;
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
    this.out.push({ type: "tool-call-end", index: st.index, toolCall });
    this.pastStart = true;
  }

  private error(st: Started | undefined, error: LlamaPromptError): void {
    const ev: StreamEvent = { type: "error", error };
    if (st) ev.index = st.index;
    this.out.push(ev);
  }

  private get atStart(): boolean {
    return !this.contentStarted && !this.pastStart;
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

  /** A candidate failed: its held text becomes content (or code); the failing char is re-examined. */
  private giveUp(fail: FailMode, st: Started | undefined, ws: string, held: string, why: string): StepResult {
    if (st) this.error(st, new IncompleteToolCallError(`tool call ${st.index} is not valid: ${why}`, held));
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
    if (code.length > this.o.maxToolCallChars) this.tooLarge(st, "", code);
  }

  private tooLarge(st: Started | undefined, ws: string, held: string): void {
    this.error(st, new ToolCallTooLargeError(this.o.maxToolCallChars));
    this.flushFence();
    this.emitContent(ws + held);
    this.mode = { k: M.Plain };
  }

  private tryStart(c: string, fail: FailMode, ws: string, regionStart: boolean): boolean {
    if (c === "{") {
      const scan = new JsonCallScan(this.o);
      this.mode = { k: M.Json, scan, ws, fail };
      return true;
    }
    if (c === "<") {
      this.mode = { k: M.FPrefix, buf: "", ws, fail };
      return true;
    }
    if (c === "[" && (regionStart || this.atStart)) {
      this.mode = { k: M.List, list: new ListScan(), ws, fail };
      return true;
    }
    if (isIdStart(c) && (regionStart || !isIdChar(this.lastChar))) {
      for (const t of this.builtinTargets) {
        if (t[0] === c) {
          this.mode = { k: M.BPrefix, buf: "", ws, fail, preferLast: regionStart || this.atStart };
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
        if (this.tryStart(c, "text", "", false)) return REPROCESS;
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
          if (this.tryStart(c, "text", "", false)) {
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
        if (this.tryStart(c, "code", m.ws, true)) return REPROCESS;
        this.becomeCode(m.ws);
        return REPROCESS;

      case M.Code:
        m.code += c;
        this.delta(m.st, c);
        if (m.code.length > this.o.maxToolCallChars) this.tooLarge(m.st, "", m.code);
        return CONSUMED;

      case M.BPrefix: {
        const next = m.buf + c;
        let matched: string | undefined;
        let prefix = false;
        for (const t of this.builtinTargets) {
          if (t === next) matched = t;
          else if (t.startsWith(next)) prefix = true;
        }
        if (matched !== undefined) {
          const name = matched.slice(0, -".call(".length);
          const st = this.startCall(name, "builtin");
          this.mode = {
            k: M.BArgs, buf: next, name, argsStart: next.length, sc: new BuiltinArgsScanner(), st,
            ws: m.ws, fail: m.fail, preferLast: m.preferLast,
          };
          return CONSUMED;
        }
        if (prefix) {
          m.buf = next;
          return CONSUMED;
        }
        return this.giveUp(m.fail, undefined, m.ws, m.buf, "not a built-in call");
      }

      case M.BArgs: {
        const r = m.sc.push(c);
        if (r === "error") return this.giveUp(m.fail, m.st, m.ws, m.buf, "invalid built-in call arguments");
        if (r === "more") {
          m.buf += c;
          this.delta(m.st, c);
          if (m.buf.length > this.o.maxToolCallChars) this.tooLarge(m.st, m.ws, m.buf);
          return CONSUMED;
        }
        // close
        const argsText = m.buf.slice(m.argsStart);
        const args = m.sc.decode(argsText);
        if (!args) return this.giveUp(m.fail, m.st, m.ws, m.buf, "invalid built-in call arguments");
        const raw = m.buf + c;
        if (m.preferLast) {
          this.mode = { k: M.BTail, ws: m.ws, name: m.name, args, argsText, raw, st: m.st, tail: "" };
        } else {
          this.emitContent(m.ws);
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
          this.emitContent(m.ws);
          this.endCall(m.st, m.name, m.args, "builtin", m.raw);
          this.mode = { k: M.AfterCall, ws: "" };
          this.lastChar = ")"; // the tail follows the call's closing parenthesis
          this.refeed(tail);
          return CONSUMED;
        }
        if (m.raw.length + m.tail.length > this.o.maxToolCallChars) {
          const tail = m.tail;
          this.emitContent(m.ws);
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
        if (r === "done") {
          const dec = decodeJsonCallText(scan.buf, this.o);
          if (!dec) return this.giveUp(m.fail, m.st, m.ws, scan.buf.slice(0, -1), "not a tool call object");
          // Two names (a duplicate key, or `name` beside `function.name`): ambiguous, and the one
          // already announced in tool-call-start may not be the one JSON.parse keeps.
          if (scan.name !== undefined && dec.name !== scan.name) {
            return this.giveUp(m.fail, m.st, m.ws, scan.buf.slice(0, -1), `ambiguous tool name ("${scan.name}" and "${dec.name}")`);
          }
          if (!m.st) m.st = this.startCall(dec.name, "json");
          this.delta(m.st, scan.takeParams());
          this.emitContent(m.ws);
          this.endCall(m.st, dec.name, dec.arguments, "json", scan.buf);
          this.mode = { k: M.AfterCall, ws: "" };
          return CONSUMED;
        }
        if (m.st) this.delta(m.st, scan.takeParams());
        if (scan.buf.length > this.o.maxToolCallChars) this.tooLarge(m.st, m.ws, scan.buf);
        return CONSUMED;
      }

      case M.List: {
        const list = m.list;
        const r = list.push(c);
        if (r === "error") return this.giveUp(m.fail, undefined, m.ws, list.buf.slice(0, -1), "not a list of calls");
        if (r === "done") {
          if (!this.emitList(m.ws, list)) {
            return this.giveUp(m.fail, undefined, m.ws, list.buf.slice(0, -1), "not a list of calls");
          }
          this.mode = { k: M.AfterCall, ws: "" };
          return CONSUMED;
        }
        if (list.buf.length > this.o.maxToolCallChars) this.tooLarge(undefined, m.ws, list.buf);
        return CONSUMED;
      }

      case M.FPrefix: {
        const next = m.buf + c;
        if (!FUNCTION_OPEN.startsWith(next)) return this.giveUp(m.fail, undefined, m.ws, m.buf, "not a function tag");
        if (next === FUNCTION_OPEN) this.mode = { k: M.FName, buf: next, ws: m.ws, fail: m.fail };
        else m.buf = next;
        return CONSUMED;
      }

      case M.FName: {
        if (c === ">") {
          const name = m.buf.slice(FUNCTION_OPEN.length);
          if (name === "" || !isKnownTool(this.o, name)) return this.giveUp(m.fail, undefined, m.ws, m.buf, "no known function name");
          const st = this.startCall(name, "function_tag");
          const buf = m.buf + c;
          this.mode = { k: M.FArgs, buf, name, argsStart: buf.length, st, depth: 0, q: "", esc: false, ws: m.ws, fail: m.fail };
          return CONSUMED;
        }
        if (c === "}" || c === "{" || c === "<" || c === "\n" || c === "\r" || m.buf.length - FUNCTION_OPEN.length >= MAX_FUNCTION_NAME) {
          return this.giveUp(m.fail, undefined, m.ws, m.buf, "not a function tag");
        }
        m.buf += c;
        return CONSUMED;
      }

      case M.FArgs: {
        if (m.buf.length === m.argsStart) {
          if (c !== "{") return this.giveUp(m.fail, m.st, m.ws, m.buf, "function tag without a JSON object");
        }
        m.buf += c;
        this.delta(m.st, c);
        let closed = false;
        if (m.q !== "") {
          if (m.esc) m.esc = false;
          else if (c === "\\") m.esc = true;
          else if (c === m.q) m.q = "";
        } else if (c === '"' || c === "'") m.q = c;
        else if (c === "{" || c === "[") m.depth++;
        else if (c === "}" || c === "]") closed = --m.depth === 0;
        if (closed) {
          const argsText = m.buf.slice(m.argsStart);
          const args = decodeFunctionTagArgs(argsText);
          if (!args) return this.giveUp(m.fail, m.st, m.ws, m.buf.slice(0, -1), "function tag arguments are not a JSON object");
          this.mode = { k: M.FClose, ws: m.ws, buf: m.buf, name: m.name, args, argsText, st: m.st, look: "" };
          return CONSUMED;
        }
        if (m.buf.length > this.o.maxToolCallChars) this.tooLarge(m.st, m.ws, m.buf);
        return CONSUMED;
      }

      case M.FClose: {
        const next = m.look + c;
        if (FUNCTION_CLOSE.startsWith(next)) {
          if (next === FUNCTION_CLOSE) {
            this.emitContent(m.ws);
            this.endCall(m.st, m.name, m.args, "function_tag", m.buf + next);
            this.mode = { k: M.AfterCall, ws: "" };
          } else {
            m.look = next;
          }
          return CONSUMED;
        }
        this.emitContent(m.ws);
        this.endCall(m.st, m.name, m.args, "function_tag", m.buf);
        this.mode = { k: M.AfterCall, ws: "" };
        this.refeed(m.look);
        return REPROCESS;
      }
    }
  }

  /** Emits every element of a closed list as a call; false (nothing emitted) when one is not a call. */
  private emitList(ws: string, list: ListScan): boolean {
    const buf = list.buf;
    if (list.els.length === 0) return false;
    const decoded: Array<{ name: string; args: Record<string, unknown>; raw: string; argsText: string; format: ToolCallFormat }> = [];
    for (const [s, p, e] of list.els) {
      const raw = buf.slice(s, e);
      if (list.isJson()) {
        const d = decodeJsonCallText(raw, this.o);
        if (!d) return false;
        decoded.push({ name: d.name, args: d.arguments, raw, argsText: jsonParamsText(raw, this.o), format: "json" });
      } else {
        const d = decodePythonListElement(raw, this.o);
        if (!d) return false;
        decoded.push({ name: d.name, args: d.args, raw, argsText: buf.slice(p + 1, e - 1), format: "python_list" });
      }
    }
    this.emitContent(ws);
    for (const d of decoded) {
      const st = this.startCall(d.name, d.format);
      this.delta(st, d.argsText);
      this.endCall(st, d.name, d.args, d.format, d.raw);
    }
    return true;
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
        case M.Code:
          this.endCall(m.st, "code_interpreter", { code: m.code }, "code", m.code);
          this.mode = { k: M.Text };
          return;
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
          this.emitContent(m.ws);
          this.endCall(m.st, m.name, m.args, "function_tag", m.buf);
          this.mode = { k: M.AfterCall, ws: "" };
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
    this.emitContent(m.ws);
    if (!allWs(tail)) {
      const close = tail.lastIndexOf(")");
      if (close >= 0 && allWs(tail.slice(close + 1))) {
        const argsText = m.argsText + ")" + tail.slice(0, close);
        const args = parseBuiltinArgsToEnd(argsText);
        if (args) {
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
