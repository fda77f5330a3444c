/**
 * Function-tag calls (Meta's `function_tag` tool format): `<function=name>{"a": 1}</function>`. The
 * closing tag is optional, as in Meta's parser: without it, the call ends at its JSON object's end.
 */
import { callPermit, Permit } from "../options.js";
import { charIs, NAME } from "../scan/chars.js";
import { CLOSE, Nesting } from "../scan/nesting.js";
import { isPlainObject } from "../renderable.js";
import { jsonParse } from "./json.js";
import { Candidate, MORE, STOP, type CallFormat, type Outcome } from "./candidate.js";

const OPEN_TAG = "<function=";
const CLOSE_TAG = "</function>";
/** Longest tool name (`isToolName`). */
const MAX_NAME = 128;

/**
 * The JSON of a `<function=name>{...}</function>` call. Like Meta's parser: when it is not valid
 * JSON, retry with every single quote replaced by a double quote. Must be an object.
 */
function decodeArgs(text: string): Record<string, unknown> | undefined {
  const p = jsonParse(text) ?? jsonParse(text.replace(/'/g, '"'));
  return p && isPlainObject(p.value) ? p.value : undefined;
}

const enum At {
  /** Reading `<function=`. */
  OpenTag,
  /** Reading the name, up to `>`. */
  Name,
  /** Reading the JSON object. */
  Arguments,
  /** After the object: reading `</function>`, if it is there. */
  CloseTag,
}

class FunctionTagCall extends Candidate {
  #at = At.OpenTag;
  /** The call's text so far (without the closing tag). */
  #buf = "";
  #name = "";
  #argsStart = 0;
  #nesting = new Nesting(false);
  #args: Record<string, unknown> = {};
  /** At CloseTag: what was read of `</function>`. */
  #closeTag = "";

  push(c: string): Outcome {
    switch (this.#at) {
      case At.OpenTag: {
        const next = this.#buf + c;
        if (!OPEN_TAG.startsWith(next)) return this.fail(this.#buf, "not a function tag");
        if (next.length > this.limit) return this.tooLarge(next);
        this.#buf = next;
        if (next === OPEN_TAG) this.#at = At.Name;
        return MORE;
      }

      case At.Name: {
        if (c !== ">" && (!charIs(c, NAME) || this.#buf.length - OPEN_TAG.length >= MAX_NAME)) return this.fail(this.#buf, "not a function tag");
        const next = this.#buf + c;
        if (next.length > this.limit) return this.tooLarge(next);
        if (c !== ">") {
          this.#buf = next;
          return MORE;
        }
        const name = this.#buf.slice(OPEN_TAG.length);
        const permit = callPermit(this.sink.options, name, this.opening.pos);
        if (permit === Permit.NO) return this.fail(this.#buf, "not a tool name that may be called here");
        if (this.probe) return STOP;
        this.#name = name;
        this.ownLine = permit === Permit.OWN_LINE;
        this.started = this.sink.startCall(name, "function_tag");
        this.#buf = next;
        this.#argsStart = next.length;
        this.#at = At.Arguments;
        return MORE;
      }

      case At.Arguments: {
        if (this.#buf.length === this.#argsStart && c !== "{") return this.fail(this.#buf, "function tag without a JSON object");
        this.#buf += c;
        this.sink.delta(this.started!, c);
        if (this.#buf.length > this.limit) return this.tooLarge(this.#buf);
        if (this.#nesting.push(c) !== CLOSE || this.#nesting.depth !== 0) return MORE;
        const held = this.#buf.slice(0, -1);
        const args = decodeArgs(this.#buf.slice(this.#argsStart));
        if (!args) return this.fail(held, "function tag arguments are not a JSON object");
        const bad = this.sink.problem(this.#name, args);
        if (bad !== undefined) return this.fail(held, bad);
        this.#args = args;
        this.#at = At.CloseTag;
        return MORE;
      }

      case At.CloseTag: {
        const next = this.#closeTag + c;
        // No closing tag (Meta's parser does not need one): the call ends before what was read.
        if (!CLOSE_TAG.startsWith(next)) return this.done(this.#buf, this.ownLine, next);
        if (next !== CLOSE_TAG) {
          this.#closeTag = next;
          return MORE;
        }
        const raw = this.#buf + next;
        return raw.length > this.limit ? this.tooLarge(raw) : this.done(raw, this.ownLine);
      }
    }
  }

  finish(): Outcome {
    if (this.#at === At.CloseTag) return this.done(this.#buf, this.ownLine, this.#closeTag);
    return this.fail(this.#buf, this.#at === At.Arguments ? "input ended inside the call" : "input ended");
  }

  get size(): number {
    return this.#buf.length + this.#closeTag.length;
  }

  commit(): void {
    this.sink.endCall(this.started!, this.#name, this.#args, "function_tag", this.text);
  }
}

export const functionTagFormat: CallFormat = {
  starts: () => "<",
  wordStart: false,
  open: (sink, _c, opening, probe) => new FunctionTagCall(sink, opening, probe),
};
