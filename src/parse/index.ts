/**
 * The model-output parser: a completion (whole, or streamed as text / TGI token chunks) →
 * `{ content, toolCalls, stopReason }` and, while streaming, `text-delta` / `tool-call-*` events.
 *
 * One state machine serves both entry points: `parseAssistantOutput(text)` is
 * `createStreamParser().push(text)` + `end()`, so streaming and whole-text parsing cannot disagree.
 */
import { Lexer } from "./lexer.js";
import { Machine } from "./machine.js";
import { resolveParseOptions } from "./options.js";
import type { AssistantMessage, ParseOptions, StreamEvent, TokenChunk } from "./types.js";

export type {
  AssistantMessage,
  ParseOptions,
  ParseToolSpec,
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
   * (kept for its `raw`). Bounded by `maxToolCallChars` plus a few dozen characters, except for a
   * run of whitespace, which is held until text follows it. The accumulated `content` of the
   * message is not counted.
   */
  readonly bufferedChars: number;
}

function normalizeChunk(chunk: unknown): string | TokenChunk | undefined {
  if (typeof chunk === "string") return chunk;
  if (chunk === null || typeof chunk !== "object") return undefined;
  const c = chunk as Record<string, unknown>;
  const out: TokenChunk = { text: typeof c.text === "string" ? c.text : "" };
  if (typeof c.id === "number" && Number.isFinite(c.id)) out.id = c.id;
  if (typeof c.special === "boolean") out.special = c.special;
  return out;
}

/** Creates an incremental parser. Throws `InvalidOptionsError` for invalid options, never later. */
export function createStreamParser(options?: ParseOptions): StreamParser {
  const o = resolveParseOptions(options);
  let machine = new Machine(o);
  let lexer = new Lexer(machine);
  return {
    push(chunk) {
      if (machine.done) return [];
      const c = normalizeChunk(chunk);
      if (c !== undefined) lexer.push(c);
      return machine.take();
    },
    end() {
      if (machine.done) return machine.take();
      lexer.flush();
      machine.end();
      return machine.take();
    },
    reset() {
      machine = new Machine(o);
      lexer = new Lexer(machine);
    },
    get bufferedChars() {
      return lexer.held.length + machine.bufferedChars;
    },
  };
}

/** Parses a whole completion. Never throws except `InvalidOptionsError` for invalid options. */
export function parseAssistantOutput(text: string, options?: ParseOptions): AssistantMessage {
  const p = createStreamParser(options);
  const events = [...p.push(typeof text === "string" ? text : String(text ?? "")), ...p.end()];
  const end = events[events.length - 1];
  if (end === undefined || end.type !== "end") throw new Error("internal error: no end event");
  return end.message;
}

/**
 * Parses a stream of chunks (strings or TGI token chunks), yielding events as they become
 * certain. Stops reading the source after a stop token (the turn is over).
 */
export async function* parseStream(
  source: AsyncIterable<string | TokenChunk> | Iterable<string | TokenChunk>,
  options?: ParseOptions,
): AsyncIterable<StreamEvent> {
  const p = createStreamParser(options);
  let ended = false;
  for await (const chunk of source) {
    for (const ev of p.push(chunk)) {
      yield ev;
      if (ev.type === "end") ended = true;
    }
    if (ended) return;
  }
  yield* p.end();
}
