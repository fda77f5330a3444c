/**
 * The model-output parser: a completion (whole, or streamed as text / TGI token chunks) →
 * `{ content, toolCalls, stopReason }` and, while streaming, `text-delta` / `tool-call-*` events.
 *
 * One state machine serves every entry point: `parseAssistantOutput(text)` is
 * `createStreamParser().push(text)` + `end()`, so streaming and whole-text parsing cannot disagree.
 * Nothing here throws except typed errors about the arguments (`InvalidArgumentError`,
 * `InvalidOptionsError`); problems in the text are events.
 */
import { describeValue, InvalidArgumentError, isLlamaPromptError, type ErrorPath } from "../base/errors.js";
import { Lexer } from "./lexer.js";
import { Machine } from "./machine.js";
import { resolveParseOptions, type ResolvedParseOptions } from "./options.js";
import type { AssistantMessage, ParseOptions, StreamEvent, TokenChunk } from "./types.js";

export type {
  AssistantMessage,
  ParseOptions,
  StopReason,
  StreamEvent,
  TokenChunk,
  ToolCall,
  ToolCallFormat,
} from "./types.js";

/** An incremental parser of one assistant turn. */
export interface StreamParser {
  /**
   * Feeds one chunk: a string (scanned for special tokens written as text) or a TokenChunk
   * (`special: true` / an id in 128000..128255 is a special token whatever its text; any other id or
   * `special: false` is literal text). Returns the events this chunk made certain. After a stop
   * token (whose `end` event was already returned) further pushes return `[]`.
   *
   * Throws `InvalidArgumentError` (path `["chunk", ...]`) for anything that is not a string or a
   * TokenChunk, and `InvalidOptionsError` (path `["options", "createId"]`) when `createId` throws or
   * returns anything but a new non-empty string (the parser is then unusable until `reset()`).
   */
  push(chunk: string | TokenChunk): StreamEvent[];
  /**
   * Ends the input: resolves whatever is held and returns the remaining events, ending with the
   * `end` event. Returns `[]` if the `end` event was already emitted (a stop token, or a previous
   * `end()`): the `end` event is emitted exactly once per turn.
   */
  end(): StreamEvent[];
  /** Forgets everything; the parser can parse a new turn (ids keep counting). */
  reset(): void;
  /**
   * How many characters the parser currently holds back: a possible partial special token, a
   * possible tool call not yet decided, pending whitespace, and the text of the call in progress
   * (kept for its `raw`), content that may still spell a special token (`<|eo`). Bounded by
   * `maxToolCallChars` plus a few hundred characters, except for a run of whitespace or of `<`,
   * which is held until other text follows it. The accumulated `content` of the message is not
   * counted.
   */
  readonly bufferedChars: number;
}

/**
 * Reads a chunk: a string, or a TokenChunk `{ text, id?, special? }` (other keys, such as TGI's
 * `logprob`, are ignored). Anything else throws an `InvalidArgumentError` that names what it got.
 * The chunk is read once, into a fresh object.
 */
function readChunk(chunk: unknown, path: ErrorPath): string | TokenChunk {
  if (typeof chunk === "string") return chunk;
  try {
    return readChunkObject(chunk, path);
  } catch (cause) {
    if (isLlamaPromptError(cause)) throw cause;
    // A revoked Proxy, a throwing getter or trap: typed, never a raw TypeError.
    throw new InvalidArgumentError(`${EXPECTED_CHUNK}, got an object that could not be read`, path, { cause });
  }
}

const EXPECTED_CHUNK = "expected a string or a TokenChunk { text, id?, special? }";
/** The path of push's argument (one array: push runs per token). */
const CHUNK_PATH: ErrorPath = ["chunk"];

