/**
 * Server-Sent Events framing (the `text/event-stream` format of the WHATWG HTML standard), as
 * TGI, vLLM and llama.cpp speak it. Bytes in, events out; no JSON here.
 *
 * Framing rules implemented (all from the standard):
 * - the body is UTF-8, decoded in streaming mode, so a character split across chunks is kept whole;
 *   one leading byte-order mark is dropped;
 * - lines end with CRLF, LF or CR (a CR at the end of one chunk and an LF at the start of the next
 *   are one line break);
 * - `field:value`, with at most one space after the colon removed; a line without a colon is a field
 *   with an empty value; lines starting with `:` are comments (keep-alives) and are ignored;
 * - `data` lines accumulate, joined with `\n`; `event` sets the type (default `"message"`);
 *   `id` sets the last event id (ignored if it contains NUL); `retry` takes ASCII digits only;
 *   unknown fields are ignored;
 * - a blank line dispatches the event; an event with no `data` line is not dispatched;
 * - **at end of stream, an event not terminated by a blank line is discarded**, as the standard
 *   requires. A server that was cut off mid-event therefore loses that event; the backends, which
 *   need a final event, detect its absence and report a truncated stream.
 *
 * Two additions, both needed by real servers:
 * - **Bounds.** A line, and the data of one event, may not exceed `maxEventSize` characters
 *   (default {@link DEFAULT_MAX_EVENT_SIZE}, about 1 MB): past it the decoder throws a
 *   `BackendStreamError` (`event_too_large`) instead of growing without end.
 * - **`error:` lines.** Some llama.cpp server builds send a streaming error as a non-standard
 *   `error: {...}` field with no `data`. The standard would drop it silently; here a block with an
 *   `error` field is dispatched (its `error` set, `data` as usual), so the error is not lost.
 */
import { InvalidArgumentError } from "../base/errors.js";
import { BackendStreamError } from "./errors.js";

/** Default bound on one line and on one event's data, in characters (1 Mi). */
export const DEFAULT_MAX_EVENT_SIZE = 1_048_576;

/** Options of {@link SseDecoder} and {@link parseSseStream}. */
export interface SseOptions {
  /** Longest line, and longest data of one event, in characters (default {@link DEFAULT_MAX_EVENT_SIZE}). */
  maxEventSize?: number;
  /** Name used in the error message (default `"sse"`). */
  source?: string;
}

/** One dispatched server-sent event. */
export interface SseEvent {
  /** The event type: the last `event:` field of the block, or `"message"`. */
  event: string;
  /** The `data:` lines of the block, joined with `\n`. */
  data: string;
  /** The last event id seen so far in the stream (it persists across events, per the standard); `""` if none. */
  id: string;
  /** The `retry:` value of this block, in milliseconds, if it had a valid one. */
  retry?: number;
  /** The value of a non-standard `error:` field of this block (llama.cpp), if it had one. */
  error?: string;
}

/** A byte stream: a WHATWG `ReadableStream` (fetch `Response.body`) or any async iterable of chunks. */
export type ByteSource = ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>;

function isReadableStream(x: unknown): x is ReadableStream<Uint8Array> {
  return typeof x === "object" && x !== null && typeof (x as ReadableStream).getReader === "function";
}

/** An async iterable, or a sync one (an array of chunks...): `yield*` takes both. Not a string. */
function isIterable(x: unknown): x is AsyncIterable<Uint8Array> {
  if (typeof x !== "object" || x === null) return false;
  const o = x as Record<symbol, unknown>;
  return typeof o[Symbol.asyncIterator] === "function" || typeof o[Symbol.iterator] === "function";
}

function typeName(x: unknown): string {
  if (x === null) return "null";
  if (Array.isArray(x)) return "an array";
  if (typeof x === "object") return (x as object).constructor?.name ?? "object";
  return typeof x;
}

/** Iterates the chunks of a byte source; cancels a `ReadableStream` when the consumer stops early. */
async function* chunksOf(source: ByteSource): AsyncGenerator<Uint8Array> {
  if (isReadableStream(source)) {
    const reader = source.getReader();
    let done = false;
    try {
      for (;;) {
        const r = await reader.read();
        if (r.done) {
          done = true;
          return;
        }
        yield r.value;
      }
    } finally {
      if (!done) await reader.cancel().catch(() => undefined);
      reader.releaseLock();
    }
  } else {
    yield* source;
  }
}

/** Incremental SSE parser: feed decoded text, get dispatched events. Exposed for tests and reuse. */
export class SseDecoder {
  /** The line in progress, as the pieces that arrived (joined once, when the line ends). */
  private pending: string[] = [];
  /** Characters in `pending`. */
  private pendingLength = 0;
  private skipLeadingLf = false;
  private sawBom = false;
  private data = "";
  private hasData = false;
  private eventType = "";
  private lastEventId = "";
  private retry: number | undefined;
  private errorField: string | undefined;
  private readonly maxEventSize: number;
  private readonly source: string;

  constructor(options: SseOptions = {}) {
    const max = options.maxEventSize ?? DEFAULT_MAX_EVENT_SIZE;
    if (!Number.isSafeInteger(max) || max < 1) {
      throw new InvalidArgumentError(`expected a positive integer, got ${String(max)}`, ["options", "maxEventSize"]);
    }
    this.maxEventSize = max;
    this.source = options.source ?? "sse";
  }

