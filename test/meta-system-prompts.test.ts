/**
 * Meta's system-prompt generators against the expected texts of the reference's
 * test_system_prompts.py and the real templates' output (fixtures/meta/system-prompts.json,
 * written by scripts/gen-meta-fixtures.py), and the Meta ↔ OpenAI tool conversion.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { thrown } from "./helpers/thrown.js";
import { InvalidArgumentError, InvalidOptionsError } from "../src/base/errors.js";
import {
  builtinToolsPrompt,
  formatMetaDate,
  functionTagCustomToolsPrompt,
  jinjaToJson,
  jsonCustomToolsPrompt,
  pythonListToolsPrompt,
  systemDefaultPrompt,
} from "../src/prompt/meta/system-prompts.js";
import {
  metaToolToOpenAI,
  openAIToolToMeta,
  parseMetaTool,
  toMetaTool,
  MetaToolError,
  type MetaToolDefinition,
} from "../src/prompt/meta/tools.js";

interface TestCase {
  test: string;
  generator: string;
  tools: MetaToolDefinition[] | null;
  systemPrompt: string | null;
  expected: string;
  todayPlaceholder: string | null;
}
interface GeneratedCase {
  id: string;
  generator: string;
  tools: MetaToolDefinition[];
  builtinTools?: string[];
  systemPrompt: string | null;
  expected: string;
}
const fixtures = JSON.parse(readFileSync(new URL("../fixtures/meta/system-prompts.json", import.meta.url), "utf8")) as {
  tests: TestCase[];
  generated: GeneratedCase[];
};

function run(generator: string, tools: MetaToolDefinition[] | null, systemPrompt: string | null, builtinTools: string[] = []): string {
  switch (generator) {
    case "SystemDefaultGenerator":
      return systemDefaultPrompt();
    case "BuiltinToolGenerator":
      return builtinToolsPrompt([...builtinTools, ...(tools ?? [])]);
    case "JsonCustomToolGenerator":
      return jsonCustomToolsPrompt(tools ?? []);
    case "FunctionTagCustomToolGenerator":
      return functionTagCustomToolsPrompt(tools ?? []);
    case "PythonListCustomToolGenerator":
      return pythonListToolsPrompt(tools ?? [], systemPrompt === null ? {} : { systemPrompt });
  }
  throw new Error(`unknown generator ${generator}`);
}

/** Today as Python's `datetime.now().strftime("%d %B %Y")` (C locale), computed independently. */
function pythonToday(): string {
  const d = new Date();
  const month = d.toLocaleString("en-US", { month: "long" });
  return `${String(d.getDate()).padStart(2, "0")} ${month} ${d.getFullYear()}`;
}

describe("test_system_prompts.py expected texts", () => {
  it("covers every test of the reference file", () => {
    expect(fixtures.tests.map((t) => t.test)).toEqual([
      "test_system_default",
      "test_system_builtin_only",
      "test_system_custom_only",
      "test_system_custom_function_tag",
      "test_llama_3_2_system_zero_shot",
      "test_llama_3_2_provided_system_prompt",
    ]);
  });
  for (const t of fixtures.tests) {
    it(`${t.test} (${t.generator})`, () => {
      const expected = t.todayPlaceholder ? t.expected.split(t.todayPlaceholder).join(pythonToday()) : t.expected;
      expect(run(t.generator, t.tools, t.systemPrompt)).toBe(expected);
    });
  }
});

describe("generator output of the real templates for more tool sets", () => {
  for (const g of fixtures.generated) {
    it(g.id, () => {
      expect(run(g.generator, g.tools, g.systemPrompt, g.builtinTools)).toBe(g.expected);
    });
  }
});

