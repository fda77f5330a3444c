/**
 * Regressions of issue 9, items 4–11 (the parser). Each test failed before its fix.
 */
import { describe, expect, it } from "vitest";
import { IncompleteToolCallError, InvalidArgumentError, InvalidOptionsError, ToolCallTooLargeError } from "../src/base/errors.js";
import { isToolName } from "../src/base/tokens.js";
import { run as cli, type CliIo } from "../src/cli/main.js";
import { createStreamParser, parseAssistantOutput, parseStream, type ParseOptions, type StreamEvent } from "../src/parse/index.js";
import { renderPrompt } from "../src/prompt/render.js";
import { checkEvents, chunkString, run, withoutIds } from "./parser-helpers.js";

const errors = (events: StreamEvent[]) => events.filter((e): e is Extract<StreamEvent, { type: "error" }> => e.type === "error");

/** The final message for the whole text, and for the text fed one character at a time: they must agree. */
function bothWays(text: string, options?: ParseOptions) {
  const whole = parseAssistantOutput(text, options);
  const chars = checkEvents(run(chunkString(text, 1), options));
  expect(withoutIds(chars), `one character at a time: ${JSON.stringify(text)} ${JSON.stringify(options)}`).toEqual(withoutIds(whole));
  return whole;
}

describe("item 4: the final message does not depend on chunking, for any maxToolCallChars", () => {
  it("a non-call JSON object longer than the limit, then a call", () => {
    const text = `{"${"k".repeat(60)}": 1} then {"name": "f", "parameters": {}}`;
    for (let limit = 1; limit <= 300; limit++) bothWays(text, { tools: ["f"], maxToolCallChars: limit });
  });

  it("every fast-path probe (JSON, list, function tag, built-in) gives up where the slow path does", () => {
    const texts = [
      `{"${"k".repeat(40)}": 1} {"name": "f", "parameters": {}}`,
      `Text [${"f".repeat(40)} x] [f(a=1)]`,
      `<functio and <function=f>{"a": 1}</function>`,
      `brave_searc wolfram_alp brave_search.call(query="x") done`,
    ];
    for (const text of texts) {
      for (let limit = 1; limit <= 80; limit++) bothWays(text, { tools: ["f"], builtinTools: ["brave_search", "wolfram_alpha"], maxToolCallChars: limit });
    }
  });
});

describe("item 5: maxToolCallChars is a hard bound on every returned call's raw", () => {
  const cases: Array<[string, ParseOptions]> = [
    ['brave_search.call(query="x")', { builtinTools: ["brave_search"] }],
    ['<|python_tag|>brave_search.call(query="x")<|eom_id|>', { builtinTools: ["brave_search"] }],
    ['Search: brave_search.call(query="x") now', { builtinTools: ["brave_search"] }],
    ['{"name": "f", "parameters": {"a": 1}}', { tools: ["f"] }],
    ['[f(a=1), f(b=2)]', { tools: ["f"] }],
    ['[{"name": "f", "parameters": {}}]', { tools: ["f"] }],
    ['<function=f>{"a": 1}</function>', { tools: ["f"] }],
    ['<function=f>{"a": 1}', { tools: ["f"] }],
    ["<|python_tag|>print(1)", {}],
  ];
  for (const [text, options] of cases) {
    it(text, () => {
      const full = parseAssistantOutput(text, options);
      expect(full.toolCalls.length).toBeGreaterThan(0);
      const longest = Math.max(...full.toolCalls.map((c) => c.raw.length));
      for (let limit = 1; limit <= longest + 12; limit++) {
        const m = bothWays(text, { ...options, maxToolCallChars: limit });
        for (const c of m.toolCalls) expect(c.raw.length, `limit ${limit}`).toBeLessThanOrEqual(limit);
        if (limit < longest) expect(m.toolCalls.length, `limit ${limit}`).toBeLessThan(full.toolCalls.length);
        if (limit >= longest + 11) expect(withoutIds(m)).toEqual(withoutIds(full)); // the limit is the only difference
      }
    });
  }

  it("a 19-character brave_search.call() does not pass a limit of 7: an error event, the text is content", () => {
    for (const text of ["brave_search.call()", "<|python_tag|>brave_search.call()"]) {
      const events = run([text], { builtinTools: ["brave_search"], maxToolCallChars: 7 });
      const m = checkEvents(events);
      expect(m.toolCalls).toEqual([]);
      expect(m.content).toBe("brave_search.call()");
      expect(errors(events).map((e) => e.error)).toEqual([expect.any(ToolCallTooLargeError)]);
    }
  });
});

