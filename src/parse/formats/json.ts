/**
 * JSON tool calls: `{"name": "f", "parameters": {...}}` and the shapes around it
 * (`"arguments"`, `{"type": "function", ...}`, `{"function": {"name", "arguments"}}`).
 *
 * The object is read one character at a time by a strict JSON scanner that knows, as early as the
 * text allows, the first key (a call starts with name/type/function/parameters/arguments), the tool
 * name (`name`, or `function.name`) and where the parameters/arguments value starts and ends, so
 * the call is announced as soon as its name and arguments start, its arguments text is streamed,
 * and a candidate is given up at the first character that rules out a call. The complete text is
 * then decoded with `JSON.parse`.
 */
import { JsonScanner, type JsonStatus } from "../scan/json-scanner.js";
import { callPermit, Permit, type Pos, type ResolvedParseOptions } from "../options.js";
import { isPlainObject, MAX_ARGUMENT_DEPTH } from "../renderable.js";
import { Candidate, MORE, STOP, type CallFormat, type Outcome } from "./candidate.js";

/**
 * Deepest nesting a JSON call may reach while it is read: its arguments may be
 * `MAX_ARGUMENT_DEPTH` deep below `{"function": {"parameters": ...}}`. Deeper text is given up at
 * once (it could not render back), without holding the rest of it.
 */
const MAX_CALL_DEPTH = MAX_ARGUMENT_DEPTH + 2;

const FIRST_KEYS = new Set(["name", "type", "function", "parameters", "arguments"]);

function clip(s: string): string {
  return s.length > 40 ? s.slice(0, 40) + "…" : s;
}

/** `JSON.parse(text)`, or undefined when it is not JSON. */
export function jsonParse(text: string): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(text) as unknown };
  } catch {
    return undefined;
  }
}

/** The string a JSON string literal's text holds, or undefined. */
function jsonString(text: string): string | undefined {
  const p = jsonParse(text);
  return typeof p?.value === "string" ? p.value : undefined;
}

/** A JSON object that may be a tool call, fed one character at a time (see the module comment). */
export class JsonCallScan extends JsonScanner {
  buf = "";
  /** Why this can no longer be a call (set by the key/value hooks). */
  bad: string | undefined;
  /** The tool name, once read and allowed here. */
  name: string | undefined;
  /** Span of the parameters/arguments value in `buf` (end -1 while open). */
  paramsStart = -1;
  paramsEnd = -1;
  /** Parameters text not yet handed out by {@link takeParams}. */
  #paramsPending = "";
  #firstKey: string | undefined;
  /** The last key read at depth 1, and at depth 2 (inside `"function"`). */
  #key1: string | undefined;
  #key2: string | undefined;
  #nameStart = -1;
  #nameDepth = -1;
  #paramsDepth = -1;
  /**
   * Text of the key or name string being read. Captured character by character: slicing `buf`
   * (a string that grows by appends) would copy it every time and make the scan quadratic.
   */
  #captured: string | undefined;

  /** @param pos where the call starts, for the name rule ({@link callPermit}) */
  constructor(
    private readonly options: ResolvedParseOptions,
    private readonly where: Pos,
  ) {
    super();
  }

