/**
 * `splitToolCalls` (hf): an assistant message with several calls renders as what the official
 * template renders for the equivalent conversation with one call per message, each followed by its
 * result. Goldens: fixtures/hf-split-calls (the equivalent conversations rendered by Python Jinja2
 * through scripts/gen-split-calls-fixtures.mjs; the template refuses the multi-call ones).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { InvalidMessageError, InvalidOptionsError, renderPrompt, TemplateError, type ChatMessage, type PromptOptions } from "../src/index.js";
import { renderWithTemplate } from "../src/template/index.js";
import { hfCases, hfExpected, hfOptions, officialTemplate, type HfCase } from "./helpers/hf-fixtures.js";
import { thrown } from "./helpers/thrown.js";

type SplitCase = HfCase & { equivalent: ChatMessage[] };
const dir = join(import.meta.dirname, "..", "fixtures", "hf-split-calls");
const cases: SplitCase[] = JSON.parse(readFileSync(join(dir, "cases.json"), "utf8"));
const golden: { expected: Record<string, string>; refused: Record<string, { error: string }> } = JSON.parse(
  readFileSync(join(dir, "expected.json"), "utf8"),
);

describe("splitToolCalls: goldens from the official template", () => {
  it("has cases, each refused by the template as given and rendered in its equivalent form", () => {
    expect(cases.length).toBeGreaterThanOrEqual(8);
    for (const c of cases) {
      expect(typeof golden.expected[c.id], c.id).toBe("string");
      expect(golden.refused[c.id]?.error, c.id).toBe("This model only supports single tool-calls at once!");
    }
  });

  for (const c of cases) {
    it(`${c.id}: byte for byte the template's rendering of the equivalent conversation`, () => {
      expect(renderPrompt(c.messages, { ...hfOptions(c), splitToolCalls: true })).toBe(golden.expected[c.id]);
    });
    it(`${c.id}: without the option, refused as the template refuses it`, () => {
      const e = thrown(() => renderPrompt(c.messages, hfOptions(c)));
      expect(e).toBeInstanceOf(TemplateError);
      expect((e as TemplateError).reason).toBe("multiple_tool_calls");
      expect((e as TemplateError).templateMessage).toBe(golden.refused[c.id]!.error);
      expect((e as TemplateError).message).toContain("splitToolCalls: true");
    });
  }

  it("changes nothing for every conversation the template accepts (all hf goldens)", () => {
    let n = 0;
    for (const c of hfCases) {
      const expected = hfExpected[c.id];
      if (typeof expected !== "string") continue;
      expect(renderPrompt(c.messages, { ...hfOptions(c), splitToolCalls: true }), c.id).toBe(expected);
      n++;
    }
    expect(n).toBeGreaterThan(30);
  });
});

describe("splitToolCalls: equivalence, property-based", () => {
  const ident = fc.stringMatching(/^[a-z_][a-z0-9_]{0,8}$/);
  const value = fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.boolean(), fc.constant(null));
  /** One round: k calls with ids and their results, in the split form the template accepts. */
  const round = fc
    .array(fc.record({ name: ident, args: fc.dictionary(ident, value, { maxKeys: 2 }), result: fc.oneof(value, fc.dictionary(ident, value, { maxKeys: 2 })) }), {
      minLength: 1,
      maxLength: 4,
    })
    .chain((calls) =>
      fc.record({
        calls: fc.constant(calls),
        // The order the results are given in the multi-call form, and whether they carry ids.
        order: fc.shuffledSubarray(calls.map((_, i) => i), { minLength: calls.length, maxLength: calls.length }),
        withIds: fc.boolean(),
        text: fc.string({ maxLength: 10 }),
      }),
    );

  it("N calls with their N results (any order, matched by id; in order without ids) render as the split conversation", () => {
    let counter = 0;
    fc.assert(
      fc.property(fc.array(round, { minLength: 1, maxLength: 3 }), fc.boolean(), (rounds, builtin) => {
        const split: ChatMessage[] = [{ role: "user", content: "go" }];
        const merged: ChatMessage[] = [{ role: "user", content: "go" }];
        for (const r of rounds) {
          const ids = r.calls.map(() => `call_${++counter}`);
          const fn = (i: number) => ({
            ...(r.withIds ? { id: ids[i]! } : {}),
            type: "function" as const,
            function: { name: r.calls[i]!.name, arguments: r.calls[i]!.args },
          });
          const result = (i: number): ChatMessage => ({ role: "tool", ...(r.withIds ? { tool_call_id: ids[i]! } : {}), content: r.calls[i]!.result });
          r.calls.forEach((_, i) => split.push({ role: "assistant", tool_calls: [fn(i)] }, result(i)));
          merged.push({ role: "assistant", tool_calls: r.calls.map((_, i) => fn(i)) });
          // Without ids, results can only be matched by position: give them in order.
          for (const i of r.withIds ? r.order : r.calls.map((_, i) => i)) merged.push(result(i));
          split.push({ role: "assistant", content: r.text });
          merged.push({ role: "assistant", content: r.text });
        }
        const options: PromptOptions = builtin ? { builtinTools: ["brave_search"] } : {};
        let expected: string | undefined;
        try {
          expected = renderPrompt(split, options);
        } catch {
          return; // e.g. a call named brave_search with a non-string argument: refused either way
        }
        expect(renderPrompt(merged, { ...options, splitToolCalls: true })).toBe(expected);
      }),
      { numRuns: 300 },
    );
  });
});

