import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { renderPrompt } from "../src/prompt/render.js";
import { parseBuiltinArgsToEnd } from "../src/parse/scan/builtin-args.js";
import { JsonScanner } from "../src/parse/scan/json-scanner.js";
import { createStreamParser, parseAssistantOutput } from "../src/parse/index.js";
import { decodePyStringBody, parsePyCall, parsePyLiteral } from "../src/parse/scan/python-literal.js";
import { withoutIds } from "./parser-helpers.js";
import { parseOptionsFor } from "../src/base/options.js";

/** The built-ins a prompt with all three offers (the parser accepts none by default). */
const ALL_BUILTINS = { builtinTools: ["brave_search", "wolfram_alpha", "code_interpreter"] } as const;

describe("python literals (cases of Meta's test_tool_utils.py)", () => {
  const valid: Array<[string, Array<[string, Record<string, unknown>]>]> = [
    ['[get_boiling_point(liquid_name="water", celcius=True)]', [["get_boiling_point", { liquid_name: "water", celcius: true }]]],
    ["[calculate_volume(radius=5.2, height=10)]", [["calculate_volume", { radius: 5.2, height: 10 }]]],
    ['[analyze_text(content="Hello, world!", language="en")]', [["analyze_text", { content: "Hello, world!", language: "en" }]]],
    ['[get_boiling_point(liquid_name="water", celcius=True, precise=False)]', [["get_boiling_point", { liquid_name: "water", celcius: true, precise: false }]]],
  ];
  for (const [input, calls] of valid) {
    it(`accepts ${input}`, () => {
      const m = parseAssistantOutput(input);
      expect(m.toolCalls.map((c) => [c.name, c.arguments])).toEqual(calls);
      expect(m.content).toBe("");
    });
  }
  const invalid = [
    "[]",
    '[get_boiling_point(liquid_name="water"), 42]',
    '[get_boiling_point("water", True)]',
    '[[get_boiling_point(liquid_name="water")]]',
    '{"func": get_boiling_point(liquid_name="water")}',
    '[get_boiling_point(liquid_name="water", celcius=True',
    'get_boiling_point(liquid_name="water")',
    '[(get_boiling_point(liquid_name="water"),)]',
  ];
  for (const input of invalid) {
    it(`rejects ${input} (stays text)`, () => {
      expect(withoutIds(parseAssistantOutput(input))).toEqual({ role: "assistant", content: input, toolCalls: [], stopReason: "none" });
    });
  }

  it("parses literals like ast.literal_eval", () => {
    expect(parsePyLiteral("(1, 2)")?.value).toEqual([1, 2]);
    expect(parsePyLiteral("(1)")?.value).toBe(1);
    expect(parsePyLiteral("{'a': [None, -2.5e-3], 1: 'x'}")?.value).toEqual({ a: [null, -0.0025], 1: "x" });
    expect(parsePyLiteral("'a' \"b\"")?.value).toBe("ab");
    expect(parsePyLiteral("'''tri\nple'''")?.value).toBe("tri\nple");
    expect(parsePyLiteral("r'\\n'")?.value).toBe("\\n");
    expect(parsePyLiteral("0x1F")?.value).toBe(31);
    expect(parsePyLiteral("1_000")?.value).toBe(1000);
    for (const bad of ["007", "[1,", "foo", "{[1]: 2}", "'unterminated", "1 2", "'a\nb'", ""]) expect(parsePyLiteral(bad)).toBeUndefined();
  });

  it("decodes Python string escapes; unknown escapes stay", () => {
    expect(decodePyStringBody("a\\nb\\t\\'\\\"\\\\ \\x41\\u00e9\\U0001F326 \\d")).toBe("a\nb\t'\"\\ Aé🌦 \\d");
  });

  it("rejects repeated keywords and non-keyword arguments", () => {
    expect(parsePyCall("f(a=1, a=2)")).toBeUndefined();
    expect(parsePyCall("f(a==1)")).toBeUndefined();
    expect(parsePyCall("f(**k)")).toBeUndefined();
    expect(parsePyCall("f(a=1,)")).toEqual({ name: "f", args: { a: 1 } });
  });

  it("never throws on arbitrary text", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (s) => {
        parsePyLiteral(s);
        parsePyCall(s);
        parseBuiltinArgsToEnd(s);
      }),
    );
  });

  it("stays within its nesting limit instead of overflowing the stack", () => {
    expect(parsePyLiteral("[".repeat(5000) + "]".repeat(5000))).toBeUndefined();
  });
});

