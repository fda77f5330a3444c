/**
 * Round trip render → parse: every assistant tool call the renderer writes parses back to the same
 * call. Over the golden fixtures (the exact bytes of the official template) and over generated
 * conversations (fast-check).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  parseAssistantOutput,
  renderSegments,
  type ChatMessage,
  type ParseOptions,
  type PromptOptions,
  type Segment,
} from "../src/index.js";
import { hfCases, hfExpected, hfOptions } from "./helpers/hf-fixtures.js";
import type { FixtureMessage } from "./helpers/hf-fixtures.js";

/** The assistant turns of a rendered prompt, each as the text the model would have generated. */
function assistantTurns(segments: Segment[]): string[] {
  const turns: string[] = [];
  for (let i = 0; i + 3 < segments.length; i++) {
    const [a, role, b] = [segments[i]!, segments[i + 1]!, segments[i + 2]!];
    if (a.type !== "special" || a.token !== "<|start_header_id|>" || role.type !== "text" || role.text !== "assistant") continue;
    if (b.type !== "special" || b.token !== "<|end_header_id|>") continue;
    // Body: everything up to and including the turn's stop token.
    let body = "";
    let j = i + 3;
    for (; j < segments.length; j++) {
      const s = segments[j]!;
      if (s.type === "text") body += s.text;
      else {
        body += s.token;
        if (s.token === "<|eot_id|>" || s.token === "<|eom_id|>") break;
      }
    }
    if (j < segments.length) turns.push(body.replace(/^\n\n/, ""));
  }
  return turns;
}

/** The tool calls of the input messages, in order, with arguments as JSON would carry them. */
function inputCalls(messages: FixtureMessage[]): Array<{ name: string; arguments: unknown }> {
  const out: Array<{ name: string; arguments: unknown }> = [];
  for (const m of messages) {
    if (m.role !== "assistant") continue;
    for (const c of m.tool_calls ?? []) {
      const args = typeof c.function.arguments === "string" ? JSON.parse(c.function.arguments) : (c.function.arguments ?? {});
      out.push({ name: c.function.name, arguments: JSON.parse(JSON.stringify(args)) });
    }
  }
  return out;
}

function parseOptionsFor(options: PromptOptions): ParseOptions {
  return options.builtinTools ? { builtinTools: options.builtinTools } : {};
}

