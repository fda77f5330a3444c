/**
 * The fast paths of rendering against the slow paths they stand for, on random input:
 * - snapshotJsonDumps (a plain recursion over a plainJson snapshot) writes what pyJsonDumps (the
 *   guarded walk, checked against Python in pyjson.test.ts) writes, and what Python wrote for the
 *   golden values;
 * - pyNumber's String(n) range and pyJsonString's JSON.stringify escape agree with Python's repr and
 *   escape rules written out here;
 * - renderPrompt (the prompt string, checked by looking at each piece of text as it is written)
 *   equals the segments renderSegments checks one by one, joined — or throws the same error;
 * - the snapshots of call arguments and tool results kept from the previous render (and their JSON
 *   text) never go stale.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { renderPrompt, renderSegments, segmentsToString, type ChatMessage, type PromptOptions } from "../src/index.js";
import { plainJson, pyJsonDumps, pyJsonString, pyNumber, snapshotJsonDumps } from "../src/base/python.js";
import { SerializationError } from "../src/base/errors.js";

// ------------------------------------------------------------------------------------------------
// Values
// ------------------------------------------------------------------------------------------------

const NASTY_STRINGS = ["", '"', "\\", "\u0000", "\u001f", "\u007f", "\u2028", "\u2029", "\ud800", "\udfff", "a\ud83d", "\ude00b", "\ud83d\ude00", "é", "翻译", "<|eot_id|>", "\b\f\n\r\t"];
const NASTY_NUMBERS = [0, -0, 1, -1, 0.1, 1e21, 1e-7, 1e-4, 1e-5, 1e16, 1e15 + 0.5, 9999999999999998, 5e-324, 2 ** 53, 2 ** 53 + 2, -(2 ** 53) - 2, 9007199254740991, 1.7976931348623157e308, 123456789.125, -42.25];

const str = fc.oneof(fc.string({ unit: "binary", maxLength: 8 }), fc.string({ unit: "grapheme", maxLength: 8 }), fc.constantFrom(...NASTY_STRINGS));
const num = fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer(), fc.constantFrom(...NASTY_NUMBERS));
const leaf = fc.oneof(str, num, fc.boolean(), fc.constant(null), fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }));
const { value: jsonValue } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof({ depthSize: "small", withCrossShrink: true }, leaf, fc.array(tie("value"), { maxLength: 4 }), fc.dictionary(str, tie("value"), { maxKeys: 4 })),
}));

/** The reference text: the guarded walk (pyJsonDumps), which pyjson.test.ts checks against Python. */
function reference(v: unknown, indent?: number): string {
  return pyJsonDumps(v, indent === undefined ? {} : { indent });
}

describe("snapshotJsonDumps writes what pyJsonDumps writes", () => {
  it("for random JSON values (unicode, astral and lone surrogates, -0, 1e21, 5e-324, big ints, empty and nested containers, odd keys)", () => {
    fc.assert(
      fc.property(jsonValue, (v) => {
        const snapshot = plainJson(v);
        for (const indent of [undefined, 0, 2, 4]) expect(snapshotJsonDumps(snapshot, indent)).toBe(reference(v, indent));
      }),
      { numRuns: 1000 },
    );
  });

  it("for what Python wrote (fixtures/pyjson.json, by scripts/gen-pyjson-fixtures.py)", () => {
    const golden: Array<{ value: string; compact: string; indent4: string }> = JSON.parse(readFileSync(join(import.meta.dirname, "..", "fixtures", "pyjson.json"), "utf8"));
    expect(golden.length).toBeGreaterThan(250);
    for (const g of golden) {
      const snapshot = plainJson(JSON.parse(g.value));
      expect(snapshotJsonDumps(snapshot), g.value).toBe(g.compact);
      expect(snapshotJsonDumps(snapshot, 4), g.value).toBe(g.indent4);
    }
  });

  it("for the snapshot of getters, toJSON, class instances, boxed primitives and Dates", () => {
    class Point {
      constructor(
        public x: number,
        public y: number,
      ) {}
      get norm() {
        return Math.hypot(this.x, this.y); // on the prototype: not read
      }
    }
    let reads = 0;
    const value = {
      point: new Point(1, -0),
      get counted() {
        return ++reads;
      },
      custom: { toJSON: (key: string) => ({ key, list: [1e-7, "x\ud800"] }) },
      boxed: [new String("s"), new Number(0.1), new Boolean(false)],
      date: new Date(Date.UTC(2024, 0, 2)),
      skipped: undefined,
    };
    const snapshot = plainJson(value);
    expect(reads).toBe(1);
    for (const indent of [undefined, 4]) expect(snapshotJsonDumps(snapshot, indent)).toBe(reference(snapshot, indent));
    expect(snapshotJsonDumps(snapshot)).toBe(
      '{"point": {"x": 1, "y": 0}, "counted": 1, "custom": {"key": "custom", "list": [1e-07, "x\ud800"]}, "boxed": ["s", 0.1, false], "date": "2024-01-02T00:00:00.000Z"}',
    );
  });

  it("never sees what the snapshot refuses: NaN, ±Infinity, cycles (a SerializationError naming the path, from rendering too)", () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    for (const bad of [NaN, Infinity, -Infinity, cyclic, [1, [undefined]]]) {
      expect(() => plainJson({ v: bad })).toThrow(SerializationError);
      const messages: ChatMessage[] = [
        { role: "user", content: "hi" },
        { role: "assistant", tool_calls: [{ id: "c", type: "function", function: { name: "f", arguments: { v: bad } } }] },
      ];
      for (let i = 0; i < 2; i++) {
        // twice: the second render has the first one's snapshots to reuse
        const error = (() => {
          try {
            renderPrompt(messages);
          } catch (e) {
            return e;
          }
          return undefined;
        })();
        expect(error).toBeInstanceOf(SerializationError);
        expect((error as SerializationError).path.slice(0, 6)).toEqual(["messages", 1, "tool_calls", 0, "function", "arguments"]);
      }
    }
  });
});