describe("item 6: non-finite numbers make the call invalid (text stays content, an error says why)", () => {
  const cases: Array<[string, string, ParseOptions]> = [
    ["JSON", '{"name": "calc", "parameters": {"x": 1e999}}', {}],
    ["JSON, negative", '{"name": "calc", "parameters": {"x": [1, -1e400]}}', {}],
    ["JSON arguments string", '{"name": "calc", "arguments": "{\\"x\\": 1e999}"}', {}],
    ["python list", "[calc(x=1e999), get_weather(city='Paris')]", {}],
    ["python list, nested", "[calc(x={'a': [1e999]})]", {}],
    ["built-in extra argument", 'Search: brave_search.call(query="x", n=1e999) ok', { builtinTools: ["brave_search"] }],
    ["function tag", "<function=calc>{\"x\": 1e999}</function>", {}],
  ];
  for (const [what, text, options] of cases) {
    it(what, () => {
      const events = run([text], options);
      const m = checkEvents(events);
      expect(m.toolCalls).toEqual([]);
      expect(m.content).toBe(text);
      const errs = errors(events);
      expect(errs).toHaveLength(1);
      expect(errs[0]!.error).toBeInstanceOf(IncompleteToolCallError);
      expect(errs[0]!.error.message).toMatch(/not a finite number/);
      bothWays(text, options);
    });
  }

  it("finite numbers at the edge stay calls", () => {
    const m = parseAssistantOutput('{"name": "calc", "parameters": {"max": 1.7976931348623157e308, "min": -5e-324}}');
    expect(m.toolCalls[0]?.arguments).toEqual({ max: Number.MAX_VALUE, min: -5e-324 });
  });
});

describe("item 7: arguments nested deeper than the renderer accepts make the call invalid", () => {
  /** Arguments nested n + 1 levels deep (the arguments object is level 1). */
  const deep = (n: number) => `{"name": "f", "parameters": {"a": ${"[".repeat(n)}${"]".repeat(n)}}}`;

  it("999 levels (the arguments object included) is a call, and renders back in both dialects; 1000 is not", () => {
    const m = parseAssistantOutput(deep(998));
    expect(m.toolCalls).toHaveLength(1);
    for (const options of [{}, { dialect: "meta" as const }, { dialect: "meta" as const, toolPromptFormat: "function_tag" as const }, { dialect: "meta" as const, toolPromptFormat: "python_list" as const }]) {
      expect(() => renderPrompt([{ role: "user", content: "hi" }, m], options)).not.toThrow();
    }
    const events = run([deep(999)]);
    expect(checkEvents(events).toolCalls).toEqual([]);
    expect(errors(events)[0]?.error.message).toMatch(/nested deeper than 999 levels/);
  });

  it("200,000-deep arguments: not a call; the message serialises; the text is content", () => {
    const text = deep(200_000);
    const m = parseAssistantOutput(text);
    expect(m.toolCalls).toEqual([]);
    expect(m.content).toBe(text);
    expect(() => JSON.stringify(m)).not.toThrow();
  });

  it("in a function tag and a python list too", () => {
    const tag = `<function=f>{"a": ${"[".repeat(1200)}${"]".repeat(1200)}}</function>`;
    expect(parseAssistantOutput(tag).toolCalls).toEqual([]);
    const list = `[f(a=${"[".repeat(300)}${"]".repeat(300)})]`;
    expect(parseAssistantOutput(list).toolCalls).toEqual([]);
  });

  it("llama-prompt parse prints it instead of dying with a RangeError", async () => {
    let stdout = "";
    let stderr = "";
    const text = deep(200_000);
    const io = {
      stdin: Object.assign(
        (async function* () {
          yield new TextEncoder().encode(text);
        })(),
        { isTTY: false },
      ),
      stdout: { write: (s: string, cb?: () => void) => ((stdout += s), cb?.(), true) },
      stderr: { write: (s: string) => ((stderr += s), true) },
    } as unknown as CliIo;
    const code = await cli(["parse"], io);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(JSON.parse(stdout).toolCalls).toEqual([]);
  });
});

