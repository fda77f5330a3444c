/**
 * Code-interpreter calls: after `<|python_tag|>`, text that starts no other call is Python code, up
 * to the end of the region (a stop token, another python_tag, the end of input). It is one call,
 * `code_interpreter` with arguments `{ code }`, streamed as it arrives.
 *
 * Unlike the other formats it is not opened by a character: the machine opens it where a region's
 * text turns out not to be another call ({@link openCode}).
 */
import { findSpecialToken } from "../../base/tokens.js";
import { joinsPrevious } from "../renderable.js";
import { Candidate, MORE, type CallSink, type Outcome } from "./candidate.js";
import { Pos } from "../options.js";

class CodeCall extends Candidate {
  #code = "";

  push(c: string): Outcome {
    return this.append(c);
  }

  /** Fast path: takes all of `s` from `from` when that cannot pass the limit. */
  override takeRest(s: string, from: number): boolean {
    if (this.#code.length + (s.length - from) > this.limit) return false;
    this.append(from === 0 ? s : s.slice(from));
    return true;
  }

  append(text: string): Outcome {
    this.#code += text;
    this.sink.delta(this.started!, text);
    return this.#code.length > this.limit ? this.tooLarge(this.#code) : MORE;
  }

  finish(): Outcome {
    // Code joined around a dropped control token can spell one: it would not render back.
    const code = this.#code;
    const token = findSpecialToken(code);
    const bad = token ? `the code contains the special token ${token.token}` : joinsPrevious(this.sink.lastCode, "code_interpreter", { code });
    return bad === undefined ? this.done(code, false) : this.fail(code, bad);
  }

  get size(): number {
    return this.#code.length;
  }

  commit(): void {
    this.sink.endCall(this.started!, "code_interpreter", { code: this.text }, "code", this.text);
  }

  /** Announces the call, with `code` as its first text. */
  begin(code: string): Outcome {
    this.started = this.sink.startCall("code_interpreter", "code");
    return this.append(code);
  }
}

/** Starts a code call whose text begins with `code` (whitespace, or a failed candidate's text). */
export function openCode(sink: CallSink, code: string): { candidate: Candidate; outcome: Outcome } {
  const candidate = new CodeCall(sink, { pos: Pos.TURN, regionStart: true, turnStart: true }, false);
  return { candidate, outcome: candidate.begin(code) };
}