function readChunkObject(chunk: unknown, path: ErrorPath): TokenChunk {
  const expected = EXPECTED_CHUNK;
  if (chunk === null || typeof chunk !== "object") throw new InvalidArgumentError(`${expected}, got ${describeValue(chunk)}`, path);
  if (Array.isArray(chunk)) throw new InvalidArgumentError(`${expected}, got an array (push the chunks one at a time)`, path);
  if (ArrayBuffer.isView(chunk) || chunk instanceof ArrayBuffer) {
    throw new InvalidArgumentError(`${expected}, got bytes (${describeValue(chunk)}); decode them to text first, e.g. with TextDecoder`, path);
  }
  const c = chunk as Record<string, unknown>;
  const text = c.text;
  const id = c.id;
  const special = c.special;
  if (typeof text !== "string") {
    if (text === undefined && ("token" in c || "generated_text" in c)) {
      throw new InvalidArgumentError(`${expected}, got an object without text that looks like a whole TGI stream event; pass its token (event.token)`, path);
    }
    throw new InvalidArgumentError(`expected a string, got ${describeValue(text)}`, [...path, "text"]);
  }
  const out: TokenChunk = { text };
  if (id !== undefined && id !== null) {
    if (typeof id !== "number" || !Number.isInteger(id)) throw new InvalidArgumentError(`expected an integer token id, got ${describeValue(id)}`, [...path, "id"]);
    out.id = id;
  }
  if (special !== undefined && special !== null) {
    if (typeof special !== "boolean") throw new InvalidArgumentError(`expected a boolean, got ${describeValue(special)}`, [...path, "special"]);
    out.special = special;
  }
  return out;
}

/** The parser behind {@link createStreamParser}, fed chunks already read. */
class Parser {
  #machine: Machine;
  #lexer: Lexer;

  constructor(private readonly o: ResolvedParseOptions) {
    this.#machine = new Machine(o);
    this.#lexer = new Lexer(this.#machine);
  }

  push(c: string | TokenChunk): StreamEvent[] {
    const m = this.#machine;
    if (m.failure) throw m.failure;
    if (m.done) return [];
    // Most chunks are a token of prose: the machine's fast lane takes a string chunk whole when none
    // of its characters may start anything (`<` included), which the lexer would pass on unchanged.
    if (typeof c === "string" && this.#lexer.held === "") {
      const events = m.plainText(c);
      if (events !== undefined) return events;
    }
    this.#lexer.push(c);
    return m.take();
  }

  end(): StreamEvent[] {
    const m = this.#machine;
    if (m.failure) throw m.failure;
    if (m.done) return m.take();
    this.#lexer.flush();
    m.end();
    return m.take();
  }

  reset(): void {
    this.#machine = new Machine(this.o);
    this.#lexer = new Lexer(this.#machine);
  }

  get bufferedChars(): number {
    return this.#lexer.held.length + this.#machine.bufferedChars;
  }
}

/**
 * Creates an incremental parser. Throws `InvalidOptionsError` for invalid options.
 *
 * `push` throws `InvalidArgumentError` (path `["chunk", ...]`) for a chunk that is neither a string nor
 * a TokenChunk. A `createId` that throws, or returns anything but a new non-empty string, makes
 * `push` / `end` throw `InvalidOptionsError` (path `["options", "createId"]`); the parser is then
 * unusable until `reset()`.
 */
export function createStreamParser(options?: ParseOptions): StreamParser {
  const p = new Parser(resolveParseOptions(options));
  return {
    push(chunk) {
      return p.push(readChunk(chunk, CHUNK_PATH));
    },
    end() {
      return p.end();
    },
    reset() {
      p.reset();
    },
    get bufferedChars() {
      return p.bufferedChars;
    },
  };
}

/**
 * Parses a whole completion. Throws `InvalidArgumentError` when `text` is not a string,
 * `InvalidOptionsError` for invalid options (or a failing `createId`); nothing else.
 */
export function parseAssistantOutput(text: string, options?: ParseOptions): AssistantMessage {
  if (typeof text !== "string") throw new InvalidArgumentError(`expected a string, got ${describeValue(text)}`, ["text"]);
  const p = new Parser(resolveParseOptions(options));
  const events = [...p.push(text), ...p.end()];
  const end = events[events.length - 1];
  if (end === undefined || end.type !== "end") throw new Error("internal error: no end event");
  return end.message;
}

type AnyIterator = { next(): unknown; return?: () => unknown };

/** The iterator method of `source` (async preferred), or an InvalidArgumentError at `["source"]`. */
function iteratorMethod(source: unknown): { method: () => unknown; sync: boolean } {
  let method: unknown;
  let sync = false;
  try {
    if (source !== null && source !== undefined) {
      method = (source as Record<symbol, unknown>)[Symbol.asyncIterator];
      if (method === undefined || method === null) {
        method = (source as Record<symbol, unknown>)[Symbol.iterator];
        sync = true;
      }
    }
  } catch (cause) {
    throw new InvalidArgumentError(`expected an iterable of chunks, got an object that could not be read`, ["source"], { cause });
  }
  if (typeof method !== "function") {
    throw new InvalidArgumentError(`expected an (async) iterable of strings or TokenChunks, got ${describeValue(source)}`, ["source"]);
  }
  return { method: method as () => unknown, sync };
}

