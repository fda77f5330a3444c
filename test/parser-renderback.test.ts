/**
 * A parsed message renders back: `renderPrompt([...history, parsedMessage])` never refuses what the
 * parser produced — no non-finite number, no argument nested deeper than the encoders write, no name
 * outside the tool-name rule, no special-token text (issue 9, item 6). Over the output corpus and
 * generated outputs, in both dialects.
 *
 * The hf template has two limits of its own, which no parse result can lift, and the test pins them
 * as the only exceptions: one tool call per assistant message (each call goes in its own message),
 * and a built-in call rendered as a built-in (`name.call(k="v")`) needs string arguments.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { TemplateError } from "../src/base/errors.js";
import type { AnyBuiltinToolName } from "../src/base/tokens.js";
import { parseAssistantOutput, type AssistantMessage, type ParseOptions, type TokenChunk } from "../src/parse/index.js";
import { renderPrompt } from "../src/prompt/render.js";
import type { ChatMessage } from "../src/prompt/messages.js";
import { anyOptions, anyText, callText, tokenChunks } from "./parser-arbitraries.js";
import { checkEvents, loadCorpus, run } from "./parser-helpers.js";

const HISTORY: ChatMessage[] = [{ role: "user", content: "What's the weather in Paris?" }];
const FORMATS = ["json", "function_tag", "python_list"] as const;

/** hf: the template takes one call per assistant message. */
function oneCallPerMessage(m: AssistantMessage): ChatMessage[] {
  if (m.toolCalls.length <= 1) return [m as ChatMessage];
  return m.toolCalls.map((c, i) => ({ role: "assistant", content: i === 0 ? m.content : "", toolCalls: [c], stopReason: m.stopReason }) as ChatMessage);
}

function expectRendersBack(m: AssistantMessage, options: ParseOptions | undefined): void {
  const label = JSON.stringify(m).slice(0, 300);
  for (const toolPromptFormat of FORMATS) {
    expect(() => renderPrompt([...HISTORY, m as ChatMessage], { dialect: "meta", toolPromptFormat }), `meta ${toolPromptFormat}: ${label}`).not.toThrow();
  }
  expect(() => renderPrompt([...HISTORY, ...oneCallPerMessage(m)]), `hf: ${label}`).not.toThrow();
  if (m.toolCalls.length > 1) {
    expect(() => renderPrompt([...HISTORY, m as ChatMessage])).toThrow(TemplateError); // "This model only supports single tool-calls at once!"
  }
  // hf with the built-ins the parser was told about: built-in calls are written as name.call(k="v")
  const builtinTools = (options?.builtinTools ?? []) as AnyBuiltinToolName[];
  if (builtinTools.length > 0) {
    const nonString = m.toolCalls.some((c) => builtinTools.includes(c.name as AnyBuiltinToolName) && Object.values(c.arguments).some((v) => typeof v !== "string"));
    const render = () => renderPrompt([...HISTORY, ...oneCallPerMessage(m)], { builtinTools });
    if (nonString) expect(render).toThrow(expect.objectContaining({ reason: "builtin_argument_not_string" }));
    else expect(render, `hf builtinTools: ${label}`).not.toThrow();
  }
}

describe("a parsed message renders back (hf and meta)", () => {
  it("every corpus case", () => {
    for (const c of loadCorpus()) {
      const m = typeof c.input === "string" ? parseAssistantOutput(c.input, c.options) : checkEvents(run(c.input, c.options));
      expectRendersBack(m, c.options);
    }
  });

  it("generated outputs, as text", () => {
    fc.assert(
      fc.property(fc.oneof(callText, callText, anyText), anyOptions, (text, options) => {
        expectRendersBack(parseAssistantOutput(text, options), options);
      }),
      { numRuns: 1500 },
    );
  });

  it("generated outputs, as TGI token chunks (literal tokens can spell control tokens)", () => {
    fc.assert(
      fc.property(tokenChunks, anyOptions, (chunks: TokenChunk[], options) => {
        expectRendersBack(checkEvents(run(chunks, options)), options);
      }),
      { numRuns: 800 },
    );
  });

  it("the values that used to be refused: Infinity, 200,000 levels, token text, names", () => {
    for (const text of [
      '{"name": "f", "parameters": {"x": 1e999}}',
      `{"name": "f", "parameters": {"a": ${"[".repeat(200_000)}${"]".repeat(200_000)}}}`,
      '{"name": "f", "parameters": {"a": "\\u003c|eot_id|>"}}',
      "[f(q='\\x3c|eot_id|>')]",
      '{"name": "get weather", "parameters": {}}',
      "a<|eo<|reserved_special_token_3|>t_id|>b",
      "<|python_tag|>x = '<|eo<|reserved_special_token_3|>t_id|>'",
    ]) {
      expectRendersBack(parseAssistantOutput(text), undefined);
    }
  });

  it("token text spelled by literal tokens inside a rejected candidate is kept out of the content too", () => {
    const chunks: TokenChunk[] = [{ text: "Calls: [add-note(x:<|eom_id|>y}]", id: 1000, special: false }, { text: " {\"a<|eot_id|>\": 1}", id: 1000, special: false }];
    const m = checkEvents(run(chunks, { tools: ["add-note"] }));
    expect(m.content).toBe('Calls: [add-note(x:y}] {"a": 1}');
    expectRendersBack(m, undefined);
  });

  it("content and code that Meta's encoder writes back to back never form a token there", () => {
    // content `<|eo` + code `t_id|>…`: the dangling prefix is dropped from the content
    for (const text of ["<|eo<|python_tag|>t_id|>t_id|>", "Hi <|eo  \n<|python_tag|>t_id|> x", "a <\n<|python_tag|>|eot_id|>"]) {
      const m = parseAssistantOutput(text);
      expect(m.toolCalls.map((c) => c.name), text).toEqual(["code_interpreter"]);
      expectRendersBack(m, undefined);
    }
    expect(parseAssistantOutput("Hi <|eo<|python_tag|>t_id|>").content).toBe("Hi");
    expect(parseAssistantOutput("Hi <|eo<|python_tag|>print(1)").content).toBe("Hi <|eo"); // nothing to join
    // code + code: the second call is not valid (its text is content, with the token removed)
    const events = run(["<|python_tag|>x = 1 # <|eo<|python_tag|>t_id|>"]);
    const m = checkEvents(events);
    expect(m.toolCalls.map((c) => c.arguments.code)).toEqual(["x = 1 # <|eo"]);
    expect(events.filter((e) => e.type === "error")).toMatchObject([{ index: 1, error: { message: expect.stringMatching(/would form the special token <\|eot_id\|>/) } }]);
    expectRendersBack(m, undefined);
  });
});