describe("generator options", () => {
  const weather = fixtures.tests.find((t) => t.test === "test_llama_3_2_system_zero_shot")!.tools!;

  it("systemDefaultPrompt takes a date string or a Date", () => {
    expect(systemDefaultPrompt({ date: "21 September 2024" })).toBe("Cutting Knowledge Date: December 2023\nToday Date: 21 September 2024");
    expect(systemDefaultPrompt({ date: new Date(2024, 8, 5) })).toBe("Cutting Knowledge Date: December 2023\nToday Date: 05 September 2024");
    expect(formatMetaDate(new Date(2026, 10, 22))).toBe("22 November 2026");
  });

  it("pythonListToolsPrompt: override text, CRLF normalised, empty override falls back to the default", () => {
    const text = pythonListToolsPrompt(weather, { systemPrompt: "Intro\r\n{{function_description}}\r\nOutro\r\n" });
    expect(text.startsWith("Intro\nIf you decide to invoke")).toBe(true);
    expect(text.endsWith("]\nOutro")).toBe(true);
    expect(pythonListToolsPrompt(weather, { systemPrompt: "" })).toBe(pythonListToolsPrompt(weather));
    expect(pythonListToolsPrompt(weather, { systemPrompt: "no placeholder\n" })).toBe("no placeholder");
  });

  it("generators accept OpenAI-shaped tools (converted to Meta's shape)", () => {
    const openai = weather.map((t) => metaToolToOpenAI(t));
    expect(pythonListToolsPrompt(openai)).toBe(pythonListToolsPrompt(weather));
    expect(jsonCustomToolsPrompt(openai)).toBe(jsonCustomToolsPrompt(weather));
    expect(functionTagCustomToolsPrompt(openai)).toBe(functionTagCustomToolsPrompt(weather));
    expect(builtinToolsPrompt(["brave_search", ...openai])).toBe("Environment: ipython\nTools: brave_search");
  });

  it("builtinToolsPrompt: definitions named like built-ins are built-ins", () => {
    expect(builtinToolsPrompt([{ tool_name: "wolfram_alpha" }, { tool_name: "code_interpreter" }])).toBe("Environment: ipython\nTools: wolfram_alpha");
    expect(builtinToolsPrompt([])).toBe("");
  });

  it("jinjaToJson is Jinja's tojson: sorted keys, ASCII, HTML-safe", () => {
    expect(jinjaToJson({ b: 1, a: ["<x>", "it's & é"], "\u{1F600}": null, "\uFFFF": 0 })).toBe(
      '{"a": ["\\u003cx\\u003e", "it\\u0027s \\u0026 \\u00e9"], "b": 1, "\\uffff": 0, "\\ud83d\\ude00": null}',
    );
  });

  it("invalid Meta tools throw a typed error naming the field", () => {
    expect(() => jsonCustomToolsPrompt([{ tool_name: "t", parameters: { x: { description: "no type" } } } as never])).toThrow(MetaToolError);
    try {
      parseMetaTool({ tool_name: "t", parameters: { x: { description: "no type" } } });
    } catch (e) {
      expect(e).toBeInstanceOf(MetaToolError);
      expect((e as MetaToolError).property).toBe("x");
      expect((e as MetaToolError).code).toBe("INVALID_TOOL_DEFINITION");
    }
  });
});