// ------------------------------------------------------------------------------------------------
// Numbers and strings
// ------------------------------------------------------------------------------------------------

/** Python's float repr, written out: shortest round-trip digits, exponent form below 1e-4 and from 1e16 on. */
function pythonRepr(n: number): string {
  if (Number.isSafeInteger(n)) return String(n); // a Python int (see pyNumber)
  const [digits, exp] = n.toExponential().split("e") as [string, string];
  const e = Number(exp);
  if (e < -4 || e >= 16) return `${digits}e${e < 0 ? "-" : "+"}${String(Math.abs(e)).padStart(2, "0")}`;
  // fixed notation: the same digits, with ".0" for an integer
  const [int, frac = ""] = digits.replace("-", "").split(".") as [string, string?];
  const all = int + frac;
  const point = e + 1;
  const fixed = point <= 0 ? "0." + "0".repeat(-point) + all : point >= all.length ? all + "0".repeat(point - all.length) + ".0" : all.slice(0, point) + "." + all.slice(point);
  return (n < 0 ? "-" : "") + fixed;
}

/** Python's json string escape (ensure_ascii=False), written out char by char. */
function pythonJsonString(s: string): string {
  const table: Record<string, string> = { '"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f" };
  let out = '"';
  for (const c of s.split("")) out += table[c] ?? (c.charCodeAt(0) < 0x20 ? "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0") : c);
  return out + '"';
}

describe("pyNumber and pyJsonString fast paths", () => {
  it("pyNumber writes Python's repr for any finite double", () => {
    fc.assert(
      fc.property(fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(...NASTY_NUMBERS), fc.double({ min: 1e-5, max: 1e17, noNaN: true })), (n) => {
        expect(pyNumber(n)).toBe(pythonRepr(n));
        expect(Number(pyNumber(n))).toBe(n === 0 ? 0 : n); // round-trips (-0 is the int 0)
      }),
      { numRuns: 5000 },
    );
  });

  it("pyJsonString escapes as Python does, lone surrogates written as they are", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: "binary" }), fc.constantFrom(...NASTY_STRINGS), fc.array(fc.constantFrom(...NASTY_STRINGS)).map((a) => a.join(""))), (s) => {
        expect(pyJsonString(s)).toBe(pythonJsonString(s));
      }),
      { numRuns: 2000 },
    );
  });
});

// ------------------------------------------------------------------------------------------------
// The prompt string against the checked segments
// ------------------------------------------------------------------------------------------------

/** Text dense in pieces of special tokens, so that tokens form inside fields and across them. */
const FRAGMENTS = ["<", "|", "<|", "|>", "eot_id", "<|eot_id|>", "<|start_header_id|>", "<|image|>", "<|python_tag|>", "a", " ", "\n", "é"];
const text = fc.array(fc.constantFrom(...FRAGMENTS), { maxLength: 5 }).map((a) => a.join(""));

const message: fc.Arbitrary<ChatMessage> = fc.oneof(
  fc.record({ role: fc.constantFrom("user" as const, "system" as const), content: text }),
  fc.record({ role: fc.constant("user" as const), content: fc.array(fc.record({ type: fc.constant("text" as const), text }), { minLength: 1, maxLength: 3 }) }),
  fc.record({ role: fc.constant("assistant" as const), content: text }),
  fc.record({
    role: fc.constant("assistant" as const),
    tool_calls: fc.tuple(fc.dictionary(text, fc.oneof(text, num), { maxKeys: 3 }), fc.boolean()).map(([args, asString]) => [
      { id: "c1", type: "function" as const, function: { name: "get_weather", arguments: asString ? JSON.stringify(args) : args } },
    ]),
  }),
  fc.record({ role: fc.constant("tool" as const), content: fc.oneof(text, fc.dictionary(text, text, { maxKeys: 2 })) }),
);

