/**
 * The renderer caches the JSON text of tool definitions by snapshot (an agent loop passes the same
 * tools every turn). The cache must never be stale: whatever the caller does to the definitions
 * between calls — mutate them deeply, replace them, answer differently from a getter — the prompt
 * equals the prompt of a fresh deep copy of what was read.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseOptionsFor, renderPrompt, type ChatMessage } from "../src/index.js";
import { plainJson } from "../src/base/python.js";

const MESSAGES: ChatMessage[] = [{ role: "user", content: "What is the weather in Paris?" }];

function tool(name: string, description: string) {
  return {
    type: "function",
    function: { name, description, parameters: { type: "object", properties: { city: { type: "string", enum: ["Paris", "Rome"] } } as Record<string, unknown>, required: ["city"] } },
  };
}

/**
 * What rendering a deep copy gives with nothing to reuse: no object of the caller's reaches the
 * renderer, and two renders without tools first leave the renderer no earlier snapshot or JSON text
 * (else a copy equal to the previous call's definitions would reuse them, and a stale cache would
 * be compared with itself).
 */
function fresh(tools: unknown): string {
  renderPrompt(MESSAGES);
  renderPrompt(MESSAGES);
  return renderPrompt(MESSAGES, { tools: structuredClone(tools) as Array<Record<string, unknown>> });
}

describe("the tool-definition cache", () => {
  it("follows deep mutations, replaced definitions and a mutated array", () => {
    const tools = [tool("get_weather", "Weather now"), tool("get_time", "Time now")];
    const first = renderPrompt(MESSAGES, { tools });
    expect(first).toBe(fresh(tools));
    expect(renderPrompt(MESSAGES, { tools })).toBe(first);

    tools[0]!.function.description = "Weather, changed";
    expect(renderPrompt(MESSAGES, { tools })).toBe(fresh(tools));
    expect(renderPrompt(MESSAGES, { tools })).toContain("Weather, changed");

    (tools[1]!.function.parameters.properties.city as { enum: string[] }).enum.push("Oslo");
    expect(renderPrompt(MESSAGES, { tools })).toContain('"Oslo"');
    expect(renderPrompt(MESSAGES, { tools })).toBe(fresh(tools));

    tools[0] = tool("get_news", "News");
    tools.push(tool("get_weather", "Weather again"));
    expect(renderPrompt(MESSAGES, { tools })).toBe(fresh(tools));
    // the same definition objects in a new array (an agent that rebuilds its list)
    expect(renderPrompt(MESSAGES, { tools: [...tools] })).toBe(fresh(tools));
  });

  it("two tool sets in turn, and a render that fails half-way, leave every prompt right", () => {
    const a = [tool("get_weather", "Weather now")];
    const b = [tool("get_weather", "Weather, other agent"), tool("get_time", "Time")];
    for (let turn = 0; turn < 4; turn++) {
      expect(renderPrompt(MESSAGES, { tools: a })).toBe(fresh(a));
      expect(() => renderPrompt([{ role: "system", content: "no user message" }], { tools: b })).toThrow();
      expect(renderPrompt(MESSAGES, { tools: b })).toBe(fresh(b));
      b[1]!.function.description = `Time ${turn}`;
    }
  });

  it("reads every property on every call: a getter's answer each time is what is written", () => {
    let n = 0;
    const definition = {
      type: "function",
      function: {
        name: "counter",
        get description() {
          return `call ${++n}`;
        },
        parameters: { type: "object", properties: {} },
      },
    };
    const tools = [definition];
    expect(renderPrompt(MESSAGES, { tools })).toContain('"description": "call 1"');
    expect(renderPrompt(MESSAGES, { tools })).toContain('"description": "call 2"');
    expect(n).toBe(2);
  });

  it("what parseOptionsFor returns is no snapshot of the cache: changing it changes no prompt", () => {
    const tools = [tool("get_weather", "Weather now")];
    const before = renderPrompt(MESSAGES, { tools });
    const derived = parseOptionsFor({ tools });
    (derived.tools[0] as { function: { description: string } }).function.description = "tampered";
    expect(renderPrompt(MESSAGES, { tools })).toBe(before);
  });

  it("any sequence of edits to the same objects renders as a fresh copy would", () => {
    const edit = fc.oneof(
      fc.record({ kind: fc.constant("description" as const), tool: fc.nat(3), text: fc.string({ maxLength: 8 }) }),
      fc.record({ kind: fc.constant("property" as const), tool: fc.nat(3), key: fc.constantFrom("a", "b", "__proto__", "1"), value: fc.jsonValue({ maxDepth: 2 }) }),
      fc.record({ kind: fc.constant("delete" as const), tool: fc.nat(3), key: fc.constantFrom("a", "b", "__proto__", "1") }),
      fc.record({ kind: fc.constant("swap" as const), tool: fc.nat(3) }),
    );
    fc.assert(
      fc.property(fc.array(edit, { maxLength: 8 }), (edits) => {
        const tools = [tool("t0", "zero"), tool("t1", "one"), tool("t2", "two")];
        const props = (i: number) => tools[i]!.function.parameters.properties;
        expect(renderPrompt(MESSAGES, { tools })).toBe(fresh(tools));
        for (const e of edits) {
          const i = e.tool % tools.length;
          if (e.kind === "description") tools[i]!.function.description = e.text;
          else if (e.kind === "property") Object.defineProperty(props(i), e.key, { value: e.value, enumerable: true, writable: true, configurable: true });
          else if (e.kind === "delete") delete props(i)[e.key];
          else tools.push(tools.splice(i, 1)[0]!);
          expect(renderPrompt(MESSAGES, { tools })).toBe(fresh(tools));
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe("plainJson's previous snapshot", () => {
  it("gives back the previous snapshot where nothing changed, and shares unchanged parts", () => {
    const value = { a: { deep: [1, 2, { x: "y" }] }, b: [true, null], c: "s" };
    const first = plainJson(value) as typeof value;
    expect(plainJson(value, [], { previous: first })).toBe(first);
    value.b.push(false);
    const second = plainJson(value, [], { previous: first }) as typeof value;
    expect(second).not.toBe(first);
    expect(second).toEqual(structuredClone(value));
    expect(second.a).toBe(first.a); // unchanged part shared
    expect(first.b).toEqual([true, null]); // the previous snapshot is never changed
  });

  it("equals a snapshot without previous, for any value and any previous", () => {
    const json = fc.jsonValue({ maxDepth: 3 });
    fc.assert(
      fc.property(json, json, (a, b) => {
        const previous = plainJson(a);
        const kept = structuredClone(previous);
        const snapshot = plainJson(b, [], { previous });
        expect(snapshot).toEqual(plainJson(b));
        expect(previous).toEqual(kept);
        const exact = (v: unknown) => JSON.stringify(v, (_k, x: unknown) => (Object.is(x, -0) ? "-0" : x));
        if (exact(a) === exact(b) && typeof previous === "object" && previous !== null) expect(snapshot).toBe(previous);
      }),
      { numRuns: 1000 },
    );
  });
});
