/**
 * Llama 3.2 and 3.3 in the hf dialect: 3.3's template is 3.1's (checksum), 3.2's goldens come from
 * the Python reference renderer with a pinned clock (fixtures/hf-3.2, scripts/gen-hf-fixtures.mjs),
 * and the version rules (no built-ins with 3.2, date defaults) hold.
 */
import { createHash } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  encodeSegments,
  InvalidMessageError,
  InvalidOptionsError,
  LlamaPromptError,
  SpecialTokenError,
  type ChatMessage,
  parseOptionsFor,
  renderPrompt,
  renderSegments,
  segmentsToString,
  type LlamaVersion,
} from "../src/index.js";
import { hfCases, hfExpected, hfOptions, loadHfSet, officialTemplate, templateFile, type HfCase } from "./helpers/hf-fixtures.js";
import { thrown } from "./helpers/thrown.js";
import { renderWithTemplate } from "../src/template/index.js";

const sha256 = (s: string) => createHash("sha256").update(s, "utf8").digest("hex");
const v32 = loadHfSet("hf-3.2");
const template32 = templateFile("llamacpp.meta-llama-Llama-3.2-3B-Instruct.jinja");

/** Pins the clock (Date only) to a local time, as the reference's strftime_now was pinned. */
function pinClock(localIso: string): void {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(new Date(localIso)); // no offset: local time, like Python's naive datetime.now()
}

describe("Llama 3.3: the same template as 3.1", () => {
  it("3.3's official template is byte-identical to 3.1's (SHA-256)", () => {
    const h31 = sha256(officialTemplate);
    expect(sha256(templateFile("llamacpp.meta-llama-Llama-3.3-70B-Instruct.jinja"))).toBe(h31);
    expect(sha256(templateFile("llamacpp.meta-llama-Llama-3.1-8B-Instruct.jinja"))).toBe(h31);
    // ...and 3.2's is not (it is rendered from data of its own).
    expect(sha256(template32)).not.toBe(h31);
  });

  for (const c of hfCases) {
    const expected = hfExpected[c.id]!;
    if (typeof expected !== "string") continue;
    it(`renders ${c.id} as the 3.1 golden`, () => {
      expect(renderPrompt(c.messages, hfOptions(c, "3.3"))).toBe(expected);
    });
  }
});

describe("Llama 3.2 golden fixtures (Python Jinja2, strftime_now pinned)", () => {
  beforeEach(() => pinClock(v32.now!));
  afterEach(() => {
    vi.useRealTimers();
  });

  it("has the 3.1 cases that apply plus its own, every one with a reference rendering", () => {
    expect(v32.now).toBeDefined();
    expect(v32.cases.length).toBeGreaterThanOrEqual(50);
    for (const c of v32.cases) expect(v32.expected, c.id).toHaveProperty([c.id]);
    const ids = new Set(v32.cases.map((c) => c.id));
    for (const c of hfCases) if (c.builtin_tools === undefined) expect(ids.has(c.id), c.id).toBe(true);
  });

  for (const c of v32.cases) {
    const expected = v32.expected[c.id]!;
    if (typeof expected === "string") {
      it(`renders ${c.id} byte for byte`, () => {
        expect(renderPrompt(c.messages, hfOptions(c, "3.2"))).toBe(expected);
        expect(segmentsToString(renderSegments(c.messages, hfOptions(c, "3.2")))).toBe(expected);
      });
    } else {
      it(`refuses ${c.id} as the template does (${expected.error})`, () => {
        const e = thrown(() => renderPrompt(c.messages, hfOptions(c, "3.2")));
        expect(e).toBeInstanceOf(LlamaPromptError);
        expect((e as LlamaPromptError).code).toBe(c.expect_error);
      });
    }
  }

  it("the default date is today (the pinned clock), `%d %b %Y` with a zero-padded day", () => {
    const out = renderPrompt([{ role: "user", content: "Hello!" }], { llamaVersion: "3.2" });
    expect(out).toContain("Today Date: 05 Sep 2024\n");
    expect(out).toBe(v32.expected["user_only"]);
  });

  it('dateString "today" and a Date of today render as the default', () => {
    const c = v32.cases.find((x) => x.id === "custom_rich_tools")!;
    const expected = v32.expected[c.id];
    expect(renderPrompt(c.messages, { ...hfOptions(c, "3.2"), dateString: "today" })).toBe(expected);
    expect(renderPrompt(c.messages, { ...hfOptions(c, "3.2"), dateString: new Date() })).toBe(expected);
  });

  it("a parsed assistant turn that stopped with eom still ends its call with <|eot_id|>", () => {
    const c = v32.cases.find((x) => x.id === "custom_call_builtin_names_are_json")!;
    const messages = c.messages.map((m) =>
      "tool_calls" in m && m.tool_calls
        ? {
            role: "assistant" as const,
            content: "",
            toolCalls: m.tool_calls.map((t) => ({ name: t.function.name, arguments: t.function.arguments })),
            stopReason: "eom" as const,
          }
        : m,
    );
    expect(renderPrompt(messages, hfOptions(c, "3.2"))).toBe(v32.expected[c.id]);
  });
});

