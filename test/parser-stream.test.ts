import { describe, expect, it } from "vitest";
import { IncompleteToolCallError, InvalidArgumentError, InvalidOptionsError, ToolCallTooLargeError } from "../src/base/errors.js";
import { createStreamParser, parseAssistantOutput, parseStream, type StreamEvent, type TokenChunk } from "../src/parse/index.js";
import { checkEvents, run } from "./parser-helpers.js";

const types = (events: StreamEvent[]): string[] => events.map((e) => e.type);
const texts = (events: StreamEvent[]): string => events.map((e) => (e.type === "text-delta" ? e.text : "")).join("");

describe("streaming: events are emitted as soon as they are certain", () => {
  it("emits text before a partial special token and holds only the partial token", () => {
    const p = createStreamParser();
    expect(p.push("Hello <|eo")).toEqual([{ type: "text-delta", text: "Hello" }]);
    const ev = p.push("t_id|>");
    expect(types(ev)).toEqual(["end"]);
    expect(ev[0]).toMatchObject({ message: { content: "Hello", stopReason: "eot" } });
  });

  it("holds a '{' until its first key is known, then lets non-call JSON through as text", () => {
    const p = createStreamParser();
    expect(p.push('Config: {"')).toEqual([{ type: "text-delta", text: "Config:" }]);
    expect(p.push("debu")).toEqual([]);
    expect(p.push('g": true}')).toEqual([{ type: "text-delta", text: ' {"debug": true}' }]);
  });

  it("starts a JSON call once the name is known and parameters began, then streams the raw parameters", () => {
    const p = createStreamParser();
    expect(p.push('{"name": "get_weather", ')).toEqual([]);
    const a = p.push('"parameters": {"ci');
    expect(a[0]).toMatchObject({ type: "tool-call-start", index: 0, name: "get_weather", format: "json" });
    expect(a[1]).toEqual({ type: "tool-call-delta", index: 0, argumentsDelta: '{"ci' });
    expect(p.push('ty": "Paris"}')).toEqual([{ type: "tool-call-delta", index: 0, argumentsDelta: 'ty": "Paris"}' }]);
    const b = p.push("}<|eot_id|>");
    expect(types(b)).toEqual(["tool-call-end", "end"]);
    expect(b[0]).toMatchObject({ toolCall: { name: "get_weather", arguments: { city: "Paris" }, format: "json" } });
  });

  it("with options.tools, does not start a JSON call for an unknown name", () => {
    const p = createStreamParser({ tools: ["get_weather"] });
    const ev = [...p.push('{"name": "rm_rf", "parameters": {'), ...p.push("}}")];
    expect(types(ev).filter((t) => t.startsWith("tool"))).toEqual([]);
    expect(texts(ev)).toBe('{"name": "rm_rf", "parameters": {}}');
  });

  it("starts a built-in call at name.call( and streams the argument text", () => {
    const p = createStreamParser({ builtinTools: ["brave_search"] });
    expect(p.push("<|python_tag|>brave_sea")).toEqual([]);
    const a = p.push('rch.call(query="gol');
    expect(a[0]).toMatchObject({ type: "tool-call-start", index: 0, name: "brave_search", format: "builtin" });
    expect(a[1]).toEqual({ type: "tool-call-delta", index: 0, argumentsDelta: 'query="gol' });
    const b = [...p.push('d")'), ...p.push("<|eom_id|>")];
    expect(types(b)).toEqual(["tool-call-delta", "tool-call-end", "end"]);
    expect(b[1]).toMatchObject({ toolCall: { arguments: { query: "gold" }, raw: 'brave_search.call(query="gold")' } });
  });

  it("starts a code call as soon as the python_tag region is known to be code", () => {
    const p = createStreamParser();
    const a = p.push("<|python_tag|>print(");
    expect(a[0]).toMatchObject({ type: "tool-call-start", index: 0, name: "code_interpreter", format: "code" });
    expect(a[1]).toEqual({ type: "tool-call-delta", index: 0, argumentsDelta: "print(" });
  });

  it("starts a function-tag call at '>'", () => {
    const p = createStreamParser();
    expect(p.push("<function=trending_son")).toEqual([]);
    expect(p.push("gs>")[0]).toMatchObject({ type: "tool-call-start", name: "trending_songs", format: "function_tag" });
  });

  it("emits the end event once: further pushes and end() return nothing", () => {
    const p = createStreamParser();
    expect(types(p.push("Hi<|eot_id|>more"))).toEqual(["text-delta", "end"]);
    expect(p.push("even more")).toEqual([]);
    expect(p.push({ text: "", id: 128009 })).toEqual([]);
    expect(p.end()).toEqual([]);
  });

  it("end() without a stop token gives stopReason none; a second end() returns nothing", () => {
    const p = createStreamParser();
    p.push("Hi");
    const ev = p.end();
    expect(ev[ev.length - 1]).toMatchObject({ type: "end", message: { content: "Hi", stopReason: "none" } });
    expect(p.end()).toEqual([]);
  });

  it("reset() starts a new turn", () => {
    const p = createStreamParser();
    p.push("first<|eot_id|>");
    p.reset();
    const ev = [...p.push("second"), ...p.end()];
    expect(ev[ev.length - 1]).toMatchObject({ message: { content: "second" } });
  });
});