describe("generator input validation", () => {
  const weather = fixtures.tests.find((t) => t.test === "test_llama_3_2_system_zero_shot")!.tools!;

  const invalid = (f: () => unknown, path?: (string | number)[]): InvalidOptionsError => {
    const e = thrown(f);
    expect(e).toBeInstanceOf(InvalidOptionsError);
    expect((e as InvalidOptionsError).code).toBe("INVALID_OPTIONS");
    if (path) expect((e as InvalidOptionsError).path).toEqual(path);
    return e as InvalidOptionsError;
  };
  /** A positional argument other than options (the tool list, a date): InvalidArgumentError. */
  const invalidArg = (f: () => unknown, path: (string | number)[]): void => {
    const e = thrown(f);
    expect(e).toBeInstanceOf(InvalidArgumentError);
    expect((e as InvalidArgumentError).path).toEqual(path);
  };

  it.each([
    ["an invalid Date", new Date(Number.NaN)],
    ["a number", 1726876800000],
    ["null", null],
    ["an object", { year: 2024 }],
  ])("systemDefaultPrompt({ date: %s }) throws InvalidOptionsError", (_label, date) => {
    invalid(() => systemDefaultPrompt({ date: date as never }), ["options", "date"]);
  });

  it.each([["a number", 5], ["a string", "21 September 2024"]])("systemDefaultPrompt(%s) throws InvalidOptionsError", (_l, o) => {
    invalid(() => systemDefaultPrompt(o as never), ["options"]);
  });

  it("systemDefaultPrompt: unknown option keys are errors (the shared options model), null options are none", () => {
    invalid(() => systemDefaultPrompt({ dat: "x" } as never), ["options", "dat"]);
    expect(systemDefaultPrompt(null as never)).toBe(systemDefaultPrompt());
  });

  it("systemDefaultPrompt: no options / no date is today", () => {
    const today = `Cutting Knowledge Date: December 2023\nToday Date: ${formatMetaDate(new Date())}`;
    expect(systemDefaultPrompt()).toBe(today);
    expect(systemDefaultPrompt({})).toBe(today);
    expect(systemDefaultPrompt({ date: undefined })).toBe(today);
  });

  it.each([
    ["an invalid Date", new Date("nope")],
    ["a number", 0],
    ["null", null],
    ["a string", "2024-09-21"],
  ])("formatMetaDate(%s) throws InvalidOptionsError", (_label, date) => {
    invalidArg(() => formatMetaDate(date as never), ["date"]);
  });

  it.each([["null", null], ["undefined", undefined], ["a string", "brave_search"], ["an object", { length: 1 }]])(
    "builtinToolsPrompt(%s) throws InvalidOptionsError",
    (_label, tools) => {
      invalidArg(() => builtinToolsPrompt(tools as never), ["tools"]);
    },
  );

  it.each([["null", null], ["a number", 1], ["an array", ["brave_search"]], ["undefined", undefined]])(
    "builtinToolsPrompt: an element that is %s throws InvalidOptionsError naming its index",
    (_label, el) => {
      invalidArg(() => builtinToolsPrompt(["brave_search", el as never]), ["tools", 1]);
    },
  );

  it("builtinToolsPrompt lists a duplicated built-in once, in first-seen order", () => {
    expect(builtinToolsPrompt(["wolfram_alpha", "brave_search", "wolfram_alpha"])).toBe("Environment: ipython\nTools: wolfram_alpha, brave_search");
    expect(builtinToolsPrompt(["brave_search", { tool_name: "brave_search" }, { type: "function", function: { name: "brave_search" } } as never])).toBe(
      "Environment: ipython\nTools: brave_search",
    );
    expect(builtinToolsPrompt(["code_interpreter", "code_interpreter"])).toBe("Environment: ipython\n");
  });

  it.each([
    ["jsonCustomToolsPrompt", (t: unknown, o?: unknown) => jsonCustomToolsPrompt(t as never, o as never)],
    ["functionTagCustomToolsPrompt", (t: unknown, o?: unknown) => functionTagCustomToolsPrompt(t as never, o as never)],
    ["pythonListToolsPrompt", (t: unknown, o?: unknown) => pythonListToolsPrompt(t as never, o as never)],
  ])("%s: null / non-array tools, null options and a non-boolean lossy throw InvalidOptionsError", (_name, gen) => {
    invalidArg(() => gen(null), ["tools"]);
    invalidArg(() => gen(undefined), ["tools"]);
    invalidArg(() => gen({ 0: weather[0], length: 1 }), ["tools"]);
    expect(gen(weather, null)).toBe(gen(weather)); // null options are none, as everywhere
    invalid(() => gen(weather, "lossy"), ["options"]);
    invalid(() => gen(weather, { lossyTools: "yes" }), ["options", "lossyTools"]);
    invalid(() => gen(weather, { lossy: true }), ["options", "lossy"]); // unknown keys are errors
    expect(gen(weather, { lossyTools: true })).toBe(gen(weather));
  });

  it.each([["a number", 5], ["an object", { text: "x" }], ["true", true]])("pythonListToolsPrompt({ systemPrompt: %s }) throws InvalidOptionsError", (_l, sp) => {
    invalid(() => pythonListToolsPrompt(weather, { systemPrompt: sp as never }), ["options", "systemPrompt"]);
  });

  it("pythonListToolsPrompt: a null systemPrompt is Python's None (the default prompt)", () => {
    expect(pythonListToolsPrompt(weather, { systemPrompt: null as never })).toBe(pythonListToolsPrompt(weather));
  });
});