describe("item 8: MCP-style names in the python-list form", () => {
  it("[add-note(name='demonote')] is a call when add-note is declared", () => {
    const text = "[add-note(name='demonote', content='demonstrating Llama Stack and MCP integration')]";
    const m = bothWays(text, { tools: ["add-note"] });
    expect(m.toolCalls).toMatchObject([
      { name: "add-note", format: "python_list", arguments: { name: "demonote", content: "demonstrating Llama Stack and MCP integration" } },
    ]);
    expect(m.content).toBe("");
    expect(bothWays('[weather-forecast(city="London"), get_weather(city="Oslo")]', { tools: ["weather-forecast", "get_weather"] }).toolCalls.map((c) => c.name)).toEqual([
      "weather-forecast",
      "get_weather",
    ]);
    expect(bothWays("[server/tool:v1(x=1)]", { tools: ["server/tool:v1"] }).toolCalls.map((c) => c.name)).toEqual(["server/tool:v1"]);
  });

  it("an undeclared name that is not a Python identifier stays text", () => {
    expect(bothWays("[add-note(name='demonote')]").toolCalls).toEqual([]);
    expect(bothWays("[add-note(name='demonote')]", { tools: ["add_note"] }).toolCalls).toEqual([]);
  });

  it("every parsed name satisfies isToolName, in every format", () => {
    for (const text of [
      '{"name": "get weather", "parameters": {}}',
      '{"name": "a<b", "parameters": {}}',
      `{"name": "${"n".repeat(129)}", "parameters": {}}`,
      "<function=get weather>{}</function>",
      "<function=a\"b>{}</function>",
      `[${"n".repeat(129)}(a=1)]`,
    ]) {
      const m = bothWays(text);
      expect(m.toolCalls, text).toEqual([]);
    }
    expect(bothWays(`{"name": "${"n".repeat(128)}", "parameters": {}}`).toolCalls.every((c) => isToolName(c.name))).toBe(true);
  });
});

describe("item 9: a stray separator before a call does not hide it", () => {
  it("; {\"name\": …} at the message start", () => {
    for (const text of ['; {"name": "f", "parameters": {"a": 1}}', ';{"name": "f", "parameters": {"a": 1}}', ' ;\n {"name": "f", "parameters": {"a": 1}}<|eot_id|>']) {
      const m = bothWays(text);
      expect(m.toolCalls.map((c) => [c.name, c.arguments]), text).toEqual([["f", { a: 1 }]]);
      expect(m.content, text).toBe("");
    }
  });

  it("after <|python_tag|> (not code) and between calls", () => {
    expect(bothWays('<|python_tag|>; {"name": "f", "parameters": {}}<|eom_id|>').toolCalls.map((c) => c.format)).toEqual(["json"]);
    expect(bothWays('{"name": "a", "parameters": {}}; ; {"name": "b", "parameters": {}}').toolCalls.map((c) => c.name)).toEqual(["a", "b"]);
  });

  it("a separator not followed by a call is content", () => {
    expect(bothWays("; hello")).toMatchObject({ content: "; hello", toolCalls: [] });
    expect(bothWays('; {"a": 1}')).toMatchObject({ content: '; {"a": 1}', toolCalls: [] });
  });
});