  protected override keyStart(depth: number): void {
    if (depth === 1 || (depth === 2 && this.#key1 === "function")) this.#captured = "";
  }

  protected override key(depth: number): void {
    if (this.#captured === undefined) return;
    const key = jsonString(this.#captured + '"') ?? "";
    this.#captured = undefined;
    if (depth === 1) {
      if (this.#firstKey === undefined) {
        this.#firstKey = key;
        if (!FIRST_KEYS.has(key)) this.bad = `first key "${clip(key)}" is not a tool-call key`;
      }
      this.#key1 = key;
    } else if (depth === 2) {
      this.#key2 = key;
    }
  }

  protected override valueStart(depth: number, pos: number, c: string): void {
    let key: string | undefined;
    if (depth === 1) key = this.#key1;
    else if (depth === 2 && this.#key1 === "function") key = this.#key2;
    else return;
    if (key === "name" && this.#nameStart < 0) {
      if (c !== '"') this.bad = "name is not a string";
      this.#nameStart = pos;
      this.#nameDepth = depth;
      if (c === '"') this.#captured = "";
    } else if (key === "parameters" || key === "arguments") {
      if (this.paramsStart < 0) {
        this.paramsStart = pos;
        this.#paramsDepth = depth;
      } else {
        // The first value is already streamed as the arguments; JSON.parse would keep another.
        this.bad = "two parameters / arguments values (ambiguous)";
      }
    }
  }

  protected override valueEnd(depth: number, end: number): void {
    if (this.#nameStart >= 0 && this.name === undefined && depth === this.#nameDepth && this.#captured !== undefined) {
      const name = jsonString(this.#captured + '"');
      this.#captured = undefined;
      if (name === undefined || name === "") this.bad = "name is not a non-empty string";
      else if (callPermit(this.options, name, this.where) === Permit.NO) this.bad = `tool name "${clip(name)}" is not a call here`;
      else this.name = name;
    }
    if (this.paramsStart >= 0 && this.paramsEnd < 0 && depth === this.#paramsDepth) this.paramsEnd = end;
  }

  override push(c: string): JsonStatus {
    this.buf += c;
    const status = super.push(c);
    if (this.depth > MAX_CALL_DEPTH) this.bad = `nested deeper than ${MAX_ARGUMENT_DEPTH} levels`;
    if (this.#captured !== undefined) this.#captured += c;
    // c belongs to the parameters when they have started and not ended before c
    if (this.paramsStart >= 0 && (this.paramsEnd < 0 || this.paramsEnd === this.buf.length)) this.#paramsPending += c;
    return this.bad !== undefined ? "error" : status;
  }

  /** The raw parameters text read since the last call (all of it the first time). */
  takeParams(): string {
    const s = this.#paramsPending;
    this.#paramsPending = "";
    return s;
  }
}

/**
 * A complete JSON call text (a list element) read as a streamed one is: its name as the scan knows
 * it and the raw parameters/arguments text for its arguments delta; undefined when the scan refuses
 * it (a first key that is not a call key, a name refused at `pos`, two names' or two values' worth).
 */
export function scanJsonCall(text: string, options: ResolvedParseOptions, pos: Pos): { name: string | undefined; params: string } | undefined {
  const scan = new JsonCallScan(options, pos);
  let status: JsonStatus = "more";
  for (let i = 0; i < text.length && status === "more"; i++) status = scan.push(text[i]!);
  if (status !== "done") return undefined;
  return { name: scan.name, params: scan.paramsEnd >= 0 ? scan.takeParams() : "" };
}

/** A decoded call: its name, arguments, and what the name rule said (YES, or OWN_LINE). */
export interface DecodedCall {
  name: string;
  arguments: Record<string, unknown>;
  permit: Permit;
}

/** An arguments value: an object, or a JSON string holding an object (OpenAI style). */
function decodeArgs(v: unknown): Record<string, unknown> | undefined {
  if (isPlainObject(v)) return v;
  if (typeof v === "string") {
    const p = jsonParse(v);
    if (p && isPlainObject(p.value)) return p.value;
  }
  return undefined;
}

/**
 * The text of a JSON call object as a tool call: `{"name", "parameters"}`, `{"name", "arguments"}`,
 * `{"type": "function", "name", "parameters"}`, `{"type": "function", "function": {"name",
 * "parameters" | "arguments"}}` (the streaming scan refuses a call with both, or two of either: its
 * first value is what it streams). Without either, the call is accepted only when `tools` were
 * given and name it (arguments `{}`). The name follows the one rule of {@link callPermit} at `pos`.
 */
export function decodeJsonCallText(text: string, options: ResolvedParseOptions, pos: Pos): DecodedCall | undefined {
  const value = jsonParse(text)?.value;
  if (!isPlainObject(value)) return undefined;
  let src: Record<string, unknown> = value;
  if (isPlainObject(value.function) && typeof value.function.name === "string") src = value.function;
  const name = src.name;
  if (typeof name !== "string") return undefined;
  const permit = callPermit(options, name, pos);
  if (permit === Permit.NO) return undefined;
  const hasParams = Object.prototype.hasOwnProperty.call(src, "parameters");
  const hasArgs = Object.prototype.hasOwnProperty.call(src, "arguments");
  if (!hasParams && !hasArgs) return options.tools?.has(name) ? { name, arguments: {}, permit } : undefined;
  const args = decodeArgs(hasParams ? src.parameters : src.arguments);
  return args ? { name, arguments: args, permit } : undefined;
}

class JsonCall extends Candidate {
  #scan = new JsonCallScan(this.sink.options, this.opening.pos);
  #decoded: DecodedCall | undefined;

  push(c: string): Outcome {
    const scan = this.#scan;
    const status = scan.push(c);
    if (status === "error") return this.fail(scan.buf.slice(0, -1), scan.bad ?? "invalid JSON");
    if (!this.started && scan.name !== undefined && scan.paramsStart >= 0) {
      if (this.probe) return STOP;
      this.started = this.sink.startCall(scan.name, "json");
    }
    if (scan.buf.length > this.limit) {
      if (this.started) this.sink.delta(this.started, scan.takeParams());
      return this.tooLarge(scan.buf);
    }
    if (status === "done") {
      const held = scan.buf.slice(0, -1);
      const decoded = decodeJsonCallText(scan.buf, this.sink.options, this.opening.pos);
      if (!decoded) return this.fail(held, "not a tool call object");
      // Two names (a duplicate key, or `name` beside `function.name`): ambiguous, and the one
      // already announced in tool-call-start may not be the one JSON.parse keeps.
      if (scan.name !== undefined && decoded.name !== scan.name) {
        return this.fail(held, `ambiguous tool name ("${scan.name}" and "${decoded.name}")`);
      }
      const bad = this.sink.problem(decoded.name, decoded.arguments);
      if (bad !== undefined) return this.fail(held, bad, true);
      if (this.probe) return STOP;
      this.started ??= this.sink.startCall(decoded.name, "json");
      this.sink.delta(this.started, scan.takeParams());
      this.#decoded = decoded;
      return this.done(scan.buf, decoded.permit === Permit.OWN_LINE);
    }
    if (this.started) this.sink.delta(this.started, scan.takeParams());
    return MORE;
  }

  finish(): Outcome {
    return this.fail(this.#scan.buf, "input ended inside the call");
  }

  get size(): number {
    return this.#scan.buf.length;
  }

  commit(): void {
    this.sink.endCall(this.started!, this.#decoded!.name, this.#decoded!.arguments, "json", this.text);
  }
}

export const jsonFormat: CallFormat = {
  starts: () => "{",
  wordStart: false,
  open: (sink, _c, opening, probe) => new JsonCall(sink, opening, probe),
};