const options: fc.Arbitrary<PromptOptions> = fc.record(
  {
    specialTokens: fc.constantFrom("reject" as const, "strip" as const, "allow" as const),
    dialect: fc.constantFrom("hf" as const, "meta" as const),
    addBos: fc.boolean(),
    dateString: text,
    tools: fc.constant([{ type: "function", function: { name: "get_weather", description: "<|", parameters: { type: "object", properties: {} } } }]),
  },
  { requiredKeys: ["specialTokens"] },
);

/** What a call gives: its result, or the error's class, code, path and message. */
function outcome(f: () => string): unknown {
  try {
    return { ok: f() };
  } catch (e) {
    const { name, code, path, message } = e as { name: string; code: string; path: unknown; message: string };
    return { name, code, path, message };
  }
}

describe("renderPrompt's string equals renderSegments' checked segments joined", () => {
  it("for conversations dense in token pieces, under every policy, both dialects, with and without BOS", () => {
    fc.assert(
      fc.property(fc.array(message, { minLength: 1, maxLength: 5 }), options, (messages, opts) => {
        const string = outcome(() => renderPrompt(messages, opts));
        expect(string).toEqual(outcome(() => segmentsToString(renderSegments(messages, opts))));
        // and again: the second render reuses the first one's snapshots
        expect(outcome(() => renderPrompt(messages, opts))).toEqual(string);
      }),
      { numRuns: 1500 },
    );
  });

  it("a token split across two pieces of text, or two fields, is found", () => {
    const messages: ChatMessage[] = [{ role: "user", content: [{ type: "text", text: "a <" }, { type: "text", text: "|eot_id|> b" }] }];
    // hf joins text parts with "\n": no token; meta writes them back to back: a token.
    expect(renderPrompt(messages)).toContain("a <\n|eot_id|> b");
    expect(() => renderPrompt(messages, { dialect: "meta" })).toThrow(/together/);
    const split: ChatMessage[] = [{ role: "user", content: [{ type: "text", text: "<" }, { type: "text", text: "|eot_id|>" }] }];
    expect(renderPrompt(split, { dialect: "meta", specialTokens: "strip" })).toBe(segmentsToString(renderSegments(split, { dialect: "meta", specialTokens: "strip" })));
  });
});

// ------------------------------------------------------------------------------------------------
// Snapshots of arguments and tool results kept from the previous render
// ------------------------------------------------------------------------------------------------

describe("the argument and tool-result snapshots kept between renders", () => {
  const fresh = (messages: ChatMessage[], opts?: PromptOptions) => renderPrompt(structuredClone(messages), opts);

  it("any sequence of edits to the same message objects renders as a fresh copy would", () => {
    const edit = fc.oneof(
      fc.record({ kind: fc.constant("argument" as const), key: fc.constantFrom("a", "b", "__proto__", "1"), value: fc.jsonValue({ maxDepth: 2 }) }),
      fc.record({ kind: fc.constant("delete" as const), key: fc.constantFrom("a", "b", "__proto__", "1") }),
      fc.record({ kind: fc.constant("nested" as const), value: fc.oneof(text, fc.integer(), fc.constant(-0), fc.double({ noNaN: true, noDefaultInfinity: true })) }),
      fc.record({ kind: fc.constant("result" as const), value: fc.oneof(text, fc.jsonValue({ maxDepth: 2 })) }),
      fc.record({ kind: fc.constant("string arguments" as const), value: fc.dictionary(fc.string({ maxLength: 3 }), text, { maxKeys: 2 }) }),
      fc.record({ kind: fc.constant("policy" as const), value: fc.constantFrom("reject" as const, "strip" as const, "allow" as const) }),
    );
    fc.assert(
      fc.property(fc.array(edit, { maxLength: 10 }), (edits) => {
        const args: Record<string, unknown> = { a: 1, b: { list: [1, "x"] } };
        const call = { id: "c1", type: "function" as const, function: { name: "f", arguments: args as Record<string, unknown> | string } };
        const result = { role: "tool" as const, tool_call_id: "c1", content: { ok: true } as unknown };
        const messages: ChatMessage[] = [{ role: "user", content: "hi" }, { role: "assistant", tool_calls: [call] }, result];
        let opts: PromptOptions = {};
        for (const e of edits) {
          if (e.kind === "argument") Object.defineProperty(args, e.key, { value: e.value, enumerable: true, writable: true, configurable: true });
          else if (e.kind === "delete") delete args[e.key];
          else if (e.kind === "nested") ((args.b ??= { list: [] }) as { list?: unknown[] }).list?.push(e.value);
          else if (e.kind === "result") result.content = e.value;
          else if (e.kind === "string arguments") call.function.arguments = JSON.stringify(e.value);
          else opts = { specialTokens: e.value };
          expect(outcome(() => renderPrompt(messages, opts))).toEqual(outcome(() => fresh(messages, opts)));
        }
      }),
      { numRuns: 300 },
    );
  });

  it("reads every property on every render: a getter's answer each time is what is written", () => {
    let n = 0;
    const args = {
      get city() {
        return `Paris ${++n}`;
      },
    };
    const messages: ChatMessage[] = [
      { role: "user", content: "hi" },
      { role: "assistant", tool_calls: [{ id: "c1", type: "function", function: { name: "f", arguments: args } }] },
    ];
    expect(renderPrompt(messages)).toContain('"parameters": {"city": "Paris 1"}');
    expect(renderPrompt(messages)).toContain('"parameters": {"city": "Paris 2"}');
    expect(n).toBe(2);
  });

  it("the same JSON string of arguments under each policy in turn", () => {
    const messages: ChatMessage[] = [
      { role: "user", content: "hi" },
      { role: "assistant", tool_calls: [{ id: "c1", type: "function", function: { name: "f", arguments: '{"q": "a<|eot_id|>b"}' } }] },
    ];
    for (let turn = 0; turn < 2; turn++) {
      expect(() => renderPrompt(messages)).toThrow(/eot_id/);
      expect(renderPrompt(messages, { specialTokens: "strip" })).toContain('{"q": "ab"}');
      expect(renderPrompt(messages, { specialTokens: "allow" })).toContain('{"q": "a<|eot_id|>b"}');
    }
  });
});