describe("item 10: a JSON example quoted inside a sentence stays text when its name is not declared", () => {
  const sentence = 'Use the format {"name": "x", "parameters": {}} to call a tool.';

  it("stays text without tools, in every format", () => {
    for (const text of [
      sentence,
      "Use the format <function=x>{}</function> to call a tool.",
      "Use the format [x(a=1)] to call a tool.",
      'Reply with {"name": "x", "parameters": {}}',
      'Example:\n{"name": "x", "parameters": {}} is the format.',
    ]) {
      const events = run([text]);
      expect(checkEvents(events), text).toMatchObject({ content: text, toolCalls: [] });
      bothWays(text);
    }
  });

  it("a declared name is a call anywhere", () => {
    const m = bothWays(sentence, { tools: ["x"] });
    expect(m.toolCalls.map((c) => c.name)).toEqual(["x"]);
    expect(m.content).toBe("Use the format  to call a tool.");
  });

  it("an undeclared name is a call where a call can start a turn, or alone on its line", () => {
    const call = '{"name": "x", "parameters": {}}';
    for (const text of [
      call,
      `  ${call} and then prose`,
      `<|python_tag|>${call}`,
      `Hi<|python_tag|>${call}`,
      `${call}; ${call}`,
      `${call} ${call}`,
      `Let me check.\n\n${call}`,
      `Let me check.\n${call}\nDone.`,
      `Let me check.\n  ${call}  <|eot_id|>`,
      `Here you go:\n\`\`\`json\n${call}\n\`\`\`\nDone.`,
      "Calls:\n[x(a=1)]",
      "Calls:\n<function=x>{}</function>",
    ]) {
      const m = bothWays(text);
      expect(m.toolCalls.length, text).toBeGreaterThan(0);
      expect(m.toolCalls.every((c) => c.name === "x"), text).toBe(true);
    }
  });

  it("at a line start, text after it on the line makes it text (a started call reports why)", () => {
    const text = 'Note:\n{"name": "x", "parameters": {}} is an example.';
    const events = run([text]);
    expect(checkEvents(events)).toMatchObject({ content: text, toolCalls: [] });
    expect(errors(events)).toMatchObject([{ index: 0, error: { code: "TOOL_CALL_INCOMPLETE" } }]);
  });
});

describe("streamed arguments always match the final ones (reported by the openai adapter's tests)", () => {
  it("two parameters / arguments values make a JSON call text, as two names do", () => {
    for (const text of [
      '{"name": "f", "parameters": {"a": 1}, "parameters": {"a": 2}}',
      '{"name": "f", "arguments": {"a": 1}, "parameters": {"a": 2}}',
      '{"parameters": {"a": 1}, "function": {"name": "f", "parameters": {"a": 2}}}',
      '[{"name": "f", "parameters": {"a": 1}, "parameters": {"a": 2}}]',
      '[{"name": "f", "parameters": {}, "name": "g"}]',
    ]) {
      const events = run([text], { tools: ["f", "g"] });
      expect(checkEvents(events), text).toMatchObject({ content: text, toolCalls: [] });
    }
  });

  it("a JSON list element's argument delta is exactly its arguments' text", () => {
    const events = run(['[{"name": "f", "parameters": {"a": [1, 2]}}, {"name": "g", "arguments": {}}]'], { tools: ["f", "g"] });
    const deltas = events.flatMap((e) => (e.type === "tool-call-delta" ? [[e.index, e.argumentsDelta]] : []));
    expect(deltas).toEqual([[0, '{"a": [1, 2]}'], [1, "{}"]]);
  });
});

