import { describe, expect, it } from "vitest";
import { InvalidArgumentError } from "../src/base/errors.js";
import { parseSseStream, SseDecoder, type SseEvent } from "../src/backends/sse.js";
import { splitBytes } from "./helpers/replay-server.js";

async function* fromChunks(chunks: Array<string | Uint8Array>): AsyncGenerator<Uint8Array> {
  const enc = new TextEncoder();
  for (const c of chunks) yield typeof c === "string" ? enc.encode(c) : c;
}

async function collect(chunks: Array<string | Uint8Array>): Promise<SseEvent[]> {
  const out: SseEvent[] = [];
  for await (const ev of parseSseStream(fromChunks(chunks))) out.push(ev);
  return out;
}

const data = (evs: SseEvent[]) => evs.map((e) => e.data);

describe("parseSseStream framing", () => {
  it("dispatches on blank lines; optional single space after the colon", async () => {
    const evs = await collect(["data: a\n\ndata:b\n\ndata:  c\n\n"]);
    expect(data(evs)).toEqual(["a", "b", " c"]);
    expect(evs[0]).toEqual({ event: "message", data: "a", id: "" });
  });

  it("joins multi-line data with \\n and ignores comments and unknown fields", async () => {
    const evs = await collect([": keep-alive\n\ndata: line1\n: comment inside\nfoo: bar\ndata: line2\ndata\n\n"]);
    expect(data(evs)).toEqual(["line1\nline2\n"]);
  });

  it("accepts CRLF, CR and LF line endings, mixed", async () => {
    const evs = await collect(["data: a\r\n\r\ndata: b\r\rdata: c\n\ndata: d\r\n\n"]);
    expect(data(evs)).toEqual(["a", "b", "c", "d"]);
  });

  it("treats a CRLF split across chunks as one line break", async () => {
    const evs = await collect(["data: a\r", "\ndata: b\r", "\n\r", "\n"]);
    expect(data(evs)).toEqual(["a\nb"]);
  });

  it("keeps a UTF-8 character split across chunks whole", async () => {
    const bytes = new TextEncoder().encode("data: Zürich ☀️\n\n");
    // cut inside "ü" (2 bytes) and inside "☀" (3 bytes)
    const cuts = [8, 9, 15, 16, 17];
    const chunks: Uint8Array[] = [];
    let prev = 0;
    for (const c of cuts) {
      chunks.push(bytes.slice(prev, c));
      prev = c;
    }
    chunks.push(bytes.slice(prev));
    expect(data(await collect(chunks))).toEqual(["Zürich ☀️"]);
  });

  it("gives the same events for every way of splitting the bytes", async () => {
    const text = "\uFEFF: hi\r\nevent: tok\r\ndata: {\"a\":\"é☀\"}\r\nid: 7\r\n\r\ndata: x\ry\n\n:c\ndata: last\n\n";
    const whole = await collect([text]);
    expect(data(whole)).toEqual(['{"a":"é☀"}', "x", "last"]);
    const bytes = new TextEncoder().encode(text);
    for (let i = 1; i < bytes.length; i++) {
      const split = await collect([bytes.slice(0, i), bytes.slice(i)]);
      expect(split, `split at byte ${i}`).toEqual(whole);
    }
    expect(await collect(splitBytes(text, [1]))).toEqual(whole);
  });

  it("drops a final event that has no terminating blank line (SSE spec)", async () => {
    expect(data(await collect(["data: a\n\ndata: b\n"]))).toEqual(["a"]);
    expect(data(await collect(["data: a\n\ndata: b"]))).toEqual(["a"]);
  });

  it("does not dispatch blocks without data; applies event, id and retry", async () => {
    const evs = await collect(["event: ping\n\nid: 1\nevent: error\nretry: 250\ndata: x\n\ndata: y\n\nretry: 1s\nid: a\0b\ndata: z\n\n"]);
    expect(evs).toEqual([
      { event: "error", data: "x", id: "1", retry: 250 },
      { event: "message", data: "y", id: "1" },
      { event: "message", data: "z", id: "1" },
    ]);
  });

  it("strips one leading BOM only", async () => {
    expect(data(await collect(["\uFEFFdata: a\n\n"]))).toEqual(["a"]);
    expect(data(await collect(["\uFEFF\uFEFFdata: a\n\n"]))).toEqual([]);
  });

  it("reads a WHATWG ReadableStream and cancels it when the consumer stops", async () => {
    let cancelled = false;
    const enc = new TextEncoder();
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(enc.encode("data: 1\n\ndata: 2\n\n"));
      },
      cancel() {
        cancelled = true;
      },
    });
    for await (const ev of parseSseStream(stream)) {
      expect(ev.data).toBe("1");
      break;
    }
    expect(cancelled).toBe(true);
  });

  it("SseDecoder.end() discards pending state", () => {
    const d = new SseDecoder();
    expect(d.push("data: a\n")).toEqual([]);
    expect(d.end()).toEqual([]);
    expect(d.push("\n")).toEqual([]);
  });
});

