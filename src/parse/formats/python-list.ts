/**
 * Lists of calls: a Llama 3.2 python list `[f(a=1), g()]` (format `python_list`), or a JSON array
 * of call objects `[{"name": ...}, ...]` (format `json`, each element read as a JSON call is).
 *
 * The list is read one character at a time and held until its `]`: the scan finds where each
 * element starts and ends, and fails at the first character that rules out a list of calls — for
 * python lists, as soon as an element's name is one the name rule refuses here. Then every element
 * is decoded; the list is calls only if all of them are.
 */
import { callPermit, declaredOnly, Permit, Pos } from "../options.js";
import { BLANK, charIs, NAME, SPACE } from "../scan/chars.js";
import { JsonScanner, type JsonStatus } from "../scan/json-scanner.js";
import { CLOSE, Nesting } from "../scan/nesting.js";
import { parsePyCall } from "../scan/python-literal.js";
import { joinsPrevious, rawCode, unrenderableCall } from "../renderable.js";
import { decodeJsonCallText, scanJsonCall } from "./json.js";
import { Candidate, MORE, type CallFormat, type CallSink, type Opening, type Outcome } from "./candidate.js";
import type { ToolCallFormat } from "../types.js";

/** Longest tool name (`isToolName`). */
const MAX_NAME = 128;

/** Where a list scan is. */
const enum At {
  /** After `[`: whitespace, then `{` (a JSON array) or a name (a python list). */
  Open,
  /** In a JSON array (the JSON scanner reads it). */
  Json,
  /** Expecting an element (or, after a `,`, the `]`). */
  Element,
  /** In an element's name. */
  Name,
  /** After the name: spaces, then `(`. */
  BeforeParen,
  /** In the arguments, up to the matching `)`. */
  Arguments,
  /** After an element: whitespace, then `,` or `]`. */
  AfterElement,
}

/** An element's span in the list text: python elements `[start, parenStart, end)`, JSON `[start, -1, end)`. */
type Span = [number, number, number];

/** The JSON scanner of a JSON array: records where each element (each call object) is. */
class ArrayScan extends JsonScanner {
  /** An element that is not an object. */
  bad = false;
  #current: Span = [0, -1, -1];
  constructor(private readonly spans: Span[]) {
    super();
  }
  protected override valueStart(depth: number, pos: number, c: string): void {
    if (depth !== 1) return;
    if (c !== "{") this.bad = true;
    this.#current = [pos, -1, -1];
  }
  protected override valueEnd(depth: number, end: number): void {
    if (depth !== 1) return;
    this.#current[2] = end;
    this.spans.push(this.#current);
  }
}

/** The list text fed one character at a time: where its elements are, and whether it can still be calls. */
export class ListScan {
  buf = "";
  /** A python element's name is undeclared at a line start: the list is a call only if alone on its line. */
  ownLine = false;
  /** The elements' spans in `buf`. */
  readonly spans: Span[] = [];
  #at = At.Open;
  #json: ArrayScan | undefined;
  #nesting = new Nesting(true);
  #current: Span = [0, 0, 0];
  /** The name being read. */
  #name = "";
  /** Only declared names may be called here: a name fails as soon as it is no declared name's prefix. */
  #declaredOnly: boolean;

  constructor(
    private readonly sink: CallSink,
    private readonly pos: Pos,
  ) {
    this.#declaredOnly = declaredOnly(sink.options, pos);
  }

  /** True for a JSON array of call objects. */
  isJson(): boolean {
    return this.#json !== undefined;
  }