describe("streaming: failed and oversized calls", () => {
  it("a started call cut off by the end of input: error event, then its text as content", () => {
    const events = run(['I will call. {"name": "f", "parameters": {"a": ', "1"], { tools: ["f"] });
    const message = checkEvents(events);
    const err = events.find((e) => e.type === "error");
    expect(err).toMatchObject({ type: "error", index: 0 });
    expect((err as { error: unknown }).error).toBeInstanceOf(IncompleteToolCallError);
    expect(((err as unknown as { error: IncompleteToolCallError }).error).raw).toBe('{"name": "f", "parameters": {"a": 1');
    expect(message.content).toBe('I will call. {"name": "f", "parameters": {"a": 1');
    expect(message.toolCalls).toEqual([]);
  });

  it("a started call that turns invalid: error, text, and the index is reused by the next call", () => {
    const events = run(['{"name": "f", "parameters": [1]} then {"name": "g", "parameters": {}}'], { tools: ["f", "g"] });
    const message = checkEvents(events);
    expect(types(events)).toEqual(["tool-call-start", "tool-call-delta", "error", "text-delta", "tool-call-start", "tool-call-delta", "tool-call-end", "end"]);
    expect(message.content).toBe('{"name": "f", "parameters": [1]} then');
    expect(message.toolCalls.map((c) => c.name)).toEqual(["g"]);
    expect(events[4]).toMatchObject({ index: 0 });
  });

  it("after python_tag, a started JSON call that is cut off becomes code (index reused)", () => {
    const events = run(['<|python_tag|>{"name": "f", "parameters": {"a"']);
    const message = checkEvents(events);
    expect(types(events)).toEqual(["tool-call-start", "tool-call-delta", "error", "tool-call-start", "tool-call-delta", "tool-call-end", "end"]);
    expect(message.toolCalls).toMatchObject([{ name: "code_interpreter", format: "code", arguments: { code: '{"name": "f", "parameters": {"a"' } }]);
  });

  it("a call longer than maxToolCallChars: one ToolCallTooLargeError, text kept, bounded buffer", () => {
    const p = createStreamParser({ maxToolCallChars: 100 });
    const events: StreamEvent[] = [...p.push('{"name": "f", "parameters": {"text": "')];
    let maxHeld = 0;
    for (let i = 0; i < 50; i++) {
      events.push(...p.push("0123456789"));
      maxHeld = Math.max(maxHeld, p.bufferedChars);
    }
    events.push(...p.push('"}} done'), ...p.end());
    const message = checkEvents(events);
    const errors = events.filter((e) => e.type === "error");
    expect(errors).toHaveLength(1);
    expect((errors[0] as { error: unknown }).error).toBeInstanceOf(ToolCallTooLargeError);
    expect(maxHeld).toBeLessThanOrEqual(101);
    expect(message.toolCalls).toEqual([]);
    expect(message.content).toBe('{"name": "f", "parameters": {"text": "' + "0123456789".repeat(50) + '"}} done');
  });

  it("code longer than maxToolCallChars: error with its index, then the rest of the region is text", () => {
    const events = run(["<|python_tag|>", "x = 1\n".repeat(10), "<|eom_id|>"], { maxToolCallChars: 20 });
    const message = checkEvents(events);
    expect(events.filter((e) => e.type === "error")).toMatchObject([{ index: 0 }]);
    expect(message.toolCalls).toEqual([]);
    expect(message.content).toBe("x = 1\n".repeat(10).trim());
  });
});

