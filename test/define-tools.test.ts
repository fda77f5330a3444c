import fc from "fast-check";
import { z } from "zod";
import * as zm from "zod/mini";
import { describe, expect, it } from "vitest";
import { defineTools, toolErrorMessage, ToolDefinitionError } from "../src/tools/define-tools.js";
import { InvalidArgumentError, InvalidOptionsError, LlamaPromptError, ToolArgumentsError, UnknownToolError } from "../src/base/errors.js";
import type { ToolCall } from "../src/parse/types.js";
import { pyJsonDumps } from "../src/base/python.js";
import { renderPrompt } from "../src/prompt/render.js";
import { thrown } from "./helpers/thrown.js";

const weatherParams = z.object({
  city: z.string().describe("City name"),
  unit: z.enum(["celsius", "fahrenheit"]).optional(),
  days: z.number().int().min(1).default(1),
  location: z.object({ lat: z.number(), lon: z.number() }).optional(),
});
const emailParams = z.strictObject({ to: z.email(), subject: z.string(), body: z.string() });

const tools = defineTools(
  {
    get_weather: { description: "Current weather for a city", parameters: weatherParams },
    send_email: { description: "Send an email", parameters: emailParams },
    ping: { parameters: z.object({}) },
  },
  { builtinTools: ["brave_search", "code_interpreter"] },
);

let n = 0;
function call(name: string, args: Record<string, unknown>, format: ToolCall["format"] = "json"): ToolCall {
  n++;
  return { id: `call_${n}`, name, arguments: args, format, raw: JSON.stringify({ name, parameters: args }) };
}


describe("defineTools: definitions", () => {
  it("lists custom tools OpenAI-style, in declaration order, without built-ins", () => {
    expect(tools.definitions.map((d) => d.type)).toEqual(["function", "function", "function"]);
    expect(tools.definitions.map((d) => d.function.name)).toEqual(["get_weather", "send_email", "ping"]);
    expect(tools.definitions[0]!.function.description).toBe("Current weather for a city");
    expect(tools.definitions[2]!.function).not.toHaveProperty("description");
    expect(Object.keys(tools.definitions[0]!.function)).toEqual(["name", "description", "parameters"]);
  });

  it("parameters are zod's JSON Schema of the input, without $schema", () => {
    const p = tools.definitions[0]!.function.parameters as {
      type: string;
      properties: Record<string, { description?: string }>;
      required: string[];
    };
    expect(p).not.toHaveProperty("$schema");
    expect(p.type).toBe("object");
    expect(Object.keys(p.properties)).toEqual(Object.keys(weatherParams.shape));
    expect(p.properties.city!.description).toBe("City name");
    // optional and defaulted fields are not required of the model
    expect(p.required).toEqual(["city"]);
    // z.object strips unknown keys (accepts them): no additionalProperties; z.strictObject: false
    expect(p).not.toHaveProperty("additionalProperties");
    expect(tools.definitions[1]!.function.parameters).toHaveProperty("additionalProperties", false);
  });

  it("is deterministic (same key order every time)", () => {
    const again = defineTools({ get_weather: { description: "Current weather for a city", parameters: weatherParams } });
    expect(JSON.stringify(again.definitions[0])).toBe(JSON.stringify(tools.definitions[0]));
  });

  it("renders with renderPrompt({ tools: definitions }), each definition as the template's tojson(indent=4)", () => {
    const prompt = renderPrompt([{ role: "user", content: "Weather in Oslo?" }], {
      tools: tools.definitions,
      builtinTools: tools.builtinTools,
    });
    for (const d of tools.definitions) expect(prompt).toContain(pyJsonDumps(d, { indent: 4 }));
    expect(prompt).toContain("brave_search");
  });

  it("accepts zod/mini object schemas too", () => {
    const mini = defineTools({ add: { parameters: zm.object({ a: zm.number(), b: zm.optional(zm.number()) }) } });
    expect(mini.definitions[0]!.function.parameters).toMatchObject({ type: "object", required: ["a"] });
    expect(mini.parse(call("add", { a: 1 })).arguments).toEqual({ a: 1 });
    expect(mini.safeParse(call("add", { a: "1" })).error).toBeInstanceOf(ToolArgumentsError);
  });

  it("exposes names (custom, then built-ins) and builtinTools", () => {
    expect(tools.names).toEqual(["get_weather", "send_email", "ping", "brave_search", "code_interpreter"]);
    expect(tools.builtinTools).toEqual(["brave_search", "code_interpreter"]);
    expect(defineTools({}).builtinTools).toEqual([]);
  });
});

