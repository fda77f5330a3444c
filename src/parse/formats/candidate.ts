/**
 * The one interface between the machine and the call formats.
 *
 * A call format (formats/*.ts) says which characters a call of it may start with and opens a
 * {@link Candidate} there. The machine feeds the candidate one character at a time and acts on what
 * it answers ({@link Outcome}): keep going, give up (its text is content again), too large, or a
 * complete call. The same candidate, opened as a probe, is what the machine's fast path runs over a
 * chunk to skip text that cannot be a call: a probe stops where it would announce a call, so it
 * gives up exactly where the slow path would, by construction.
 */
import type { Pos, ResolvedParseOptions } from "../options.js";
import type { ToolCallFormat } from "../types.js";

/** A call announced with a `tool-call-start` event. */
export interface Started {
  index: number;
  id: string;
}

/** What a candidate may ask of the machine. */
export interface CallSink {
  readonly options: ResolvedParseOptions;
  /** The code of the previous call when Meta's encoder writes it raw (a code_interpreter call). */
  readonly lastCode: string | undefined;
  /** Why the call would not render back (alone, or after the previous call), or undefined. */
  problem(name: string, args: Record<string, unknown>): string | undefined;
  /** Emits `tool-call-start`. */
  startCall(name: string | undefined, format: ToolCallFormat): Started;
  /** Emits (or extends) a `tool-call-delta`. */
  delta(call: Started, text: string): void;
  /** Emits `tool-call-end` and records the call. */
  endCall(call: Started, name: string, args: Record<string, unknown>, format: ToolCallFormat, raw: string): void;
}

/** Keep feeding. */
export const MORE = 0;
/** Not a call: {@link Candidate.text} is content again and the character is examined again. */
export const FAIL = 1;
/** The call would pass `maxToolCallChars`: {@link Candidate.text} is content, the rest of the region too. */
export const TOO_LARGE = 2;
/** A complete call (or list of calls): {@link Candidate.commit} writes it; {@link Candidate.rest} is read again. */
export const DONE = 3;
/** (Probes only) a call would be announced here: the slow path must decide. */
export const STOP = 4;
export type Outcome = typeof MORE | typeof FAIL | typeof TOO_LARGE | typeof DONE | typeof STOP;

/** Where a candidate opens, as the machine sees it. */
export interface Opening {
  /** Where the call starts, for the name rule ({@link callPermit}). */
  pos: Pos;
  /** Right after `<|python_tag|>` (and its whitespace). */
  regionStart: boolean;
  /** At the start of the message or of a python_tag region: nothing but whitespace before it. */
  turnStart: boolean;
}

export abstract class Candidate {
  /** The call once `tool-call-start` announced it. */
  started: Started | undefined;
  /** After FAIL or TOO_LARGE: the text given back. After DONE: the call's raw text. */
  text = "";
  /** After FAIL: why. */
  why = "";
  /** After FAIL: report it with an error event even though no call was announced. */
  report = false;
  /** After DONE: a call only if nothing but whitespace follows it on its line. */
  ownLine = false;
  /** After DONE: text read past the end of the call, to examine again. */
  rest = "";
  protected readonly limit: number;

  /**
   * @param sink the machine; a probe may read it but never writes to it
   * @param probe true for a probe of the fast path: answer STOP instead of announcing a call
   */
  constructor(
    protected readonly sink: CallSink,
    protected readonly opening: Opening,
    protected readonly probe: boolean,
  ) {
    this.limit = sink.options.maxToolCallChars;
  }

  /** Feeds one character. */
  abstract push(c: string): Outcome;
  /** The region ends (a special token, the end of input): FAIL or DONE. */
  abstract finish(): Outcome;
  /** Characters held (for `bufferedChars`). */
  abstract get size(): number;
  /** After DONE: writes the call(s). */
  abstract commit(): void;

  /**
   * Fast path: takes all of `s` from `from` at once and returns true, when no character of it can
   * end the candidate (the code of a python_tag region); false to be fed one character at a time.
   */
  takeRest(_s: string, _from: number): boolean {
    return false;
  }

  protected fail(text: string, why: string, report = false): Outcome {
    this.text = text;
    this.why = why;
    this.report = report;
    return FAIL;
  }

  protected tooLarge(text: string): Outcome {
    this.text = text;
    return TOO_LARGE;
  }

  protected done(raw: string, ownLine: boolean, rest = ""): Outcome {
    this.text = raw;
    this.ownLine = ownLine;
    this.rest = rest;
    return DONE;
  }
}

/** A call format: which characters its calls start with, and a candidate for one. */
export interface CallFormat {
  /** The ASCII characters a call of this format may start with, under these options. */
  starts(options: ResolvedParseOptions): string;
  /** True when a call may start only at the start of a word (not right after `[A-Za-z0-9_]`). */
  wordStart: boolean;
  /** A candidate for a call starting with `c`, or undefined when none may start there. */
  open(sink: CallSink, c: string, opening: Opening, probe: boolean): Candidate | undefined;
}

/** Longest text a probe reads: past it, the slow path decides (which keeps the fast path linear). */
const PROBE_CHARS = 256;

/**
 * The fast path's question for a call that may start at `s[j]`: the index of the character the
 * slow path would give the candidate up at (it would make `s[j..k)` content and examine `s[k]`
 * again), or -1 when this chunk does not decide that — a call may start, the candidate may grow
 * too large, be reported, or the chunk ends first. `candidate` undefined: no call may start there,
 * `s[j]` is content.
 */
export function probe(candidate: Candidate | undefined, s: string, j: number): number {
  if (candidate === undefined) return j + 1;
  const end = Math.min(s.length, j + PROBE_CHARS);
  for (let k = j; k < end; k++) {
    const outcome = candidate.push(s[k]!);
    if (outcome === MORE) continue;
    return outcome === FAIL && !candidate.report ? Math.max(k, j + 1) : -1;
  }
  return -1;
}
