import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createStreamParser, parseAssistantOutput, type ParseOptions, type TokenChunk } from "../src/parse/index.js";
import { pyStrip } from "../src/base/python.js";
import { checkEvents, cutAt, run, withoutIds } from "./parser-helpers.js";

const FRAGMENTS = [
  "<|", "|>", "eot_id|>", "<|eot_id|>", "<|eom_id|>", "<|python_tag|>", "<|start_header_id|>", "<|end_header_id|>",
  "<|begin_of_text|>", "<|end_of_text|>", "<|reserved_special_token_3|>", "<|eot", "<", "|",
  '{"name": ', '"f"', '"get_weather"', '"parameters": ', '"arguments": ', '"type": "function", ', '"function": ',
  "{", "}", "[", "]", "(", ")", ",", ":", ";", " ; ", '"', "'", "\\", '\\"', "=", " ", "\n", "\t", "\u00a0", "\u3000",
  "brave_search.call(", "wolfram_alpha.call(", "code_interpreter.call(", "brave", "query=", 'query="', "n=3", "True", "None",
  "<function=", "<function=f>", "</function>", "get_weather(", "city='Paris'", "x", "hello", "42", "1.5e3", "é", "🌦", "null", "true",
  "`", "```", "```json\n", "\n```", "```\n",
];

const fragmentText = fc.array(fc.oneof(fc.constantFrom(...FRAGMENTS), fc.string({ maxLength: 4 })), { maxLength: 30 }).map((a) => a.join(""));
const anyText = fc.oneof(fragmentText, fc.string({ maxLength: 60 }), fc.string({ unit: "grapheme", maxLength: 40 }));

const optionSets: Array<ParseOptions | undefined> = [
  undefined,
  { tools: ["f", "get_weather"] },
  { builtinTools: ["brave_search"], maxToolCallChars: 12 },
];

describe("parser properties over arbitrary text", () => {
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