describe("tool definitions compared with the previous call's at the same index", () => {
  const MESSAGES: ChatMessage[] = [{ role: "user", content: "What is the weather in Paris?" }];
  const tool = (name: string, description: string) => ({
    type: "function",
    function: { name, description, parameters: { type: "object", properties: { city: { type: "string" } } as Record<string, unknown> } },
  });
  type Tool = ReturnType<typeof tool>;

  it("fresh copies of edited definitions, every call, render as with no previous call", () => {
    const edit = fc.oneof(
      fc.record({ kind: fc.constant("description" as const), tool: fc.nat(3), text: fc.oneof(fc.string({ maxLength: 4 }), fc.constantFrom("zero", "one")) }),
      fc.record({ kind: fc.constant("property" as const), tool: fc.nat(3), key: fc.constantFrom("city", "a", "__proto__", "1"), value: fc.jsonValue({ maxDepth: 2 }) }),
      fc.record({ kind: fc.constant("delete" as const), tool: fc.nat(3), key: fc.constantFrom("city", "a", "__proto__", "1") }),
      fc.record({ kind: fc.constant("reorder keys" as const), tool: fc.nat(3) }),
      fc.record({ kind: fc.constant("swap" as const), tool: fc.nat(3) }),
      fc.record({ kind: fc.constant("none" as const) }),
    );
    fc.assert(
      fc.property(fc.array(edit, { minLength: 1, maxLength: 8 }), (edits) => {
        let tools: Tool[] = [tool("t0", "zero"), tool("t1", "one"), tool("t2", "two")];
        for (const e of edits) {
          const next = structuredClone(tools);
          if (e.kind !== "none") {
            const i = e.tool % next.length;
            const props = next[i]!.function.parameters.properties;
            if (e.kind === "description") next[i]!.function.description = e.text;
            else if (e.kind === "property") Object.defineProperty(props, e.key, { value: e.value, enumerable: true, writable: true, configurable: true });
            else if (e.kind === "delete") delete props[e.key];
            else if (e.kind === "reorder keys") next[i]!.function = { parameters: next[i]!.function.parameters, description: next[i]!.function.description, name: next[i]!.function.name };
            else next.push(next.splice(i, 1)[0]!);
          }
          // What a render with nothing to reuse writes (tools: [] forgets the previous call's definitions).
          renderPrompt(MESSAGES, { tools: [] });
          const expected = renderPrompt(MESSAGES, { tools: structuredClone(next) });
          // The call before (itself with nothing to reuse): the definitions before the edit, as fresh
          // objects; then the edited ones.
          renderPrompt(MESSAGES, { tools: [] });
          renderPrompt(MESSAGES, { tools: structuredClone(tools) });
          expect(renderPrompt(MESSAGES, { tools: next })).toBe(expected);
          tools = next;
        }
      }),
      { numRuns: 300 },
    );
  });
});