/** The iterator of `source`, checked: every misuse is an InvalidArgumentError at `["source"]`. */
function openSource(source: unknown): { it: AnyIterator; sync: boolean } {
  const { method, sync } = iteratorMethod(source);
  const it: unknown = method.call(source); // the source's own errors pass through
  let next: unknown;
  let ret: unknown;
  try {
    if (it !== null && (typeof it === "object" || typeof it === "function")) {
      next = (it as AnyIterator).next;
      ret = (it as AnyIterator).return;
    }
  } catch (cause) {
    throw new InvalidArgumentError(`its iterator could not be read`, ["source"], { cause });
  }
  if (typeof next !== "function") {
    throw new InvalidArgumentError(`its ${sync ? "Symbol.iterator" : "Symbol.asyncIterator"} method did not return an iterator`, ["source"]);
  }
  return {
    it: { next: () => (next as () => unknown).call(it), return: typeof ret === "function" ? () => (ret as () => unknown).call(it) : undefined },
    sync,
  };
}

/**
 * Parses a stream of chunks (strings or TGI token chunks), yielding events as they become
 * certain. Stops reading the source after a stop token (the turn is over), and closes it.
 *
 * Throws `InvalidArgumentError` at once when `source` is not iterable (path `["source"]`), and while
 * iterating for a chunk that is not a string or a TokenChunk (path `["source", n, ...]`, n counting
 * from 0). Errors the source itself throws are passed on unchanged.
 */
export function parseStream(
  source: AsyncIterable<string | TokenChunk> | Iterable<string | TokenChunk>,
  options?: ParseOptions,
): AsyncIterable<StreamEvent> {
  iteratorMethod(source); // throws now for a source that is not iterable
  const p = new Parser(resolveParseOptions(options));
  return events(source, p);
}

/** A value from a sync iterable, awaited as `for await` would; a value whose `then` cannot be read is an error. */
async function awaitable(value: unknown, n: number): Promise<unknown> {
  let then: unknown;
  try {
    then = value !== null && (typeof value === "object" || typeof value === "function") ? (value as { then?: unknown }).then : undefined;
  } catch (cause) {
    throw new InvalidArgumentError(`${EXPECTED_CHUNK}, got an object that could not be read`, ["source", n], { cause });
  }
  return typeof then === "function" ? await value : value;
}

async function* events(source: unknown, p: Parser): AsyncGenerator<StreamEvent> {
  const { it, sync } = openSource(source);
  let open = true; // the source has not finished or failed: close it if we stop early
  try {
    for (let n = 0; ; n++) {
      let r: unknown;
      try {
        r = it.next();
      } catch (e) {
        open = false;
        throw e; // the source's own error
      }
      let then: unknown;
      try {
        then = r !== null && (typeof r === "object" || typeof r === "function") ? (r as { then?: unknown }).then : undefined;
      } catch (cause) {
        open = false;
        throw new InvalidArgumentError(`its iterator returned ${describeValue(r)} instead of an iterator result`, ["source"], { cause });
      }
      if (typeof then === "function") {
        try {
          r = await r;
        } catch (e) {
          open = false;
          throw e; // the source's own rejection
        }
      }
      let done: unknown;
      let value: unknown;
      try {
        if (r === null || typeof r !== "object") throw new TypeError("not an object");
        done = (r as { done?: unknown }).done;
        value = done ? undefined : (r as { value?: unknown }).value;
      } catch (cause) {
        open = false;
        throw new InvalidArgumentError(`its iterator returned ${describeValue(r)} instead of an iterator result`, ["source"], { cause });
      }
      if (done) {
        open = false;
        break;
      }
      if (sync) value = await awaitable(value, n); // for-await awaits the values of a sync iterable
      const chunk = readChunk(value, ["source", n]);
      let ended = false;
      for (const ev of p.push(chunk)) {
        yield ev;
        if (ev.type === "end") ended = true;
      }
      if (ended) return;
    }
    yield* p.end();
  } finally {
    if (open && typeof it.return === "function") await it.return();
  }
}