describe("Meta ↔ OpenAI tool conversion", () => {
  const trending = fixtures.tests.find((t) => t.test === "test_system_custom_only")!.tools![0]!;

  it("conversion options follow the shared options model: unknown keys (the old `lossy`) are errors", () => {
    const tool = { type: "function", function: { name: "f", parameters: { type: "object", properties: { x: { type: "string", enum: ["a"] } } } } };
    for (const f of [() => openAIToolToMeta(tool, { lossy: true } as never), () => toMetaTool(tool, { lossy: true } as never)]) {
      const e = thrown(f);
      expect(e).toBeInstanceOf(InvalidOptionsError);
      expect((e as InvalidOptionsError).path).toEqual(["options", "lossy"]);
    }
    expect(openAIToolToMeta(tool, { lossyTools: true })).toEqual({ tool_name: "f", parameters: { x: { param_type: "string", required: false } } });
  });

  it("meta → openai", () => {
    expect(metaToolToOpenAI(trending)).toEqual({
      type: "function",
      function: {
        name: "trending_songs",
        description: trending.description,
        parameters: {
          type: "object",
          properties: {
            n: { type: "integer", description: trending.parameters!.n!.description },
            genre: { type: "string", description: trending.parameters!.genre!.description },
          },
          required: ["n"],
        },
      },
    });
  });

  it("round trip meta → openai → meta (JSON Schema type names are kept; Python names become JSON Schema names)", () => {
    const meta: MetaToolDefinition = {
      tool_name: "t",
      description: "d",
      parameters: {
        a: { param_type: "string", description: "A", required: true },
        b: { param_type: "integer", required: false, default: 3 },
        c: { param_type: "boolean", description: "C", required: false, default: false },
        d: { param_type: "array", required: true },
        e: { param_type: "object", required: false, default: { k: "v" } },
        f: { param_type: "number", required: false },
      },
    };
    expect(openAIToolToMeta(metaToolToOpenAI(meta))).toEqual(meta);
    const python: MetaToolDefinition = { tool_name: "p", parameters: { s: { param_type: "str" }, i: { param_type: "int", required: false } } };
    expect(openAIToolToMeta(metaToolToOpenAI(python))).toEqual({
      tool_name: "p",
      parameters: { s: { param_type: "string", required: true }, i: { param_type: "integer", required: false } },
    });
    // and openai → meta → openai
    const openai = metaToolToOpenAI(meta);
    expect(metaToolToOpenAI(openAIToolToMeta(openai))).toEqual(openai);
  });

  it("accepts the bare {name, description, parameters} shape and drops titles", () => {
    expect(
      openAIToolToMeta({
        name: "x",
        parameters: { type: "object", title: "X", additionalProperties: false, properties: { q: { type: "string", title: "Q" } }, required: ["q"] },
      }),
    ).toEqual({ tool_name: "x", parameters: { q: { param_type: "string", required: true } } });
    expect(openAIToolToMeta({ type: "function", function: { name: "noargs" } })).toEqual({ tool_name: "noargs", parameters: {} });
  });

  const err = (f: () => unknown): MetaToolError => {
    try {
      f();
    } catch (e) {
      expect(e).toBeInstanceOf(MetaToolError);
      return e as MetaToolError;
    }
    throw new Error("did not throw");
  };

  it("a JSON Schema that cannot be expressed throws, naming the property", () => {
    const tool = (props: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
      type: "function",
      function: { name: "w", parameters: { type: "object", properties: props, ...extra } },
    });
    let e = err(() => openAIToolToMeta(tool({ unit: { type: "string", enum: ["c", "f"] } })));
    expect(e.property).toBe("unit");
    expect(e.message).toContain('"enum"');
    e = err(() => openAIToolToMeta(tool({ v: { type: ["string", "null"] } })));
    expect(e.property).toBe("v");
    e = err(() => openAIToolToMeta(tool({ v: { anyOf: [{ type: "string" }] } })));
    expect(e.property).toBe("v");
    e = err(() => openAIToolToMeta(tool({ v: { type: "array", items: { type: "string" } } })));
    expect(e.property).toBe("v");
    e = err(() => openAIToolToMeta(tool({ v: { type: "string" } }, { required: ["missing"] })));
    expect(e.property).toBe("missing");
    e = err(() => openAIToolToMeta(tool({}, { oneOf: [] })));
    expect(e.path).toEqual(["tool", "function", "parameters", "oneOf"]);
    e = err(() => metaToolToOpenAI({ tool_name: "m", parameters: { when: { param_type: "datetime" } } }));
    expect(e.property).toBe("when");
    expect(e.toolName).toBe("m");
  });

  it("lossy: true drops what Meta's shape cannot express", () => {
    expect(
      openAIToolToMeta(
        { type: "function", function: { name: "w", parameters: { type: "object", properties: { v: { type: "array", items: { type: "string" }, description: "V" } } } } },
        { lossyTools: true },
      ),
    ).toEqual({ tool_name: "w", parameters: { v: { param_type: "array", description: "V", required: false } } });
  });

  it("a parameter named __proto__ is refused with MetaToolError naming it, not silently dropped", () => {
    const metaParams = JSON.parse('{"__proto__": {"param_type": "str", "description": "P"}, "a": {"param_type": "int"}}') as never;
    const meta = { tool_name: "m", parameters: metaParams };
    for (const f of [() => metaToolToOpenAI(meta), () => parseMetaTool(meta), () => toMetaTool(meta), () => jsonCustomToolsPrompt([meta])]) {
      const e = err(f);
      expect(e.property).toBe("__proto__");
      expect(e.toolName).toBe("m");
      expect(e.toolPath).toEqual(["parameters", "__proto__"]);
      // from the argument root: the conversion functions take a tool, the generators a list of tools
      expect(e.path[0] === "tool" ? e.path : e.path.slice(1)).toEqual(e.path[0] === "tool" ? ["tool", "parameters", "__proto__"] : [0, "parameters", "__proto__"]);
      expect(e.message).toContain("__proto__");
    }
    const props = JSON.parse('{"__proto__": {"type": "string"}, "b": {"type": "integer"}}') as Record<string, Record<string, unknown>>;
    const openai = { type: "function", function: { name: "o", parameters: { type: "object", properties: props, required: ["__proto__"] } } };
    for (const f of [() => openAIToolToMeta(openai), () => toMetaTool(openai), () => pythonListToolsPrompt([openai as never])]) {
      const e = err(f);
      expect(e.property).toBe("__proto__");
      expect(e.toolName).toBe("o");
      expect(e.toolPath).toEqual(["function", "parameters", "properties", "__proto__"]);
      expect(e.path).toEqual([...(e.path[0] === "tool" ? ["tool"] : ["tools", 0]), ...e.toolPath]);
    }
    // an inherited __proto__ (the ordinary object literal syntax) is no parameter at all
    expect(openAIToolToMeta({ name: "x", parameters: { type: "object", properties: { __proto__: { type: "string" } } } })).toEqual({ tool_name: "x", parameters: {} });
  });

  it.each([["constructor"], ["__proto__"]])(
    "metaToolToOpenAI: param_type %s (an Object.prototype name) is no JSON Schema type",
    (pt) => {
      const e = err(() => metaToolToOpenAI({ tool_name: "m", parameters: { x: { param_type: pt } } }));
      expect(e.property).toBe("x");
      expect(e.path).toEqual(["tool", "parameters", "x", "param_type"]);
    },
  );

  it("toMetaTool dispatches on the shape", () => {
    expect(toMetaTool(trending)).toEqual(parseMetaTool(trending));
    expect(toMetaTool(metaToolToOpenAI(trending)).tool_name).toBe("trending_songs");
  });
});