describe("built-in call arguments", () => {
  it("closes an unescaped quote only before ', key=' or ')'", () => {
    expect(parseBuiltinArgsToEnd('query="a "b" c", n=2')).toEqual({ query: 'a "b" c', n: 2 });
    expect(parseBuiltinArgsToEnd('query="x, y=z"')).toEqual({ query: "x, y=z" });
    expect(parseBuiltinArgsToEnd("query='it\\'s'")).toEqual({ query: "it's" });
    expect(parseBuiltinArgsToEnd('query="a", query="b"')).toBeUndefined();
    expect(parseBuiltinArgsToEnd('"positional"')).toBeUndefined();
  });

  it("at message start, text after the call is content again", () => {
    const m = parseAssistantOutput('brave_search.call(query="x") and then I answer.', ALL_BUILTINS);
    expect(m.toolCalls).toMatchObject([{ name: "brave_search", arguments: { query: "x" }, raw: 'brave_search.call(query="x")' }]);
    expect(m.content).toBe("and then I answer.");
  });

  it("mid-text, the first closing candidate wins", () => {
    const m = parseAssistantOutput('Searching: brave_search.call(query="say "hi") now") ok', ALL_BUILTINS);
    expect(m.toolCalls).toMatchObject([{ arguments: { query: 'say "hi' } }]);
    expect(m.content).toBe('Searching:  now") ok');
  });
});

describe("JSON scanner", () => {
  it("accepts exactly what JSON.parse accepts for objects and arrays", () => {
    const texts = fc.oneof(
      fc.json().filter((j) => j.startsWith("{") || j.startsWith("[")),
      fc.stringMatching(/^[{[][\]{}",:0-9a-z.eE+\- \\]{0,20}$/),
    );
    fc.assert(
      fc.property(texts, (text) => {
        const sc = new JsonScanner();
        let status: string = "more";
        let doneAt = -1;
        for (let i = 0; i < text.length && status === "more"; i++) {
          status = sc.push(text[i]!);
          if (status === "done") doneAt = i + 1;
        }
        let valid = true;
        try {
          JSON.parse(text);
        } catch {
          valid = false;
        }
        const scannerValid = status === "done" && text.slice(doneAt).trim() === "";
        // trailing garbage after the root is not the scanner's business: compare only the prefix case
        if (doneAt === text.length || status !== "done") expect(scannerValid).toBe(valid);
      }),
      { numRuns: 2000 },
    );
  });
});

describe("more shapes", () => {
  it("a JSON array with one invalid element stays text", () => {
    const t = '[{"name": "a", "parameters": {}}, {"nope": 1}]';
    expect(parseAssistantOutput(t)).toMatchObject({ content: t, toolCalls: [] });
  });

  it("two function tags in a row", () => {
    const m = parseAssistantOutput('<function=a>{"x": 1}<function=b>{"y": 2}</function>');
    expect(m.toolCalls.map((c) => [c.name, c.arguments, c.raw])).toEqual([
      ["a", { x: 1 }, '<function=a>{"x": 1}'],
      ["b", { y: 2 }, '<function=b>{"y": 2}</function>'],
    ]);
  });

  it("a header in the middle is dropped with its role text", () => {
    expect(parseAssistantOutput("A<|start_header_id|>assistant<|end_header_id|>B").content).toBe("AB");
  });

  it("an empty python_tag region produces no call", () => {
    expect(parseAssistantOutput("Hi<|python_tag|>  <|eom_id|>")).toMatchObject({ content: "Hi", toolCalls: [], stopReason: "eom" });
  });

  it("a python list is recognised only at the start", () => {
    expect(parseAssistantOutput("Calls: [f(a=1)]").toolCalls).toEqual([]);
  });

  it("python-list names must be known when tools are given", () => {
    const t = '[get_weather(city="Oslo"), launch(code=1)]';
    expect(parseAssistantOutput(t, { tools: ["get_weather"] })).toMatchObject({ content: t, toolCalls: [] });
    expect(parseAssistantOutput(t, { tools: ["get_weather", "launch"] }).toolCalls).toHaveLength(2);
  });
});

describe("round trip with the hf renderer", () => {
  const argsArb = fc.dictionary(
    fc.stringMatching(/^[a-z_]{1,8}$/),
    fc.oneof(fc.string({ maxLength: 12 }), fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.integer(), { maxLength: 3 })),
    { maxKeys: 4 },
  );

  const assistantPart = (prompt: string): string => {
    const header = "<|start_header_id|>assistant<|end_header_id|>\n\n";
    return prompt.slice(prompt.lastIndexOf(header)); // the parser skips the echoed header
  };

  it("JSON tool calls come back with the same name and arguments", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z_][a-z0-9_]{0,15}$/), argsArb, (name, args) => {
        const prompt = renderPrompt(
          [{ role: "user", content: "hi" }, { role: "assistant", tool_calls: [{ type: "function", function: { name, arguments: args } }] }],
          { addGenerationPrompt: false },
        );
        const m = parseAssistantOutput(assistantPart(prompt));
        expect(m.stopReason).toBe("eot");
        expect(m.content).toBe("");
        expect(m.toolCalls).toHaveLength(1);
        expect(m.toolCalls[0]).toMatchObject({ name, format: "json" });
        expect(m.toolCalls[0]!.arguments).toEqual(args);
      }),
      { numRuns: 200 },
    );
  });

  it("built-in calls (python_tag + eom) come back with the same query, inner quotes included", () => {
    const query = fc.stringMatching(/^[A-Za-z0-9 ,.?!'"éü()-]{0,30}$/).filter((q) => !q.includes("\\"));
    fc.assert(
      fc.property(fc.constantFrom("brave_search", "wolfram_alpha"), query, (name, q) => {
        const prompt = renderPrompt(
          [{ role: "user", content: "hi" }, { role: "assistant", tool_calls: [{ type: "function", function: { name, arguments: { query: q } } }] }],
          { addGenerationPrompt: false, builtinTools: ["brave_search", "wolfram_alpha"] },
        );
        const text = assistantPart(prompt);
        expect(text).toContain("<|python_tag|>");
        const m = parseAssistantOutput(text, parseOptionsFor({ builtinTools: ["brave_search", "wolfram_alpha"] }));
        expect(m.stopReason).toBe("eom");
        expect(m.toolCalls).toMatchObject([{ name, format: "builtin", arguments: { query: q } }]);
      }),
      { numRuns: 300 },
    );
  });
});