describe("splitToolCalls: results that cannot be matched", () => {
  const call = (id: string, city: string) => ({ id, type: "function" as const, function: { name: "get_weather", arguments: { city } } });
  const base: ChatMessage[] = [{ role: "user", content: "x" }, { role: "assistant", tool_calls: [call("a", "Oslo"), call("b", "Rome")] }];

  it("a tool_call_id that answers none of the calls is an InvalidMessageError at that message's tool_call_id", () => {
    const e = thrown(() => renderPrompt([...base, { role: "tool", tool_call_id: "zzz", content: 1 }], { splitToolCalls: true }));
    expect(e).toBeInstanceOf(InvalidMessageError);
    expect((e as InvalidMessageError).path).toEqual(["messages", 2, "tool_call_id"]);
    expect((e as Error).message).toContain('"a", "b"');
  });

  it("two results for one call is an InvalidMessageError naming both", () => {
    const e = thrown(() =>
      renderPrompt([...base, { role: "tool", tool_call_id: "a", content: 1 }, { role: "tool", tool_call_id: "a", content: 2 }], { splitToolCalls: true }),
    );
    expect(e).toBeInstanceOf(InvalidMessageError);
    expect((e as InvalidMessageError).path).toEqual(["messages", 3, "tool_call_id"]);
    expect((e as Error).message).toContain("messages[2] already answers");
  });

  it("an argument error names the call's own index in the original message", () => {
    const bad: ChatMessage[] = [
      { role: "user", content: "x" },
      { role: "assistant", tool_calls: [call("a", "Oslo"), { id: "b", type: "function", function: { name: "f", arguments: { n: Number.NaN } } }] },
    ];
    const e = thrown(() => renderPrompt(bad, { splitToolCalls: true }));
    expect((e as InvalidMessageError).path).toEqual(["messages", 1, "tool_calls", 1, "function", "arguments", "n"]);
  });

  it("is checked by the shared options model (a boolean) and changes nothing in the meta dialect", () => {
    expect(thrown(() => renderPrompt(base, { splitToolCalls: "yes" as never }))).toBeInstanceOf(InvalidOptionsError);
    const meta = [...base, { role: "tool" as const, tool_call_id: "a", content: 1 }, { role: "tool" as const, tool_call_id: "b", content: 2 }];
    expect(renderPrompt(meta, { dialect: "meta", splitToolCalls: true })).toBe(renderPrompt(meta, { dialect: "meta" }));
  });

  it("is an option of the hf dialect only: renderWithTemplate refuses it rather than ignoring it", () => {
    const e = thrown(() => renderWithTemplate(officialTemplate, base, { splitToolCalls: true } as never));
    expect(e).toBeInstanceOf(InvalidOptionsError);
    expect((e as InvalidOptionsError).path).toEqual(["options", "splitToolCalls"]);
  });
});