describe("defineTools: definition-time errors name the tool", () => {
  it.each([
    ["a string schema", z.string(), "zod string schema"],
    ["an array schema", z.array(z.string()), "zod array schema"],
    ["a transformed object", z.object({ a: z.string() }).transform((o) => o), "zod pipe schema"],
    ["a union of objects", z.union([z.object({ a: z.string() }), z.object({ b: z.string() })]), "zod union schema"],
    ["a plain JSON Schema object", { type: "object", properties: {} }, "not a zod schema"],
    ["nothing", undefined, "nothing"],
  ])("refuses %s as parameters", (_label, parameters, expected) => {
    const e = thrown(() => defineTools({ my_tool: { description: "x", parameters: parameters as never } }));
    expect(e).toBeInstanceOf(ToolDefinitionError);
    expect(e).toBeInstanceOf(LlamaPromptError);
    const err = e as ToolDefinitionError;
    expect(err.code).toBe("INVALID_TOOL_DEFINITION");
    expect(err.toolName).toBe("my_tool");
    expect(err.path).toEqual(["tools", "my_tool", "parameters"]);
    expect(err.message).toContain('"my_tool"');
    expect(err.message).toContain(expected);
  });

  it("refuses schemas JSON Schema cannot express, keeping zod's reason", () => {
    const e = thrown(() => defineTools({ when: { parameters: z.object({ at: z.date() }) } })) as ToolDefinitionError;
    expect(e).toBeInstanceOf(ToolDefinitionError);
    expect(e.toolName).toBe("when");
    expect(e.message).toMatch(/Date/);
    expect(e.cause).toBeInstanceOf(Error);
  });

  it.each(["get weather", "", "wetter☀", "a+b", "x\"y", "<|eot_id|>", "a".repeat(129)])("refuses the tool name %j", (name) => {
    const e = thrown(() => defineTools({ [name]: { parameters: z.object({}) } })) as ToolDefinitionError;
    expect(e).toBeInstanceOf(ToolDefinitionError);
    expect(e.toolName).toBe(name);
  });

  it("accepts names with letters, digits, _ and -", () => {
    expect(defineTools({ "Get-Weather_2": { parameters: z.object({}) } }).names).toEqual(["Get-Weather_2"]);
  });

  it("refuses a custom tool named like an enabled built-in, allows it otherwise", () => {
    const e = thrown(() => defineTools({ brave_search: { parameters: z.object({ q: z.string() }) } }, { builtinTools: ["brave_search"] }));
    expect(e).toBeInstanceOf(ToolDefinitionError);
    expect(defineTools({ brave_search: { parameters: z.object({ q: z.string() }) } }).names).toEqual(["brave_search"]);
  });

  it("refuses a non-object description and unknown built-ins", () => {
    expect(thrown(() => defineTools({ t: { description: 5 as never, parameters: z.object({}) } }))).toBeInstanceOf(ToolDefinitionError);
    const e = thrown(() => defineTools({}, { builtinTools: ["google" as never] })) as InvalidOptionsError;
    expect(e).toBeInstanceOf(InvalidOptionsError);
    expect(e.path).toEqual(["options", "builtinTools", 0]);
    expect(thrown(() => defineTools(null as never))).toBeInstanceOf(InvalidArgumentError);
  });
});