describe("review regressions", () => {
  it("splits built-in calls written back to back (the meta dialect's encoding) into separate calls", () => {
    const m = parseAssistantOutput('brave_search.call(query="x")wolfram_alpha.call(query="y")<|eom_id|>', ALL_BUILTINS);
    expect(m.toolCalls.map((c) => [c.name, c.arguments])).toEqual([
      ["brave_search", { query: "x" }],
      ["wolfram_alpha", { query: "y" }],
    ]);
    expect(m.content).toBe("");
    const spaced = parseAssistantOutput('<|python_tag|>brave_search.call(query="x")\n wolfram_alpha.call(query="y")', ALL_BUILTINS);
    expect(spaced.toolCalls.map((c) => c.name)).toEqual(["brave_search", "wolfram_alpha"]);
  });

  it("ends a header's role text at any special token", () => {
    for (const t of ["<|reserved_special_token_5|>", "<|begin_of_text|>", "<|finetune_right_pad_id|>"]) {
      expect(parseAssistantOutput(`<|start_header_id|>assistant${t}Hello world`).content, t).toBe("Hello world");
    }
  });

  it("treats a control token as a word boundary for built-in calls", () => {
    const m = parseAssistantOutput('hi<|reserved_special_token_3|>brave_search.call(query="x")', ALL_BUILTINS);
    expect(m.toolCalls.map((c) => c.name)).toEqual(["brave_search"]);
    expect(m.content).toBe("hi");
  });

  it("keeps a JSON object with two different tool names as text (start and end events could disagree)", () => {
    for (const text of [
      '{"name": "f", "function": {"name": "g", "parameters": {}}, "parameters": {"x": 1}}',
      '{"name": "f", "parameters": {"x": 1}, "name": "zzz"}',
    ]) {
      const p = createStreamParser();
      const events = [...p.push(text), ...p.end()];
      const starts = events.filter((e) => e.type === "tool-call-start");
      const ends = events.filter((e) => e.type === "tool-call-end");
      expect(ends, text).toEqual([]);
      expect(starts.length, text).toBe(events.filter((e) => e.type === "error").length);
      expect(parseAssistantOutput(text).content).toBe(text);
    }
  });
});
