/**
 * Built-in tool calls: `brave_search.call(query="...")`, `wolfram_alpha.call(query="...")`,
 * `code_interpreter.call(code="...")` — an enabled built-in's name at the start of a word, then
 * keyword arguments (scan/builtin-args.ts).
 *
 * The call closes at the first `)` that can close it. At the start of the message or of a
 * python_tag region, where the call is the whole region, a later `)` after which only whitespace
 * remains is preferred (the official template writes `query="a "b""` unescaped): the candidate then
 * holds what follows the first `)` until the region ends, another built-in call starts, or the
 * limit is reached.
 */
import { BuiltinArgsScanner, parseBuiltinArgsToEnd } from "../scan/builtin-args.js";
import { allWs, isWsAt } from "../scan/chars.js";
import { Candidate, MORE, STOP, type CallFormat, type Outcome } from "./candidate.js";

const CALL = ".call(";

/** Where a built-in call candidate is. */
const enum At {
  /** Reading `name.call(`. */
  Prefix,
  /** Reading the arguments. */
  Arguments,
  /** Closed at its first `)`; holding what follows (the region may prefer a later `)`). */
  Tail,
}

class BuiltinCall extends Candidate {
  #at = At.Prefix;
  /** The call's text so far (`name.call(` and the arguments read). */
  #buf = "";
  #name = "";
  #scanner: BuiltinArgsScanner | undefined;
  #args: Record<string, unknown> = {};
  /** At Tail: the arguments text up to the first `)`, and what was read after it. */
  #argsText = "";
  #tail = "";

  push(c: string): Outcome {
    const targets = this.sink.options.builtinCalls;
    switch (this.#at) {
      case At.Prefix: {
        const next = this.#buf + c;
        let matched: string | undefined;
        let prefix = false;
        for (const t of targets) {
          if (t === next) matched = t;
          else if (t.startsWith(next)) prefix = true;
        }
        if (matched === undefined && !prefix) return this.fail(this.#buf, "not a built-in call");
        if (next.length > this.limit) return this.tooLarge(next);
        this.#buf = next;
        if (matched !== undefined) {
          if (this.probe) return STOP;
          this.#name = matched.slice(0, -CALL.length);
          this.started = this.sink.startCall(this.#name, "builtin");
          this.#scanner = new BuiltinArgsScanner();
          this.#at = At.Arguments;
        }
        return MORE;
      }

      case At.Arguments: {
        const scanned = this.#scanner!.push(c);
        if (scanned === "error") return this.fail(this.#buf, "invalid built-in call arguments");
        if (scanned === "more") {
          this.#buf += c;
          this.sink.delta(this.started!, c);
          return this.#buf.length > this.limit ? this.tooLarge(this.#buf) : MORE;
        }
        // closed
        const raw = this.#buf + c;
        if (raw.length > this.limit) return this.tooLarge(raw);
        const argsText = this.#buf.slice(this.#buf.indexOf("(") + 1);
        const args = this.#scanner!.decode(argsText);
        if (!args) return this.fail(this.#buf, "invalid built-in call arguments");
        const bad = this.sink.problem(this.#name, args);
        if (bad !== undefined) return this.fail(this.#buf, bad);
        this.#args = args;
        if (!this.opening.turnStart) return this.done(raw, false);
        this.#buf = raw;
        this.#argsText = argsText;
        this.#at = At.Tail;
        return MORE;
      }

      case At.Tail: {
        this.#tail += c;
        // Another built-in call right after this one (Meta writes several back to back), or the
        // limit: the first `)` closed this call.
        if (this.#startsCall(this.#tail) || this.#buf.length + this.#tail.length > this.limit) return this.done(this.#buf, false, this.#tail);
        return MORE;
      }
    }
  }

  finish(): Outcome {
    if (this.#at === At.Prefix) return this.fail(this.#buf, "input ended");
    if (this.#at === At.Arguments) return this.fail(this.#buf, "input ended inside the call");
    // Text other than whitespace followed the first `)`: prefer a later `)` after which only
    // whitespace remains, when the arguments read up to it are valid.
    const tail = this.#tail;
    if (!allWs(tail)) {
      const close = tail.lastIndexOf(")");
      if (close >= 0 && allWs(tail.slice(close + 1))) {
        const more = ")" + tail.slice(0, close);
        const args = parseBuiltinArgsToEnd(this.#argsText + more);
        if (args && this.sink.problem(this.#name, args) === undefined) {
          this.#args = args;
          this.#more = more;
          return this.done(this.#buf + tail.slice(0, close + 1), false, tail.slice(close + 1));
        }
      }
    }
    return this.done(this.#buf, false, tail);
  }

  /** Arguments text read past the first `)`, streamed when the call is committed. */
  #more = "";

  get size(): number {
    return this.#buf.length + this.#tail.length;
  }

  commit(): void {
    if (this.#more !== "") this.sink.delta(this.started!, this.#more);
    this.sink.endCall(this.started!, this.#name, this.#args, "builtin", this.text);
  }

  /** True when `tail` is, after optional whitespace, exactly an enabled built-in's `name.call(`. */
  #startsCall(tail: string): boolean {
    if (tail.length > 96 || tail[tail.length - 1] !== "(") return false;
    let i = 0;
    while (i < tail.length && isWsAt(tail, i)) i++;
    return this.sink.options.builtinCalls.includes(i === 0 ? tail : tail.slice(i));
  }
}

export const builtinFormat: CallFormat = {
  starts: (options) => options.builtinCalls.map((t) => t[0]).join(""),
  wordStart: true,
  open: (sink, _c, opening, probe) => new BuiltinCall(sink, opening, probe),
};
