/**
 * A JSON object that may be a tool call, fed one character at a time. It knows, as early as the
 * text allows, the first key (a call starts with name/type/function/parameters/arguments), the
 * tool name (`name`, or `function.name`) and where the parameters/arguments value starts and ends
 * (for streaming its raw text), and fails at the first character that rules out a call.
 */
import { JsonScanner, type JsonStatus } from "./scan/json-scanner.js";
import { callPermit, Permit, Pos, type ResolvedParseOptions } from "./options.js";
import { MAX_ARGUMENT_DEPTH } from "./renderable.js";

/**
 * Deepest nesting a JSON call may reach while it is read: its arguments may be
 * `MAX_ARGUMENT_DEPTH` deep below `{"function": {"parameters": ...}}`. Deeper text is given up at
 * once (it could not render back), without holding the rest of it.
 */
const MAX_CALL_DEPTH = MAX_ARGUMENT_DEPTH + 2;

function clip(s: string): string {
  return s.length > 40 ? s.slice(0, 40) + "…" : s;
}

const FIRST_KEYS = new Set(["name", "type", "function", "parameters", "arguments"]);

function parseJsonString(text: string): string | undefined {
  try {
    const v = JSON.parse(text) as unknown;
    return typeof v === "string" ? v : undefined;
  } catch {
    return undefined;
  }
}

export class JsonCallScan {
  buf = "";
  /** Why this can no longer be a call (set by the key/value hooks). */
  bad: string | undefined;
  name: string | undefined;
  /** What the name rule said about `name` (YES, or OWN_LINE for an undeclared name at a line start). */
  permit: Permit = Permit.NO;
  /** Span of the parameters/arguments value in `buf` (end -1 while open). */
  paramsStart = -1;
  paramsEnd = -1;
  /** Parameters text not yet handed out by {@link takeParams}. */
  private paramsPending = "";
  private firstKey: string | undefined;
  private key1: string | undefined;
  private key2: string | undefined;
  private nameStart = -1;
  private nameDepth = -1;
  private paramsDepth = -1;
  /**
   * Text of the key or name string being read. Captured character by character: slicing `buf`
   * (a string that grows by appends) would copy it every time and make the scan quadratic.
   */
  private cap: string | undefined;
  private readonly scanner: JsonScanner;

  /**
   * @param pos where the call starts, for the name rule ({@link callPermit})
   * @param strict false: only locate the parameters (of a text already known to be a call)
   */
  constructor(
    private readonly o: ResolvedParseOptions,
    private readonly pos: Pos = Pos.TURN,
    private readonly strict = true,
  ) {
    this.scanner = new JsonScanner({
      keyStart: (depth) => {
        if (depth === 1 || (depth === 2 && this.key1 === "function")) this.cap = "";
      },
      key: (depth) => {
        if (this.cap === undefined) return;
        const k = parseJsonString(this.cap + '"') ?? "";
        this.cap = undefined;
        if (depth === 1) {
          if (this.firstKey === undefined) {
            this.firstKey = k;
            if (this.strict && !FIRST_KEYS.has(k)) this.bad = `first key "${clip(k)}" is not a tool-call key`;
          }
          this.key1 = k;
        } else if (depth === 2) {
          this.key2 = k;
        }
      },
      valueStart: (depth, pos, c) => {
        let k: string | undefined;
        if (depth === 1) k = this.key1;
        else if (depth === 2 && this.key1 === "function") k = this.key2;
        else return;
        if (k === "name" && this.nameStart < 0) {
          if (c !== '"' && this.strict) this.bad = "name is not a string";
          this.nameStart = pos;
          this.nameDepth = depth;
          if (c === '"') this.cap = "";
        } else if (k === "parameters" || k === "arguments") {
          if (this.paramsStart < 0) {
            this.paramsStart = pos;
            this.paramsDepth = depth;
          } else if (this.strict) {
            // The first value is already streamed as the arguments; JSON.parse would keep another.
            this.bad = "two parameters / arguments values (ambiguous)";
          }
        }
      },
      valueEnd: (depth, end) => {
        if (this.nameStart >= 0 && this.name === undefined && depth === this.nameDepth && this.cap !== undefined) {
          const name = parseJsonString(this.cap + '"');
          this.cap = undefined;
          if (name === undefined || name === "") {
            if (this.strict) this.bad = "name is not a non-empty string";
          } else if (this.strict) {
            this.permit = callPermit(this.o, name, this.pos);
            if (this.permit === Permit.NO) this.bad = `tool name "${clip(name)}" is not a call here`;
            else this.name = name;
          } else this.name = name;
        }
        if (this.paramsStart >= 0 && this.paramsEnd < 0 && depth === this.paramsDepth) this.paramsEnd = end;
      },
    });
  }

  push(c: string): JsonStatus {
    this.buf += c;
    const r = this.scanner.push(c);
    if (this.strict && this.scanner.depth > MAX_CALL_DEPTH) this.bad = `nested deeper than ${MAX_ARGUMENT_DEPTH} levels`;
    if (this.cap !== undefined) this.cap += c;
    // c belongs to the parameters when they have started and not ended before c
    if (this.paramsStart >= 0 && (this.paramsEnd < 0 || this.paramsEnd === this.buf.length)) this.paramsPending += c;
    return this.bad !== undefined ? "error" : r;
  }

  /** The raw parameters text read since the last call (all of it the first time). */
  takeParams(): string {
    const s = this.paramsPending;
    this.paramsPending = "";
    return s;
  }
}

/**
 * A complete JSON call text (a list element) read as a streamed one is: its name as the scan knows
 * it and the raw parameters/arguments text for its arguments delta; undefined when the scan refuses
 * it (a first key that is not a call key, a name refused at `pos`, two names' or two values' worth).
 */
export function scanJsonCall(text: string, o: ResolvedParseOptions, pos: Pos): { name: string | undefined; params: string } | undefined {
  const scan = new JsonCallScan(o, pos);
  let r: JsonStatus = "more";
  for (let i = 0; i < text.length && r === "more"; i++) r = scan.push(text[i]!);
  if (r !== "done") return undefined;
  return { name: scan.name, params: scan.paramsEnd >= 0 ? scan.takeParams() : "" };
}