describe("parse / safeParse", () => {
  it("returns the call with validated (output-typed) arguments, keeping id, raw, format", () => {
    const input = call("get_weather", { city: "Oslo", unit: "celsius" });
    const parsed = tools.parse(input);
    expect(parsed).toEqual({ ...input, arguments: { city: "Oslo", unit: "celsius", days: 1 } });
    expect(parsed).not.toBe(input);
    expect(input.arguments).not.toHaveProperty("days"); // the input is not mutated
    if (parsed.name === "get_weather") expect(parsed.arguments.days).toBe(1);
  });

  it("z.object drops arguments it does not know; z.strictObject reports each one", () => {
    expect(tools.parse(call("get_weather", { city: "Oslo", color: "red" })).arguments).toEqual({ city: "Oslo", days: 1 });
    const e = thrown(() =>
      tools.parse(call("send_email", { to: "a@b.co", subject: "s", body: "b", cc: "c@d.co", bcc: ["x"] })),
    ) as ToolArgumentsError;
    expect(e).toBeInstanceOf(ToolArgumentsError);
    expect(e.issues.map((i) => [i.path, i.received])).toEqual([
      [["cc"], "c@d.co"],
      [["bcc"], ["x"]],
    ]);
  });

  it("reports wrong types, missing and nested arguments with path, expectation and what was sent", () => {
    const bad = call("get_weather", { city: 42, unit: "kelvin", location: { lat: "north", lon: 10 } });
    const e = thrown(() => tools.parse(bad)) as ToolArgumentsError;
    expect(e).toBeInstanceOf(ToolArgumentsError);
    expect(e.code).toBe("INVALID_TOOL_ARGUMENTS");
    expect(e.toolName).toBe("get_weather");
    expect(e.issues.map((i) => i.path)).toEqual([["city"], ["unit"], ["location", "lat"]]);
    expect(e.issues.map((i) => i.received)).toEqual([42, "kelvin", "north"]);
    expect(e.issues[0]!.message).toMatch(/expected string/);
    expect(e.issues[1]!.message).toMatch(/celsius/);
    expect(e.message).toContain("location.lat");

    const missing = thrown(() => tools.parse(call("send_email", { to: "a@b.co" }))) as ToolArgumentsError;
    expect(missing.issues.map((i) => i.path)).toEqual([["subject"], ["body"]]);
    expect(missing.issues.every((i) => i.received === undefined)).toBe(true);
  });

  it("throws UnknownToolError listing every accepted name", () => {
    const e = thrown(() => tools.parse(call("get_wether", { city: "Oslo" }))) as UnknownToolError;
    expect(e).toBeInstanceOf(UnknownToolError);
    expect(e.code).toBe("UNKNOWN_TOOL");
    expect(e.toolName).toBe("get_wether");
    expect(e.knownTools).toEqual(tools.names);
  });

  it("safeParse mirrors parse without throwing", () => {
    const good = call("ping", {});
    expect(tools.safeParse(good)).toEqual({ success: true, data: tools.parse(good) });
    const unknown = tools.safeParse(call("nope", {}));
    expect(unknown.success).toBe(false);
    expect(unknown.error).toBeInstanceOf(UnknownToolError);
    const badArgs = tools.safeParse(call("get_weather", {}));
    expect(badArgs.success).toBe(false);
    expect(badArgs.error).toBeInstanceOf(ToolArgumentsError);
  });

  it("accepts OpenAI-style JSON-string arguments; a non-JSON string is an argument error", () => {
    const c = { ...call("get_weather", {}), arguments: '{"city": "Oslo"}' as unknown as Record<string, unknown> };
    expect(tools.parse(c).arguments).toEqual({ city: "Oslo", days: 1 });
    const bad = { ...c, arguments: "city=Oslo" as unknown as Record<string, unknown> };
    const e = tools.safeParse(bad);
    expect(e.success).toBe(false);
    expect((e.error as ToolArgumentsError).issues[0]!.received).toBe("city=Oslo");
  });

  it.each([
    ["null", null],
    ["undefined", undefined],
    ["a string", "get_weather"],
    ["a number", 42],
  ])("safeParse(%s) returns a ToolArgumentsError instead of throwing; parse throws it", (_label, value) => {
    const r = tools.safeParse(value as never);
    expect(r.success).toBe(false);
    expect(r.error).toBeInstanceOf(ToolArgumentsError);
    expect(r.error!.message).toContain("expected a tool call object");
    const e = thrown(() => tools.parse(value as never));
    expect(e).toBeInstanceOf(ToolArgumentsError);
    expect(e).not.toBeInstanceOf(TypeError);
  });

  it("safeParse never throws on hostile calls (throwing getters, unprintable names, throwing refinements)", () => {
    const boom = () => {
      throw new Error("boom");
    };
    const badName = Object.defineProperty({ arguments: {} }, "name", { get: boom, enumerable: true }) as unknown as ToolCall;
    expect(tools.safeParse(badName).error).toBeInstanceOf(ToolArgumentsError);
    expect(() => tools.parse(badName)).toThrow(ToolArgumentsError);
    const badArgs = Object.defineProperty({ ...call("get_weather", {}) }, "arguments", { get: boom, enumerable: true });
    const r = tools.safeParse(badArgs);
    expect(r.error).toBeInstanceOf(ToolArgumentsError);
    expect(r.error!.message).toContain("boom");
    const getterArg = { ...call("get_weather", {}), arguments: Object.defineProperty({}, "city", { get: boom, enumerable: true }) };
    expect(tools.safeParse(getterArg).error).toBeInstanceOf(ToolArgumentsError);
    const unprintable = { ...call("x", {}), name: Object.create(null) as string };
    expect(tools.safeParse(unprintable).error).toBeInstanceOf(UnknownToolError);
    const refining = defineTools({
      t: { parameters: z.object({ a: z.string() }).refine(() => boom()) },
    });
    expect(refining.safeParse(call("t", { a: "x" })).error).toBeInstanceOf(ToolArgumentsError);
  });

  it.each([["null"], ["[]"], ["1"], ['"str"'], ["true"]])(
    "JSON-string arguments %s are not an object: argument error, not {}",
    (json) => {
      const c = { ...call("ping", {}), arguments: json as unknown as Record<string, unknown> };
      const r = tools.safeParse(c);
      expect(r.success).toBe(false);
      const e = r.error as ToolArgumentsError;
      expect(e).toBeInstanceOf(ToolArgumentsError);
      expect(e.issues).toEqual([{ path: [], message: "expected a JSON object", received: json }]);
    },
  );

  it("only absent (undefined / null) arguments default to {}", () => {
    for (const args of [undefined, null]) {
      const c = { ...call("ping", {}), arguments: args as unknown as Record<string, unknown> };
      expect(tools.parse(c).arguments).toEqual({});
    }
    expect(tools.parse({ ...call("ping", {}), arguments: "{}" as unknown as Record<string, unknown> }).arguments).toEqual({});
  });

  it("property: safeParse never throws and agrees with the zod schema", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom("city", "unit", "days", "location", "x"), fc.jsonValue()), (args) => {
        const r = tools.safeParse(call("get_weather", args));
        expect(r.success).toBe(weatherParams.safeParse(args).success);
        if (!r.success) expect((r.error as ToolArgumentsError).issues.length).toBeGreaterThan(0);
      }),
      { numRuns: 300 },
    );
  });
});