describe("Llama 3.2: no built-in tools", () => {
  const builtinCases = hfCases.filter((c) => c.builtin_tools !== undefined);

  it("every 3.1 case with builtin_tools is refused with 3.2: InvalidOptionsError at options.builtinTools", () => {
    expect(builtinCases.length).toBeGreaterThanOrEqual(5);
    for (const c of builtinCases) {
      const e = thrown(() => renderPrompt(c.messages, hfOptions(c, "3.2")));
      expect(e, c.id).toBeInstanceOf(InvalidOptionsError);
      expect((e as InvalidOptionsError).path).toEqual(["options", "builtinTools"]);
      expect((e as Error).message).toMatch(/^options\.builtinTools: Llama 3\.2's chat template has no built-in tools/);
    }
  });

  it("an empty builtinTools list is refused too (in 3.1 it means ipython mode, which 3.2 cannot express); null is none", () => {
    expect(thrown(() => renderPrompt([{ role: "user", content: "x" }], { llamaVersion: "3.2", builtinTools: [] }))).toBeInstanceOf(InvalidOptionsError);
    expect(() => renderPrompt([{ role: "user", content: "x" }], { llamaVersion: "3.2", builtinTools: null, dateString: "1 Jan 2025" })).not.toThrow();
  });

  it("parseOptionsFor refuses the same options and never derives built-ins for 3.2", () => {
    const e = thrown(() => parseOptionsFor({ llamaVersion: "3.2", builtinTools: ["code_interpreter"] }));
    expect(e).toBeInstanceOf(InvalidOptionsError);
    expect((e as InvalidOptionsError).path).toEqual(["options", "builtinTools"]);
    expect(parseOptionsFor({ llamaVersion: "3.2", tools: [] })).toEqual({ tools: [], builtinTools: [] });
  });

  it("the meta dialect (Meta's reference) offers built-ins to 3.2", () => {
    expect(() => renderPrompt([{ role: "user", content: "x" }], { dialect: "meta", llamaVersion: "3.2", builtinTools: ["code_interpreter"] })).not.toThrow();
    expect(parseOptionsFor({ dialect: "meta", llamaVersion: "3.2", builtinTools: ["code_interpreter"] })).toEqual({ tools: [], builtinTools: ["code_interpreter"] });
  });
});

describe("dates", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("3.1 and 3.3 stay deterministic by default, whatever the clock says", () => {
    pinClock("2031-02-03T04:05:06");
    for (const v of ["3.1", "3.3"] as LlamaVersion[]) {
      expect(renderPrompt([{ role: "user", content: "x" }], { llamaVersion: v })).toContain("Today Date: 26 Jul 2024\n");
    }
  });

  it('"today" is the local date at render time, for every version', () => {
    pinClock("2031-02-03T23:59:59");
    for (const v of ["3.1", "3.2", "3.3"] as LlamaVersion[]) {
      expect(renderPrompt([{ role: "user", content: "x" }], { llamaVersion: v, dateString: "today" })).toContain("Today Date: 03 Feb 2031\n");
    }
  });

  it("a Date is written as %d %b %Y from its local fields (zero-padded day, unpadded year, as Python's strftime)", () => {
    const cases: Array<[Date, string]> = [
      [new Date(2025, 0, 1, 0, 0, 0), "01 Jan 2025"],
      [new Date(2024, 6, 26, 23, 59, 59), "26 Jul 2024"],
      [new Date(1999, 11, 31), "31 Dec 1999"],
      [(() => { const d = new Date(2000, 0, 1); d.setFullYear(5, 2, 9); return d; })(), "09 Mar 5"],
    ];
    for (const [date, text] of cases) {
      expect(renderPrompt([{ role: "user", content: "x" }], { dateString: date })).toContain(`Today Date: ${text}\n`);
    }
  });

  it("a Date Python's datetime cannot hold (years outside 1..9999) is an InvalidOptionsError", () => {
    for (const y of [0, -5, 10000]) {
      const d = new Date(2000, 0, 1);
      d.setFullYear(y);
      const e = thrown(() => renderPrompt([{ role: "user", content: "x" }], { dateString: d }));
      expect(e).toBeInstanceOf(InvalidOptionsError);
      expect((e as InvalidOptionsError).path).toEqual(["options", "dateString"]);
    }
  });

  it("the meta dialect writes a Date, and \"today\", as Meta does: %d %B %Y", () => {
    pinClock("2024-09-05T08:00:00");
    const meta = (dateString: string | Date) => renderPrompt([{ role: "user", content: "x" }], { dialect: "meta", dateString });
    expect(meta("today")).toContain("Today Date: 05 September 2024\n");
    expect(meta(new Date(2025, 2, 1))).toContain("Today Date: 01 March 2025\n");
  });
});