describe("golden fixtures: rendered tool calls parse back", () => {
  const withCalls = hfCases.filter((c) => typeof hfExpected[c.id] === "string" && inputCalls(c.messages).length > 0);

  it("covers every golden case that renders a tool call", () => {
    expect(withCalls.length).toBeGreaterThanOrEqual(15);
  });

  for (const c of withCalls) {
    it(c.id, () => {
      const options = hfOptions(c);
      const turns = assistantTurns(renderSegments(c.messages, options));
      const parsed = turns.map((t) => parseAssistantOutput(t, parseOptionsFor(options))).filter((m) => m.toolCalls.length > 0);
      const expected = inputCalls(c.messages);
      expect(parsed.map((m) => m.toolCalls.map((t) => ({ name: t.name, arguments: t.arguments })))).toEqual(expected.map((e) => [e]));
      for (const m of parsed) {
        expect(m.content).toBe("");
        expect(m.stopReason).toBe(options.builtinTools ? "eom" : "eot");
      }
    });
  }

  it("parses back with the offered tools as the known-tool filter", () => {
    const c = hfCases.find((x) => x.id === "custom_call_history")!;
    const turns = assistantTurns(renderSegments(c.messages, hfOptions(c)));
    const byDefinition = turns.flatMap((t) => parseAssistantOutput(t, { tools: c.tools as ParseOptions["tools"] }).toolCalls.map((x) => x.name));
    expect(byDefinition).toEqual(["get_current_weather", "get_current_weather"]);
    const byName = turns.flatMap((t) => parseAssistantOutput(t, { tools: ["get_current_weather"] }).toolCalls.map((x) => x.name));
    expect(byName).toEqual(byDefinition);
    const otherTools = turns.flatMap((t) => parseAssistantOutput(t, { tools: ["something_else"] }).toolCalls);
    expect(otherTools).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// Generated conversations
// ---------------------------------------------------------------------------------------------

const identifier = fc.stringMatching(/^[a-z_][a-z0-9_]{0,15}$/);
const noTokens = (s: string) => !s.includes("<|");
const jsonArgs = fc.dictionary(identifier, fc.jsonValue({ maxDepth: 3 }).filter((v) => noTokens(JSON.stringify(v))), { maxKeys: 5 });
/** Built-in call arguments: strings the hf template can write unambiguously (no `"`, no `\`). */
const builtinString = fc.string({ maxLength: 40 }).filter((s) => !/["\\]/.test(s) && noTokens(s));

type Turn = { kind: "text"; role: "user" | "assistant"; text: string } | { kind: "call"; name: string; args: Record<string, unknown>; result: unknown };

const textTurn = fc.record({
  kind: fc.constant("text" as const),
  role: fc.constantFrom("user" as const, "assistant" as const),
  text: fc.string({ maxLength: 60 }).filter(noTokens),
});

function conversation(builtin: readonly string[] | undefined) {
  const customCall = fc.record({
    kind: fc.constant("call" as const),
    name: identifier.filter((n) => !(builtin ?? []).includes(n)),
    args: jsonArgs,
    result: fc.jsonValue({ maxDepth: 2 }).filter((v) => noTokens(JSON.stringify(v))),
  });
  const builtinCall = fc.record({
    kind: fc.constant("call" as const),
    name: fc.constantFrom(...(builtin ?? ["brave_search"]).filter((b) => b !== "code_interpreter")),
    args: fc.record({ query: builtinString }),
    result: fc.string({ maxLength: 20 }).filter(noTokens),
  });
  const call = builtin ? fc.oneof(customCall, builtinCall) : customCall;
  return fc.array(fc.oneof(textTurn, call), { minLength: 1, maxLength: 8 }) as fc.Arbitrary<Turn[]>;
}

function toMessages(turns: Turn[]): ChatMessage[] {
  const messages: ChatMessage[] = [{ role: "user", content: "start" }];
  for (const t of turns) {
    if (t.kind === "text") messages.push({ role: t.role, content: t.text });
    else {
      messages.push({ role: "assistant", tool_calls: [{ type: "function", function: { name: t.name, arguments: t.args } }] });
      messages.push({ role: "tool", content: t.result as never });
    }
  }
  return messages;
}

describe("generated conversations: every rendered call parses back", () => {
  for (const builtin of [undefined, ["brave_search", "wolfram_alpha"], ["code_interpreter", "brave_search"]] as const) {
    it(`builtinTools = ${JSON.stringify(builtin)}`, () => {
      fc.assert(
        fc.property(conversation(builtin), (turns) => {
          const messages = toMessages(turns);
          const options: PromptOptions = builtin ? { builtinTools: builtin } : {};
          const rendered = assistantTurns(renderSegments(messages, options));
          const calls = rendered.map((t) => parseAssistantOutput(t, parseOptionsFor(options))).filter((m) => m.toolCalls.length > 0);
          const expected = turns.filter((t): t is Extract<Turn, { kind: "call" }> => t.kind === "call");
          expect(calls.map((m) => ({ name: m.toolCalls[0]!.name, arguments: m.toolCalls[0]!.arguments, n: m.toolCalls.length }))).toEqual(
            expected.map((e) => ({ name: e.name, arguments: JSON.parse(JSON.stringify(e.args)), n: 1 })),
          );
        }),
        { numRuns: 150 },
      );
    });
  }
});

describe("generated calls: the meta dialect's encodings parse back", () => {
  const scalar = fc.oneof(
    fc.string({ maxLength: 20 }).filter((s) => !/["\\]/.test(s) && noTokens(s)),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }).filter((d) => !Object.is(d, -0)),
    fc.boolean(),
    fc.constant(null),
  );
  const cases = [
    ["json", jsonArgs],
    ["function_tag", jsonArgs],
    // Meta writes dicts as {k=v} (not Python) and strings unescaped: only scalars and lists of them round-trip.
    ["python_list", fc.dictionary(identifier, fc.oneof(scalar, fc.array(scalar, { maxLength: 3 })), { maxKeys: 4 })],
  ] as const;
  for (const [format, args] of cases) {
    it(format, () => {
      fc.assert(
        fc.property(identifier.filter((n) => !["brave_search", "wolfram_alpha", "photogen", "code_interpreter"].includes(n)), args, (name, a) => {
          const messages: ChatMessage[] = [
            { role: "user", content: "go" },
            { role: "assistant", tool_calls: [{ type: "function", function: { name, arguments: a } }] },
          ];
          const [turn] = assistantTurns(renderSegments(messages, { dialect: "meta", toolPromptFormat: format, addGenerationPrompt: false }));
          const parsed = parseAssistantOutput(turn!);
          expect(parsed.toolCalls.map((t) => ({ name: t.name, arguments: t.arguments }))).toEqual([{ name, arguments: JSON.parse(JSON.stringify(a)) }]);
          expect(parsed.content).toBe("");
        }),
        { numRuns: 200 },
      );
    });
  }
});
