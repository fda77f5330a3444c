import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createStreamParser, parseAssistantOutput, type AssistantMessage, type ParseOptions, type TokenChunk } from "../src/parse/index.js";
import { pyStrip } from "../src/base/python.js";
import { containsSpecialToken, isToolName } from "../src/base/tokens.js";
import { checkEvents, cutAt, run, withoutIds } from "./parser-helpers.js";
import { anyOptions, anyText, callText, fragmentText } from "./parser-arbitraries.js";

/** Runs of the streaming-equals-whole property (PARSER_PROPERTY_RUNS=100000 for a long run). */
const RUNS = Number(process.env.PARSER_PROPERTY_RUNS ?? 2000);

const optionSets: Array<ParseOptions | undefined> = [
  undefined,
  { tools: ["f", "get_weather"] },
  { builtinTools: ["brave_search"], maxToolCallChars: 12 },
];

/** What every parsed message satisfies, whatever the input. */
function checkMessage(m: AssistantMessage, options: ParseOptions): void {
  expect(pyStrip(m.content)).toBe(m.content);
  expect(containsSpecialToken(m.content)).toBe(false);
  for (const c of m.toolCalls) {
    expect(isToolName(c.name)).toBe(true);
    expect(c.raw.length).toBeLessThanOrEqual(options.maxToolCallChars ?? 1_000_000);
    // arguments render back: finite numbers, no special-token text (keys included)
    expect(containsSpecialToken(JSON.stringify(c.arguments))).toBe(false);
    expect(JSON.stringify(c.arguments, (_k, v: unknown) => (typeof v === "number" && !Number.isFinite(v) ? "NON-FINITE" : v))).not.toContain("NON-FINITE");
  }
}

describe("parser properties over arbitrary text", () => {
  it("streaming equals whole-text for every maxToolCallChars from 1 to 1,000,000 and any chunking", () => {
    fc.assert(
      fc.property(fc.oneof(anyText, callText, callText), fc.array(fc.nat(3000), { maxLength: 10 }), anyOptions, (text, cuts, options) => {
        const whole = parseAssistantOutput(text, options);
        checkMessage(whole, options);
        const streamed = checkEvents(run(cutAt(text, cuts), options));
        expect(withoutIds(streamed)).toEqual(withoutIds(whole));
        const chars = checkEvents(run(text.split(""), options));
        expect(withoutIds(chars)).toEqual(withoutIds(whole));
      }),
      { numRuns: RUNS },
    );
  }, Math.max(60_000, RUNS * 20));

  it("never throws; deltas concatenate to content; streaming equals whole-text; ids unique", () => {
    fc.assert(
      fc.property(anyText, fc.array(fc.nat(200), { maxLength: 8 }), fc.constantFrom(...optionSets), (text, cuts, options) => {
        const whole = parseAssistantOutput(text, options);
        const wholeEvents = checkEvents(run([text], options));
        expect(withoutIds(wholeEvents)).toEqual(withoutIds(whole));
        const streamed = checkEvents(run(cutAt(text, cuts), options));
        expect(withoutIds(streamed)).toEqual(withoutIds(whole));
        const ids = whole.toolCalls.map((c) => c.id);
        expect(new Set(ids).size).toBe(ids.length);
        // content is trimmed the way Python's str.strip() trims
        expect(pyStrip(whole.content)).toBe(whole.content);
      }),
      { numRuns: 1500 },
    );
  });

  it("one character at a time equals whole-text", () => {
    fc.assert(
      fc.property(fragmentText, fc.constantFrom(...optionSets), (text, options) => {
        const whole = parseAssistantOutput(text, options);
        const streamed = checkEvents(run(text.split(""), options));
        expect(withoutIds(streamed)).toEqual(withoutIds(whole));
      }),
      { numRuns: 500 },
    );
  });

  it("never throws on arbitrary token chunks", () => {
    const chunk: fc.Arbitrary<TokenChunk | string> = fc.oneof(
      fragmentText,
      fc.record({ text: fragmentText }),
      fc.record({ text: fc.constantFrom("", "<|eot_id|>", "x"), id: fc.integer({ min: 127990, max: 128260 }) }),
      fc.record({ text: fragmentText, id: fc.nat(1000), special: fc.boolean() }),
      fc.record({ text: fc.constantFrom("", "<|python_tag|>"), special: fc.constant(true) }),
    );
    fc.assert(
      fc.property(fc.array(chunk, { maxLength: 20 }), (chunks) => {
        checkEvents(run(chunks));
      }),
      { numRuns: 500 },
    );
  });

  it("a text without call-like characters streams straight through", () => {
    // no `{`, `<`, `[`, and no letter a built-in name starts with (b, w, c): nothing can be held
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Zad-vx-z0-9 .,!?]{1,40}$/), (text) => {
        const p = createStreamParser();
        const events = p.push(text);
        const streamed = events.map((e) => (e.type === "text-delta" ? e.text : "")).join("");
        // everything but trailing whitespace (held until more text follows) is emitted at once
        expect(streamed).toBe(text.trim() === "" ? "" : text.replace(/\s+$/, "").replace(/^\s+/, ""));
      }),
    );
  });
});