/**
 * Cases @huggingface/jinja renders differently from Python Jinja2 on 3.2's template (the same
 * engine differences as on 3.1's, see test/hf-golden.test.ts). Asserted to still differ.
 */
const JINJA_JS_DIFFERENCES_32: Record<string, string> = {
  whitespace_python_only: "JavaScript `trim`",
  custom_call_rich_arguments: "JavaScript float formatting in `tojson`",
  tool_result_bool_null: "true/false/null instead of True/False/None",
  error_empty_conversation: "messages[0] of an empty list is undefined, not an error",
};

describe("renderWithTemplate (@huggingface/jinja) on 3.2's template, strftime_now included", () => {
  beforeEach(() => pinClock(v32.now!));
  afterEach(() => {
    vi.useRealTimers();
  });
  const render = (c: HfCase): string | { error: string } => {
    try {
      const o = hfOptions(c);
      return renderWithTemplate(template32, c.messages, {
        tools: o.tools,
        dateString: o.dateString,
        toolsInUserMessage: o.toolsInUserMessage,
        addGenerationPrompt: o.addGenerationPrompt,
      });
    } catch (e) {
      return { error: (e as Error).message };
    }
  };
  for (const c of v32.cases) {
    const expected = v32.expected[c.id]!;
    const known = JINJA_JS_DIFFERENCES_32[c.id];
    if (known) {
      it(`differs on ${c.id}: ${known}`, () => expect(render(c)).not.toEqual(expected));
    } else if (typeof expected === "string") {
      it(`agrees with renderPrompt on ${c.id}`, () => expect(render(c)).toBe(renderPrompt(c.messages, hfOptions(c, "3.2"))));
    } else {
      it(`raises on ${c.id} too`, () => expect(render(c)).toHaveProperty("error"));
    }
  }
});