describe("built-in tools", () => {
  it("brave_search: { query } plus extra string keyword arguments, kept", () => {
    const c = call("brave_search", { query: "llama 3.1", freshness: "week" }, "builtin");
    expect(tools.parse(c)).toEqual(c);
  });

  it("brave_search: a missing or non-string query is an argument error", () => {
    const e1 = tools.safeParse(call("brave_search", { q: "x" }, "builtin"));
    expect((e1.error as ToolArgumentsError).issues.map((i) => [i.path, i.received])).toEqual([[["query"], undefined]]);
    const e2 = tools.safeParse(call("brave_search", { query: 3 }, "builtin"));
    expect((e2.error as ToolArgumentsError).issues.map((i) => [i.path, i.received])).toEqual([[["query"], 3]]);
  });

  it("brave_search / wolfram_alpha keep non-string keyword arguments as the parser decoded them", () => {
    // brave_search.call(query="x", n=3, safe=True) → { query: "x", n: 3, safe: true }
    const c = call("brave_search", { query: "x", n: 3, safe: true, opts: null }, "builtin");
    expect(tools.parse(c)).toEqual(c);
    const w = defineTools({}, { builtinTools: ["wolfram_alpha"] });
    expect(w.parse(call("wolfram_alpha", { query: "2+2", precision: 2.5 }, "builtin")).arguments).toEqual({ query: "2+2", precision: 2.5 });
  });

  it("code_interpreter: { code }", () => {
    const c = call("code_interpreter", { code: "print(1 + 1)" }, "code");
    expect(tools.parse(c)).toEqual(c);
    expect(tools.safeParse(call("code_interpreter", { code: 1 }, "code")).success).toBe(false);
  });

  it("built-ins that were not enabled are unknown tools", () => {
    const e = tools.safeParse(call("wolfram_alpha", { query: "2+2" }, "builtin"));
    expect(e.error).toBeInstanceOf(UnknownToolError);
    const plain = defineTools({ ping: { parameters: z.object({}) } });
    expect(plain.safeParse(call("code_interpreter", { code: "1" }, "code")).error).toBeInstanceOf(UnknownToolError);
  });

  it("wolfram_alpha when enabled", () => {
    const w = defineTools({}, { builtinTools: ["wolfram_alpha"] });
    expect(w.parse(call("wolfram_alpha", { query: "integrate x^2" }, "builtin")).arguments).toEqual({ query: "integrate x^2" });
  });
});

