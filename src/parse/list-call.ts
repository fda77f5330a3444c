/**
 * A list that may hold tool calls, fed one character at a time and held until its `]`: a Llama 3.2
 * python list `[f(a=1), g()]`, or a JSON array of call objects `[{"name": ...}, ...]`. It finds
 * where each element starts and ends, and fails at the first character that rules out a list of
 * calls — for python lists, as soon as an element's name is one the name rule refuses here.
 */
import { JsonScanner } from "./scan/json-scanner.js";
import { isToolNameChar, isWs } from "./scan/chars.js";
import { callPermit, declaredOnly, Permit, Pos, type ResolvedParseOptions } from "./options.js";

const enum L {
  Open, // after `[`: spaces, then `{` (JSON) or a name (python)
  Json,
  E0, // expecting an element (after `,`: or `]`)
  Ident,
  BeforeParen,
  Args,
  AfterEl,
}

/** Longest tool name (`isToolName`). */
const MAX_NAME = 128;

export class ListScan {
  buf = "";
  /** A python element's name is undeclared at a line start: the list is a call only if alone on its line. */
  ownLine = false;
  private st: L = L.Open;
  private json: JsonScanner | undefined;
  private jsonBad = false;
  private depth = 0;
  private q = "";
  private esc = false;
  /** Python elements: [start, parenStart, end). JSON elements: [start, -1, end). */
  readonly els: Array<[number, number, number]> = [];
  private cur: [number, number, number] = [0, 0, 0];
  /** The name being read. */
  private name = "";
  /** Only declared names may be called here: a name fails as soon as it is no declared name's prefix. */
  private readonly declaredOnly: boolean;

  constructor(
    private readonly o: ResolvedParseOptions,
    private readonly pos: Pos = Pos.TURN,
  ) {
    this.declaredOnly = declaredOnly(o, pos);
  }

  /** True for a JSON array of call objects. */
  isJson(): boolean {
    return this.json !== undefined;
  }

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
          if (isToolNameChar(c)) {
            if (this.declaredOnly && !this.o.prefixes.has(c)) return "error";
            this.cur = [pos, -1, -1];
            this.name = c;
            this.st = L.Ident;
            return "more";
          }
          if (c === "]" && this.els.length > 0) return "done"; // trailing comma
          return "error";
        case L.Ident: {
          if (isToolNameChar(c)) {
            if (this.declaredOnly ? !this.o.prefixes.has(this.name + c) : pos - this.cur[0] >= MAX_NAME) return "error";
            this.name += c;
            return "more";
          }
          const permit = callPermit(this.o, this.name, this.pos, true);
          if (permit === Permit.NO) return "error";
          if (permit === Permit.OWN_LINE) this.ownLine = true;
          this.st = L.BeforeParen;
          continue;
        }
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