describe("what llamaVersion means for the meta dialect: the default tool-call format", () => {
  const tools = [{ type: "function" as const, function: { name: "get_weather", description: "Weather", parameters: { type: "object", properties: { city: { type: "string", description: "City" } }, required: ["city"] } } }];
  const messages = [
    { role: "user" as const, content: "Weather in Paris?" },
    { role: "assistant" as const, tool_calls: [{ type: "function" as const, function: { name: "get_weather", arguments: { city: "Paris" } } }] },
    { role: "tool" as const, content: "sunny" },
  ];
  const meta = (o: Record<string, unknown>) => renderPrompt(messages, { dialect: "meta", tools, dateString: "1 January 2025", ...o });

  it("3.2 and 3.3 write python lists (llama-stack's default for them), 3.1 JSON", () => {
    expect(meta({ llamaVersion: "3.2" })).toBe(meta({ toolPromptFormat: "python_list" }));
    expect(meta({ llamaVersion: "3.3" })).toBe(meta({ toolPromptFormat: "python_list" }));
    expect(meta({ llamaVersion: "3.1" })).toBe(meta({ toolPromptFormat: "json" }));
    expect(meta({})).toBe(meta({ toolPromptFormat: "json" }));
    expect(meta({ llamaVersion: "3.2" })).toContain("[get_weather(city=\"Paris\")]<|eot_id|>");
  });

  it("an explicit toolPromptFormat wins over the version's default", () => {
    expect(meta({ llamaVersion: "3.3", toolPromptFormat: "json" })).toBe(meta({ toolPromptFormat: "json" }));
    expect(meta({ llamaVersion: "3.2", toolPromptFormat: "function_tag" })).toBe(meta({ toolPromptFormat: "function_tag" }));
  });
});

describe("Llama 3.2 Vision golden fixtures (Python Jinja2, strftime_now pinned)", () => {
  const vv = loadHfSet("hf-3.2-vision");
  beforeEach(() => pinClock(vv.now!));
  afterEach(() => {
    vi.useRealTimers();
  });

  it("has the 3.2 cases plus image cases, every one with a reference rendering", () => {
    expect(vv.cases.length).toBeGreaterThanOrEqual(60);
    expect(vv.cases.filter((c) => c.id.startsWith("image")).length).toBeGreaterThanOrEqual(10);
    for (const c of vv.cases) expect(vv.expected, c.id).toHaveProperty([c.id]);
  });

  for (const c of vv.cases) {
    const expected = vv.expected[c.id]!;
    if (typeof expected === "string") {
      it(`renders ${c.id} byte for byte`, () => {
        expect(renderPrompt(c.messages, hfOptions(c, "3.2-vision"))).toBe(expected);
      });
    } else {
      it(`refuses ${c.id} as the template does (${expected.error})`, () => {
        const e = thrown(() => renderPrompt(c.messages, hfOptions(c, "3.2-vision")));
        expect(e).toBeInstanceOf(LlamaPromptError);
        expect((e as LlamaPromptError).code).toBe(c.expect_error);
      });
    }
  }

  it("image parts are <|image|> special segments (id 128256), in place; OpenAI image_url parts too", () => {
    const c = vv.cases.find((x) => x.id === "image_multi_turn")!;
    const segs = renderSegments(c.messages, hfOptions(c, "3.2-vision"));
    expect(segmentsToString(segs)).toBe(vv.expected[c.id]);
    const images = segs.filter((s) => s.type === "special" && s.token === "<|image|>");
    expect(images).toHaveLength(3);
    for (const s of images) expect(s).toEqual({ type: "special", token: "<|image|>", id: 128256, text: "<|image|>" });
    const url = { type: "image_url" as const, image_url: { url: "https://example.com/cat.png" } };
    const first = vv.cases.find((x) => x.id === "image_then_text")!;
    expect(renderPrompt([{ role: "user", content: [url, { type: "text", text: "Describe this image." }] }], hfOptions(first, "3.2-vision"))).toBe(vv.expected[first.id]);
  });
});

