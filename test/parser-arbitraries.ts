/**
 * fast-check generators of model output for the parser's property tests (not a test file itself).
 */
import fc from "fast-check";
import type { ParseOptions, TokenChunk } from "../src/parse/index.js";

export const FRAGMENTS = [
  "<|", "|>", "eot_id|>", "<|eot_id|>", "<|eom_id|>", "<|python_tag|>", "<|start_header_id|>", "<|end_header_id|>",
  "<|begin_of_text|>", "<|end_of_text|>", "<|reserved_special_token_3|>", "<|eot", "<", "|",
  '{"name": ', '"f"', '"get_weather"', '"parameters": ', '"arguments": ', '"type": "function", ', '"function": ',
  "{", "}", "[", "]", "(", ")", ",", ":", ";", " ; ", '"', "'", "\\", '\\"', "=", " ", "\n", "\t", "\u00a0", "\u3000",
  "brave_search.call(", "wolfram_alpha.call(", "code_interpreter.call(", "brave", "query=", 'query="', "n=3", "True", "None",
  "<function=", "<function=f>", "</function>", "get_weather(", "city='Paris'", "x", "hello", "42", "1.5e3", "é", "🌦", "null", "true",
  "`", "```", "```json\n", "\n```", "```\n",
  // the rule on undeclared names, separators, MCP names, unrenderable arguments
  "; ", ";", "\n", " to call a tool.", "Use the format ", '{"name": "x", "parameters": {}}', "[add-note(", "add-note", "<function=add-note>",
  '{"name": "add-note", ', "[f(a=1)]", "1e999", "-1e400", "\\u003c|eot_id|>", "[[[[[[[[", "]]]]]]]]", '{"a": ', "'\\x3c|eom_id|>'",
  "code_interpreter.call(code=", "wolfram_alpha.call(query=None)",
];

/** Text built from call-shaped blocks: calls of every format (good and bad names and arguments), prose, separators. */
const NAMES = ["f", "get_weather", "x", "add-note", "get weather", "brave_search", "a.b", ""];
const JSON_ARGS = [
  "{}", '{"a": 1}', '{"city": "Paris", "n": [1, 2.5e3, null, true]}', '{"x": 1e999}', '{"x": -1e400}', '{"k": "\\u003c|eot_id|>"}',
  '{"q": "' + "0123456789".repeat(5) + '"}', '"{\\"a\\": 1}"', "[1]",
  "[".repeat(999) + "]".repeat(999), "[".repeat(1001) + "]".repeat(1001),
];
const PY_ARGS = ["", "a=1", "b='x', c=[1, 2], d={'k': None}", "x=1e999", "q='\\x3c|eot_id|>'", "n=True, m=-0.5", '"positional"'];
const jsonBlock = fc
  .tuple(fc.constantFrom(...NAMES), fc.constantFrom(...JSON_ARGS), fc.constantFrom("parameters", "arguments"), fc.boolean())
  .map(([n, a, k, typed]) => `{${typed ? '"type": "function", ' : ""}"name": ${JSON.stringify(n)}, "${k}": ${a}}`);
const notACall = fc.nat(300).map((n) => `{"${"k".repeat(n)}": 1}`);
const builtinBlock = fc
  .tuple(fc.constantFrom("brave_search", "wolfram_alpha", "code_interpreter", "photogen"), fc.constantFrom('query="gold price"', "", "query=None", 'query="x", n=1e999', 'code="print(1)"', 'query="say "hi")'))
  .map(([n, a]) => `${n}.call(${a})`);
const tagBlock = fc
  .tuple(fc.constantFrom(...NAMES), fc.constantFrom(...JSON_ARGS), fc.boolean())
  .map(([n, a, close]) => `<function=${n}>${a}${close ? "</function>" : ""}`);
const listBlock = fc
  .array(fc.tuple(fc.constantFrom(...NAMES), fc.constantFrom(...PY_ARGS)), { minLength: 1, maxLength: 3 })
  .map((els) => `[${els.map(([n, a]) => `${n}(${a})`).join(", ")}]`);
const glue = fc.constantFrom(" ", "\n", "; ", ";", "\n\n", "  ", "", "<|python_tag|>", "```json\n", "\n```", "<|eo", "t_id|>", "<|reserved_special_token_3|>");
const prose = fc.constantFrom("Sure.", "Let me check", "Use the format", "ok", "é🌦", "print(1)", "a < b", "[note]");
export const callText = fc
  .array(fc.oneof(jsonBlock, notACall, builtinBlock, tagBlock, listBlock, glue, glue, prose), { maxLength: 12 })
  .map((a) => a.join(""));

export const fragmentText = fc.array(fc.oneof(fc.constantFrom(...FRAGMENTS), fc.string({ maxLength: 4 })), { maxLength: 30 }).map((a) => a.join(""));
export const anyText = fc.oneof(fragmentText, fc.string({ maxLength: 60 }), fc.string({ unit: "grapheme", maxLength: 40 }));

/** Limits from 1 to 1,000,000, log-uniform: as many draws under 10 as over 100,000. */
export const limit = fc.integer({ min: 0, max: 6000 }).map((k) => Math.max(1, Math.round(10 ** (k / 1000))));
export const anyOptions: fc.Arbitrary<ParseOptions> = fc.record(
  {
    tools: fc.constantFrom(undefined, ["f", "get_weather", "add-note"], [] as string[]),
    builtinTools: fc.constantFrom(undefined, ["brave_search"], ["brave_search", "wolfram_alpha", "code_interpreter"]),
    maxToolCallChars: limit,
  },
  { requiredKeys: ["maxToolCallChars"] },
);

/**
 * The same text as TGI token chunks: pieces of it as literal tokens (`special: false`, never scanned,
 * so `<|eot_id|>` spelled by them is text), pieces as scanned text, and control tokens by id.
 */
export const tokenChunks: fc.Arbitrary<TokenChunk[]> = fc
  .array(
    fc.oneof(
      fc.tuple(fc.oneof(callText, fragmentText), fc.constantFrom("literal", "scanned")),
      fc.tuple(fc.constantFrom(128009, 128008, 128010, 128014, 128006, 128007), fc.constant("id")),
    ),
    { maxLength: 6 },
  )
  .map((parts) =>
    parts.map(([x, kind]): TokenChunk =>
      kind === "id" ? { text: "", id: x as number, special: true } : kind === "literal" ? { text: x as string, id: 1000, special: false } : { text: x as string },
    ),
  );