describe("errors fed back to the model", () => {
  it("unknown tool → ipython message with the available tools and the call id", () => {
    const c = call("get_wether", { city: "Oslo" });
    const r = tools.safeParse(c);
    if (r.success) throw new Error("expected failure");
    const msg = tools.formatError(r.error, c);
    expect(msg).toEqual({
      role: "ipython",
      tool_call_id: c.id,
      content: {
        error: "unknown_tool",
        message: expect.stringContaining("get_wether"),
        tool: "get_wether",
        available_tools: tools.names,
      },
    });
  });

  it("invalid arguments → one issue per argument with what was received", () => {
    const c = call("get_weather", { city: 42, location: { lat: "n", lon: 1 } });
    const r = tools.safeParse(c);
    if (r.success) throw new Error("expected failure");
    const msg = toolErrorMessage(r.error, c);
    expect(msg.role).toBe("ipython");
    expect(msg.content.error).toBe("invalid_arguments");
    expect(msg.content).toMatchObject({
      tool: "get_weather",
      issues: [
        { argument: "city", problem: expect.stringMatching(/expected string/), received: 42 },
        { argument: "location.lat", problem: expect.stringMatching(/expected number/), received: "n" },
      ],
    });
    const missing = tools.safeParse(call("send_email", {}));
    if (missing.success) throw new Error("expected failure");
    const issues = (toolErrorMessage(missing.error).content as { issues: object[] }).issues;
    for (const i of issues) expect(i).not.toHaveProperty("received");
  });

  it("other errors become { error, message }, without a tool_call_id when none is given", () => {
    expect(toolErrorMessage(new Error("timeout after 30s"))).toEqual({ role: "ipython", content: { error: "tool_error", message: "timeout after 30s" } });
    expect(toolErrorMessage("oops").content).toEqual({ error: "tool_error", message: "oops" });
    expect(toolErrorMessage(new InvalidOptionsError("bad", ["x"])).content.error).toBe("invalid_options");
  });

  it("the message renders into the next prompt as the template's JSON tool output", () => {
    const c = call("get_weather", { city: ["Oslo"] });
    const r = tools.safeParse(c);
    if (r.success) throw new Error("expected failure");
    const feedback = tools.formatError(r.error, c);
    const prompt = renderPrompt(
      [
        { role: "user", content: "Weather in Oslo?" },
        { role: "assistant", tool_calls: [{ id: c.id, type: "function", function: { name: c.name, arguments: c.arguments } }] },
        feedback,
      ],
      { tools: tools.definitions },
    );
    expect(prompt).toContain(`<|start_header_id|>ipython<|end_header_id|>\n\n${pyJsonDumps(feedback.content)}<|eot_id|>`);
  });
});