describe("images and versions", () => {
  const withImage: ChatMessage[] = [{ role: "user", content: [{ type: "image" }, { type: "text", text: "What is this?" }] }];

  it("an image part with a text-only version is an InvalidMessageError naming the part", () => {
    for (const llamaVersion of ["3.1", "3.2", "3.3"] as LlamaVersion[]) {
      const e = thrown(() => renderPrompt(withImage, { llamaVersion }));
      expect(e, llamaVersion).toBeInstanceOf(InvalidMessageError);
      expect((e as InvalidMessageError).path).toEqual(["messages", 0, "content", 0]);
      expect((e as Error).message).toMatch(/llamaVersion "3\.2-vision"/);
    }
  });

  it("Vision: an image in the system message or in the tool-carrying first user message is an InvalidMessageError", () => {
    const img = { type: "image" as const };
    const sys = thrown(() => renderPrompt([{ role: "system", content: [img] }, { role: "user", content: "x" }], { llamaVersion: "3.2-vision" }));
    expect(sys).toBeInstanceOf(InvalidMessageError);
    expect((sys as InvalidMessageError).path).toEqual(["messages", 0, "content", 0]);
    const tools = [{ type: "function" as const, function: { name: "f" } }];
    const carrier = thrown(() => renderPrompt(withImage, { llamaVersion: "3.2-vision", tools }));
    expect(carrier).toBeInstanceOf(InvalidMessageError);
    expect((carrier as Error).message).toMatch(/carries the tools/);
  });

  it("Vision guards <|image|> written as text (it would be an image slot); text models keep it as text", () => {
    const m: ChatMessage[] = [{ role: "user", content: "look: <|image|>" }];
    const e = thrown(() => renderPrompt(m, { llamaVersion: "3.2-vision" }));
    expect(e).toBeInstanceOf(SpecialTokenError);
    expect((e as SpecialTokenError).path).toEqual(["messages", 0, "content"]);
    // formed across two text parts written back to back
    const split: ChatMessage[] = [{ role: "user", content: [{ type: "text", text: "a <|ima" }, { type: "text", text: "ge|> b" }] }];
    expect(thrown(() => renderPrompt(split, { llamaVersion: "3.2-vision" }))).toBeInstanceOf(SpecialTokenError);
    const stripped = renderPrompt(split, { llamaVersion: "3.2-vision", specialTokens: "strip", dateString: "x" });
    expect(stripped).toContain("user<|end_header_id|>\n\na  b<|eot_id|>");
    expect(stripped.match(/<\|image\|>/g)).toBeNull();
    expect(renderPrompt(m, { llamaVersion: "3.2-vision", specialTokens: "allow", dateString: "x" })).toContain("look: <|image|>");
    expect(renderPrompt(m, { llamaVersion: "3.2", dateString: "x" })).toContain("look: <|image|>");
    // the meta dialect guards it too (its Vision prompts are read by the same tokenizer)
    for (const msgs of [m, split]) {
      expect(thrown(() => renderPrompt(msgs, { dialect: "meta", llamaVersion: "3.2-vision" }))).toBeInstanceOf(SpecialTokenError);
      expect(renderPrompt(msgs, { dialect: "meta", llamaVersion: "3.2-vision", specialTokens: "strip" }).match(/<\|image\|>/g)).toBeNull();
    }
    expect(renderPrompt(m, { dialect: "meta", llamaVersion: "3.2" })).toContain("look: <|image|>");
  });

  it("Vision has no built-in tools either; parseOptionsFor derives none", () => {
    expect(thrown(() => renderPrompt(withImage, { llamaVersion: "3.2-vision", builtinTools: ["brave_search"] }))).toBeInstanceOf(InvalidOptionsError);
    expect(thrown(() => parseOptionsFor({ llamaVersion: "3.2-vision", builtinTools: [] }))).toBeInstanceOf(InvalidOptionsError);
    expect(parseOptionsFor({ llamaVersion: "3.2-vision" })).toEqual({ tools: [], builtinTools: [] });
  });

  it("encodeSegments gives <|image|> its Vision id", () => {
    const segs = renderSegments(withImage, { llamaVersion: "3.2-vision", dateString: "x" });
    const ids = encodeSegments(segs, (t) => Array.from(t, (ch) => ch.charCodeAt(0)));
    expect(ids).toContain(128256);
    expect(ids.filter((id) => id === 128256)).toHaveLength(1);
  });

  it("the meta dialect: Vision's default tool-call format is JSON (as 3.1), images are refused", () => {
    const tools = [{ type: "function" as const, function: { name: "get_weather", description: "Weather", parameters: { type: "object", properties: {} } } }];
    const m: ChatMessage[] = [{ role: "user", content: "x" }];
    expect(renderPrompt(m, { dialect: "meta", llamaVersion: "3.2-vision", tools })).toBe(renderPrompt(m, { dialect: "meta", toolPromptFormat: "json", tools }));
    expect(thrown(() => renderPrompt(withImage, { dialect: "meta", llamaVersion: "3.2-vision" }))).toBeInstanceOf(InvalidMessageError);
  });
});