describe("token chunks", () => {
  it("treats id-only specials with empty text as special tokens (TGI)", () => {
    const chunks: TokenChunk[] = [{ text: "", id: 128010, special: true }, { text: "print(1)", id: 1 }, { text: "", id: 128008, special: true }];
    const m = checkEvents(run(chunks));
    expect(m).toMatchObject({ stopReason: "eom", toolCalls: [{ format: "code", arguments: { code: "print(1)" } }] });
  });

  it("scans chunks without id/special for special tokens, across chunk boundaries", () => {
    const m = checkEvents(run([{ text: "ok<|eo" }, { text: "t_id|>" }]));
    expect(m).toMatchObject({ content: "ok", stopReason: "eot" });
  });

  it("never scans a literal chunk (special:false) for special tokens; their text is kept out of the content", () => {
    const m = checkEvents(run([{ text: "a<|eot_id|>b", special: false }]));
    expect(m).toMatchObject({ content: "ab", stopReason: "none" });
    expect(checkEvents(run([{ text: "a<|eot_i", special: false }, { text: "x", special: false }]))).toMatchObject({ content: "a<|eot_ix" });
  });

  it("a partial token from a scanned chunk followed by a special id is text", () => {
    const m = checkEvents(run(["see <|eo", { text: "", id: 128009 }]));
    expect(m).toMatchObject({ content: "see <|eo", stopReason: "eot" });
  });

  it("throws a typed error for values that are not chunks", () => {
    const p = createStreamParser();
    expect(() => p.push(null as unknown as string)).toThrow(InvalidArgumentError);
    expect(() => p.push(42 as unknown as string)).toThrow(InvalidArgumentError);
  });
});

describe("parseStream", () => {
  async function* gen(chunks: Array<string | TokenChunk>): AsyncGenerator<string | TokenChunk> {
    for (const c of chunks) yield c;
  }

  it("yields the same events as push/end, for async and sync sources", async () => {
    const chunks = ['Sure. {"name": "f", ', '"parameters": {"x": 1}}', "<|eot_id|>"];
    const options = { tools: ["f"] };
    const fromAsync: StreamEvent[] = [];
    for await (const e of parseStream(gen(chunks), options)) fromAsync.push(e);
    const fromSync: StreamEvent[] = [];
    for await (const e of parseStream(chunks, options)) fromSync.push(e);
    const strip = (evs: StreamEvent[]): string[] => evs.map((e) => e.type);
    expect(strip(fromAsync)).toEqual(strip(run(chunks, options)));
    expect(strip(fromSync)).toEqual(strip(run(chunks, options)));
    expect(checkEvents(fromAsync)).toMatchObject({ content: "Sure.", toolCalls: [{ name: "f" }], stopReason: "eot" });
  });

  it("stops reading the source after a stop token", async () => {
    let pulled = 0;
    async function* source(): AsyncGenerator<string> {
      for (const c of ["a", "<|eot_id|>", "b", "c"]) {
        pulled++;
        yield c;
      }
    }
    const events: StreamEvent[] = [];
    for await (const e of parseStream(source())) events.push(e);
    expect(pulled).toBe(2);
    expect(checkEvents(events)).toMatchObject({ content: "a", stopReason: "eot" });
  });
});