  push(c: string): JsonStatus {
    const pos = this.buf.length;
    this.buf += c;
    const options = this.sink.options;
    for (;;) {
      switch (this.#at) {
        case At.Open:
          if (pos === 0 || charIs(c, SPACE)) return "more"; // the `[`, whitespace
          if (c === "{") {
            this.#at = At.Json;
            this.#json = new ArrayScan(this.spans);
            for (let i = 0; i < this.buf.length; i++) if (this.#json.push(this.buf[i]!) === "error") return "error";
            return "more";
          }
          this.#at = At.Element;
          continue;
        case At.Json: {
          const status = this.#json!.push(c);
          return this.#json!.bad ? "error" : status;
        }
        case At.Element:
          if (charIs(c, SPACE)) return "more";
          if (charIs(c, NAME)) {
            if (this.#declaredOnly && !options.prefixes.has(c)) return "error";
            this.#current = [pos, -1, -1];
            this.#name = c;
            this.#at = At.Name;
            return "more";
          }
          return c === "]" && this.spans.length > 0 ? "done" : "error"; // a trailing comma
        case At.Name: {
          if (charIs(c, NAME)) {
            if (this.#declaredOnly ? !options.prefixes.has(this.#name + c) : pos - this.#current[0] >= MAX_NAME) return "error";
            this.#name += c;
            return "more";
          }
          const permit = callPermit(options, this.#name, this.pos, true);
          if (permit === Permit.NO) return "error";
          if (permit === Permit.OWN_LINE) this.ownLine = true;
          this.#at = At.BeforeParen;
          continue;
        }
        case At.BeforeParen:
          if (charIs(c, BLANK)) return "more";
          if (c !== "(") return "error";
          this.#current[1] = pos;
          this.#nesting = new Nesting(true);
          this.#nesting.depth = 1;
          this.#at = At.Arguments;
          return "more";
        case At.Arguments:
          if (this.#nesting.push(c) === CLOSE && this.#nesting.depth === 0) {
            if (c !== ")") return "error";
            this.#current[2] = pos + 1;
            this.spans.push(this.#current);
            this.#at = At.AfterElement;
          }
          return "more";
        case At.AfterElement:
          if (charIs(c, SPACE)) return "more";
          if (c === ",") {
            this.#at = At.Element;
            return "more";
          }
          return c === "]" ? "done" : "error";
      }
    }
  }
}

/** One decoded element. */
interface ListedCall {
  name: string;
  args: Record<string, unknown>;
  raw: string;
  argsText: string;
  format: ToolCallFormat;
}

class ListCall extends Candidate {
  #list = new ListScan(this.sink, this.opening.pos);
  #calls: ListedCall[] = [];

  push(c: string): Outcome {
    const list = this.#list;
    const status = list.push(c);
    if (status === "error") return this.fail(list.buf.slice(0, -1), "not a list of calls");
    if (list.buf.length > this.limit) return this.tooLarge(list.buf);
    if (status === "more") return MORE;
    const why = this.#decode();
    return why === undefined ? this.done(list.buf, this.ownLine) : this.fail(list.buf.slice(0, -1), why, this.report);
  }

  /** Decodes every element of the closed list; why it is not a list of calls, or undefined. */
  #decode(): string | undefined {
    const { buf, spans } = this.#list;
    if (spans.length === 0) return "an empty list";
    const options = this.sink.options;
    const pos = this.opening.pos;
    const json = this.#list.isJson();
    let ownLine = this.#list.ownLine;
    let prev = this.sink.lastCode;
    for (const [start, paren, end] of spans) {
      const raw = buf.slice(start, end);
      // A JSON element is read the way a streamed JSON call is (same refusals, same arguments text).
      const scanned = json ? scanJsonCall(raw, options, pos) : undefined;
      let decoded: { name: string; arguments: Record<string, unknown>; permit: Permit } | undefined;
      if (json) decoded = scanned ? decodeJsonCallText(raw, options, pos) : undefined;
      else {
        const call = parsePyCall(raw, true);
        const permit = call ? callPermit(options, call.name, pos, true) : Permit.NO;
        decoded = call && permit !== Permit.NO ? { name: call.name, arguments: call.args, permit } : undefined;
      }
      if (!decoded || (scanned?.name !== undefined && scanned.name !== decoded.name)) return "not a list of calls";
      const bad = unrenderableCall(decoded.name, decoded.arguments) ?? joinsPrevious(prev, decoded.name, decoded.arguments);
      if (bad !== undefined) {
        this.report = true;
        return `${decoded.name}: ${bad}`;
      }
      prev = rawCode(decoded.name, decoded.arguments);
      if (decoded.permit === Permit.OWN_LINE) ownLine = true;
      this.#calls.push({
        name: decoded.name,
        args: decoded.arguments,
        raw,
        argsText: scanned ? scanned.params : buf.slice(paren + 1, end - 1),
        format: json ? "json" : "python_list",
      });
    }
    this.ownLine = ownLine;
    return undefined;
  }

  finish(): Outcome {
    return this.fail(this.#list.buf, "input ended inside the list");
  }

  get size(): number {
    return this.#list.buf.length;
  }

  commit(): void {
    for (const call of this.#calls) {
      const started = this.sink.startCall(call.name, call.format);
      this.sink.delta(started, call.argsText);
      this.sink.endCall(started, call.name, call.args, call.format, call.raw);
    }
  }
}

export const pythonListFormat: CallFormat = {
  starts: () => "[",
  wordStart: false,
  open: (sink, _c, opening: Opening, probe) =>
    // Inside a sentence a list may hold only declared names: none declared, no list.
    opening.pos === Pos.MID && !sink.options.declaresAny ? undefined : new ListCall(sink, opening, probe),
};