describe("item 11: typed errors for hostile arguments", () => {
  it("push() of anything but a string or a TokenChunk throws InvalidArgumentError naming it", () => {
    const p = createStreamParser();
    const cases: Array<[unknown, RegExp, Array<string | number>]> = [
      [{ token: { id: 1, text: "x", special: false }, generated_text: null }, /TGI stream event; pass its token/, ["chunk"]],
      [42, /got number 42/, ["chunk"]],
      [new Uint8Array([104, 105]), /bytes \(a Uint8Array\).*TextDecoder/, ["chunk"]],
      [null, /got null/, ["chunk"]],
      [undefined, /got undefined/, ["chunk"]],
      [["a"], /got an array/, ["chunk"]],
      [{ text: 5 }, /expected a string, got number 5/, ["chunk", "text"]],
      [{ text: "x", id: "128009" }, /integer token id/, ["chunk", "id"]],
      [{ text: "x", id: 1.5 }, /integer token id/, ["chunk", "id"]],
      [{ text: "x", special: "yes" }, /expected a boolean/, ["chunk", "special"]],
      [
        {
          get text(): string {
            throw new TypeError("boom");
          },
        },
        /could not be read/,
        ["chunk"],
      ],
    ];
    for (const [chunk, message, path] of cases) {
      let thrown: unknown;
      try {
        p.push(chunk as string);
      } catch (e) {
        thrown = e;
      }
      expect(thrown, String(message)).toBeInstanceOf(InvalidArgumentError);
      expect((thrown as InvalidArgumentError).message).toMatch(message);
      expect((thrown as InvalidArgumentError).path).toEqual(path);
    }
    // TGI's token objects carry extra keys (logprob): they are chunks
    expect(checkEvents([...p.push({ text: "ok", id: 562, special: false, logprob: -0.1 } as never), ...p.end()]).content).toBe("ok");
  });

  it("a createId that throws, returns a non-string, an empty or a repeated id: InvalidOptionsError at options.createId", () => {
    const text = '{"name": "a", "parameters": {}}; {"name": "b", "parameters": {}}';
    const bad: Array<[() => unknown, RegExp]> = [
      [() => {
        throw new RangeError("out of ids");
      }, /createId threw \(RangeError: out of ids\)/],
      [() => 7, /non-empty string, got number 7/],
      [() => "", /non-empty string, got ""/],
      [() => "same", /returned "same" twice/],
    ];
    for (const [createId, message] of bad) {
      let thrown: unknown;
      try {
        parseAssistantOutput(text, { createId: createId as () => string });
      } catch (e) {
        thrown = e;
      }
      expect(thrown).toBeInstanceOf(InvalidOptionsError);
      expect((thrown as InvalidOptionsError).path).toEqual(["options", "createId"]);
      expect((thrown as Error).message).toMatch(message);
    }
    // the parser that failed keeps failing the same way until reset()
    const p = createStreamParser({ createId: () => "same" });
    p.push('{"name": "a", "parameters": {}}');
    expect(() => p.push('; {"name": "b", "parameters": {}}')).toThrow(InvalidOptionsError);
    expect(() => p.push("more")).toThrow(/returned "same" twice/);
    expect(() => p.end()).toThrow(InvalidOptionsError);
    p.reset();
    expect(checkEvents([...p.push('{"name": "a", "parameters": {}}'), ...p.end()]).toolCalls).toHaveLength(1);
  });

  it("parseAssistantOutput of a non-string and parseStream of a non-iterable throw InvalidArgumentError", () => {
    for (const v of [42, null, undefined, new String("x"), { text: "x" }]) {
      expect(() => parseAssistantOutput(v as string)).toThrow(InvalidArgumentError);
      try {
        parseAssistantOutput(v as string);
      } catch (e) {
        expect((e as InvalidArgumentError).path).toEqual(["text"]);
      }
    }
    for (const v of [null, undefined, 42, {}, { next: () => ({ done: true }) }]) {
      expect(() => parseStream(v as never)).toThrow(InvalidArgumentError);
    }
  });

  it("parseStream: a bad chunk is named by its position in the source", async () => {
    const source = (async function* () {
      yield "fine";
      yield 42 as unknown as string;
    })();
    await expect(async () => {
      for await (const _ of parseStream(source)) void _;
    }).rejects.toMatchObject({ code: "INVALID_ARGUMENT", path: ["source", 1] });
  });
});