describe("SseDecoder on long lines", () => {
  it("assembles a 4 MB data line that arrives in 4 000 pieces (linear: would take minutes if each push re-scanned the line)", () => {
    const d = new SseDecoder({ maxEventSize: 8 * 1024 * 1024 });
    expect(d.push("data: ")).toEqual([]);
    const piece = "x".repeat(999);
    for (let i = 0; i < 4000; i++) expect(d.push(piece).length).toBe(0);
    const events = d.push("\n\n");
    expect(events).toHaveLength(1);
    expect(events[0]!.data).toBe("x".repeat(999 * 4000));
  });
});

describe("parseSseStream on a source that is not bytes", () => {
  async function errorOf(source: unknown): Promise<unknown> {
    try {
      for await (const _ of parseSseStream(source as never)) void _;
    } catch (e) {
      return e;
    }
    return undefined;
  }

  it.each([[null], [undefined], [5], ["data: x\n\n"], [{}], [[new Uint8Array([100])].values().next()]])("rejects %j as the body with InvalidArgumentError", async (source) => {
    const error = await errorOf(source);
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as InvalidArgumentError).path).toEqual(["body"]);
  });

  it("rejects string chunks with InvalidArgumentError (events before them are still yielded)", async () => {
    async function* mixed() {
      yield new TextEncoder().encode("data: a\n\n");
      yield "data: b\n\n" as unknown as Uint8Array;
    }
    const seen: string[] = [];
    let error: unknown;
    try {
      for await (const ev of parseSseStream(mixed())) seen.push(ev.data);
    } catch (e) {
      error = e;
    }
    expect(seen).toEqual(["a"]);
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as Error).message).toMatch(/chunk 1 .*expected a Uint8Array, got string/);
  });

  it("rejects a ReadableStream of strings and cancels it", async () => {
    let cancelled = false;
    const stream = new ReadableStream<string>({
      pull(c) {
        c.enqueue("data: a\n\n");
      },
      cancel() {
        cancelled = true;
      },
    });
    const error = await errorOf(stream);
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(cancelled).toBe(true);
  });

  it("accepts a sync iterable of chunks (an array)", async () => {
    const out: string[] = [];
    for await (const ev of parseSseStream([new TextEncoder().encode("data: a\n\n")] as never)) out.push(ev.data);
    expect(out).toEqual(["a"]);
  });

  it("accepts an ArrayBuffer and a Node Buffer as chunks", async () => {
    async function* src() {
      yield new TextEncoder().encode("data: a\n\n").buffer as unknown as Uint8Array;
      yield Buffer.from("data: b\n\n");
    }
    const out: string[] = [];
    for await (const ev of parseSseStream(src())) out.push(ev.data);
    expect(out).toEqual(["a", "b"]);
  });
});