  private tooLarge(what: string): never {
    // Drop what was held, so the decoder's memory is released even if the caller keeps it.
    this.pending = [];
    this.pendingLength = 0;
    this.data = "";
    throw new BackendStreamError(
      this.source,
      "event_too_large",
      `a server-sent ${what} is longer than maxEventSize (${this.maxEventSize} characters)`,
    );
  }

  /** Feeds a piece of decoded text; returns the events completed by it. */
  push(text: string): SseEvent[] {
    if (!this.sawBom && text.length > 0) {
      this.sawBom = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    const out: SseEvent[] = [];
    let start = 0;
    if (this.skipLeadingLf && text.length > 0) {
      this.skipLeadingLf = false;
      if (text.charCodeAt(0) === 10) start = 1;
    }
    // Only the new text is scanned: the pending line (pieces from earlier pushes) holds no line
    // break by construction, so a long line arriving in many chunks costs linear time.
    for (let i = start; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      if (this.pendingLength + (i - start) > this.maxEventSize) this.tooLarge("line");
      const piece = text.slice(start, i);
      if (this.pending.length > 0) {
        this.pending.push(piece);
        const whole = this.pending.join("");
        this.pending = [];
        this.pendingLength = 0;
        this.line(whole, out);
      } else {
        this.line(piece, out);
      }
      if (c === 13) {
        if (i + 1 < text.length) {
          if (text.charCodeAt(i + 1) === 10) i++;
        } else {
          this.skipLeadingLf = true; // CRLF may be split across chunks
        }
      }
      start = i + 1;
    }
    if (start < text.length) {
      if (this.pendingLength + (text.length - start) > this.maxEventSize) this.tooLarge("line");
      this.pending.push(text.slice(start));
      this.pendingLength += text.length - start;
    }
    return out;
  }

  /** Ends the stream. Per the standard, an unterminated event is discarded: this returns nothing. */
  end(): SseEvent[] {
    this.pending = [];
    this.pendingLength = 0;
    this.errorField = undefined;
    this.data = "";
    this.hasData = false;
    this.eventType = "";
    this.retry = undefined;
    return [];
  }

  private line(line: string, out: SseEvent[]): void {
    if (line === "") {
      this.dispatch(out);
      return;
    }
    if (line.charCodeAt(0) === 58 /* : */) return; // comment
    const colon = line.indexOf(":");
    let field: string;
    let value: string;
    if (colon === -1) {
      field = line;
      value = "";
    } else {
      field = line.slice(0, colon);
      value = line.slice(colon + 1);
      if (value.charCodeAt(0) === 32) value = value.slice(1);
    }
    switch (field) {
      case "data":
        if (this.hasData && this.data.length + 1 + value.length > this.maxEventSize) this.tooLarge("event");
        this.data = this.hasData ? this.data + "\n" + value : value;
        this.hasData = true;
        break;
      case "error":
        this.errorField = value;
        break;
      case "event":
        this.eventType = value;
        break;
      case "id":
        if (!value.includes("\0")) this.lastEventId = value;
        break;
      case "retry":
        if (/^\d+$/.test(value)) this.retry = Number(value);
        break;
      default:
        break; // unknown field: ignored
    }
  }

  private dispatch(out: SseEvent[]): void {
    if (this.hasData || this.errorField !== undefined) {
      const ev: SseEvent = { event: this.eventType || "message", data: this.data, id: this.lastEventId };
      if (this.retry !== undefined) ev.retry = this.retry;
      if (this.errorField !== undefined) ev.error = this.errorField;
      out.push(ev);
    }
    this.errorField = undefined;
    this.data = "";
    this.hasData = false;
    this.eventType = "";
    this.retry = undefined;
  }
}

/**
 * Parses a `text/event-stream` body into events, incrementally. Chunk boundaries anywhere (inside a
 * line, a CRLF, or a multi-byte UTF-8 character) do not change the result. Invalid UTF-8 becomes
 * U+FFFD. A final event without its terminating blank line is discarded (see the module comment).
 * Stopping the iteration early cancels the underlying stream.
 *
 * `body` may also be a sync iterable of chunks (e.g. an array).
 *
 * Throws `InvalidArgumentError` (path `["body"]`) when `body` is not a byte source, or when a chunk
 * is not bytes (a `Uint8Array` or other `ArrayBufferView`, or an `ArrayBuffer`; a string chunk is
 * refused); the underlying stream is then cancelled. Throws `BackendStreamError`
 * (`event_too_large`) when a line or an event exceeds `options.maxEventSize`.
 *
 * @example
 * for await (const ev of parseSseStream(response.body!)) console.log(ev.event, ev.data);
 */
export async function* parseSseStream(body: ByteSource, options?: SseOptions): AsyncGenerator<SseEvent, void, undefined> {
  if (!isReadableStream(body) && !isIterable(body)) {
    throw new InvalidArgumentError(`expected a ReadableStream or an async iterable of Uint8Array, got ${typeName(body)}`, ["body"]);
  }
  const decoder = new TextDecoder("utf-8", { ignoreBOM: true });
  const sse = new SseDecoder(options);
  let n = 0;
  for await (const chunk of chunksOf(body)) {
    if (!ArrayBuffer.isView(chunk) && !((chunk as unknown) instanceof ArrayBuffer)) {
      throw new InvalidArgumentError(`chunk ${n} of the byte source: expected a Uint8Array, got ${typeName(chunk)}`, ["body"]);
    }
    n++;
    const events = sse.push(decoder.decode(chunk, { stream: true }));
    for (const ev of events) yield ev;
  }
  for (const ev of sse.push(decoder.decode())) yield ev;
  sse.end();
}