describe("options", () => {
  it("throws InvalidOptionsError for invalid options, at construction", () => {
    expect(() => createStreamParser({ maxToolCallChars: 0 })).toThrow(InvalidOptionsError);
    expect(() => createStreamParser({ maxToolCallChars: 1.5 })).toThrow(InvalidOptionsError);
    expect(() => createStreamParser({ tools: "f" as unknown as string[] })).toThrow(InvalidOptionsError);
    expect(() => createStreamParser({ tools: [{ description: "no name" } as never] })).toThrow(InvalidOptionsError);
    expect(() => createStreamParser({ builtinTools: ["not a name"] as never })).toThrow(InvalidOptionsError);
    expect(() => createStreamParser({ createId: "x" as unknown as () => string })).toThrow(InvalidOptionsError);
    expect(() => parseAssistantOutput("x", [] as never)).toThrow(InvalidOptionsError);
  });

  it("uses createId for ids", () => {
    let n = 0;
    const m = parseAssistantOutput('{"name": "a", "parameters": {}}; {"name": "b", "parameters": {}}', { createId: () => `id-${++n}` });
    expect(m.toolCalls.map((c) => c.id)).toEqual(["id-1", "id-2"]);
  });

  it("accepts OpenAI-style tool definitions in tools", () => {
    const m = parseAssistantOutput('{"name": "get_weather", "parameters": {"city": "Rome"}}', {
      tools: [{ type: "function", function: { name: "get_weather" } }],
    });
    expect(m.toolCalls).toMatchObject([{ name: "get_weather", arguments: { city: "Rome" } }]);
  });

  it("builtinTools replaces the set of recognised built-ins", () => {
    expect(parseAssistantOutput('wolfram_alpha.call(query="x")', { builtinTools: ["brave_search"] }).toolCalls).toEqual([]);
    expect(parseAssistantOutput('wolfram_alpha.call(query="x")', { builtinTools: ["wolfram_alpha"] }).toolCalls).toHaveLength(1);
  });
});

describe("memory bound", () => {
  it("holds only a few characters while 50 MB of plain text stream through in 4 KB chunks", () => {
    const block = "The quick brown fox jumps over the lazy dog; a < b, [1] {x}. ".repeat(70).slice(0, 4096);
    const p = createStreamParser();
    let maxHeld = 0;
    let streamed = 0;
    const chunks = Math.ceil((50 * 1024 * 1024) / block.length);
    for (let i = 0; i < chunks; i++) {
      for (const e of p.push(block)) if (e.type === "text-delta") streamed += e.text.length;
      maxHeld = Math.max(maxHeld, p.bufferedChars);
    }
    const end = p.end();
    for (const e of end) if (e.type === "text-delta") streamed += e.text.length;
    expect(maxHeld).toBeLessThan(64);
    const last = end[end.length - 1];
    expect(last?.type).toBe("end");
    expect(streamed).toBe((last as { message: { content: string } }).message.content.length);
    // everything arrived as text, except the whitespace at the very end (trimmed)
    expect(streamed).toBe(block.length * chunks - (block.length - block.trimEnd().length));
  });

  for (const [what, opening] of [
    ["a JSON call", '{"name": "save", "parameters": {"text": "'],
    ["code after <|python_tag|>", "<|python_tag|>print('"],
    ["a built-in call", 'brave_search.call(query="'],
  ] as const) {
    it(`never holds more than maxToolCallChars when ${what} grows to 20 MB`, () => {
      const limit = 100_000;
      const p = createStreamParser({ maxToolCallChars: limit, builtinTools: ["brave_search", "wolfram_alpha", "code_interpreter"] });
      const events = p.push(opening);
      let maxHeld = 0;
      const block = "abcdefgh ".repeat(455).slice(0, 4096);
      for (let i = 0; i < (20 * 1024 * 1024) / block.length; i++) {
        for (const e of p.push(block)) if (e.type === "error") events.push(e);
        maxHeld = Math.max(maxHeld, p.bufferedChars);
      }
      events.push(...p.end());
      expect(maxHeld).toBeLessThanOrEqual(limit + block.length);
      const errors = events.filter((e) => e.type === "error");
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({ error: { code: "TOOL_CALL_TOO_LARGE" } });
      const end = events[events.length - 1] as Extract<StreamEvent, { type: "end" }>;
      expect(end.message.toolCalls).toEqual([]);
      expect(end.message.content.startsWith(opening.replace("<|python_tag|>", ""))).toBe(true);
    });
  }
});
