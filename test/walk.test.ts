/**
 * The shared value walker (src/base/walk.ts) and the serialisers and check written through it: the
 * depth and cycle guards hold for every one of them, with typed errors (never a RangeError).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SerializationError } from "../src/base/errors.js";
import { pyJsonDumps } from "../src/base/python.js";
import { MAX_JSON_DEPTH, walkJson, type JsonStyle } from "../src/base/walk.js";
import { unrenderableArguments } from "../src/parse/renderable.js";
import { formatPythonListValue } from "../src/prompt/meta/dialect.js";
import { pyRepr, jinjaToJson } from "../src/prompt/meta/system-prompts.js";

/** A style that writes leaves as JSON, for testing the walk itself. */
const PLAIN: JsonStyle = { leaf: (v) => JSON.stringify(v), key: (k) => `${JSON.stringify(k)}: ` };

function nested(depth: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = [v];
  return v;
}

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  return undefined;
}

describe("walkJson", () => {
  it("writes brackets and separators; the style writes leaves and keys", () => {
    expect(walkJson({ a: [1, "x", null], b: {} }, PLAIN)).toBe('{"a": [1, "x", null], "b": {}}');
    expect(walkJson([[1], { k: 2 }], { ...PLAIN, indent: 2 })).toBe('[\n  [\n    1\n  ],\n  {\n    "k": 2\n  }\n]');
    expect(walkJson({ b: 1, a: 2 }, { ...PLAIN, keys: (o) => Object.keys(o).sort() })).toBe('{"a": 2, "b": 1}');
  });

  it("refuses nesting at maxDepth with a SerializationError naming the path (at most 20 keys)", () => {
    expect(walkJson(nested(MAX_JSON_DEPTH), PLAIN)).toBe("[".repeat(MAX_JSON_DEPTH) + "1" + "]".repeat(MAX_JSON_DEPTH));
    const e = thrown(() => walkJson(nested(MAX_JSON_DEPTH + 1), PLAIN, ["options", "x"]));
    expect(e).toBeInstanceOf(SerializationError);
    expect((e as SerializationError).message).toContain(`nested deeper than ${MAX_JSON_DEPTH} levels`);
    expect((e as SerializationError).path).toEqual(["options", "x", ...new Array(18).fill(0)]);
    expect(thrown(() => walkJson(nested(4), { ...PLAIN, maxDepth: 3 }))).toBeInstanceOf(SerializationError);
    expect(walkJson(nested(3), { ...PLAIN, maxDepth: 3 })).toBe("[[[1]]]");
  });

  it("refuses a cycle with a SerializationError at the path where it closes; shared (acyclic) values are fine", () => {
    const a: unknown[] = [1];
    const o = { list: a };
    a.push(o);
    const e = thrown(() => walkJson(o, PLAIN, ["v"]));
    expect(e).toBeInstanceOf(SerializationError);
    expect((e as SerializationError).path).toEqual(["v", "list", 1]);
    expect((e as SerializationError).message).toContain("circular reference");
    const shared = { x: 1 };
    expect(walkJson([shared, shared], PLAIN)).toBe('[{"x": 1}, {"x": 1}]');
    expect((thrown(() => walkJson(o, { ...PLAIN, pathless: true })) as SerializationError).path).toEqual([]);
  });

  it("every serialiser and the parser's check stop at a cycle or excessive depth with a typed error or a reason", () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const deep = nested(5000);
    for (const v of [cyclic, deep]) {
      for (const f of [() => pyJsonDumps(v), () => pyRepr(v), () => jinjaToJson(v), () => formatPythonListValue(v)]) {
        expect(thrown(f)).toBeInstanceOf(SerializationError);
      }
    }
    expect(unrenderableArguments({ a: deep })).toBe("arguments are nested deeper than 999 levels");
  });

  it("the parser's check names the first problem in document order, keys of an object before its values", () => {
    expect(unrenderableArguments({ a: [1, Infinity], b: "<|eot_id|>" })).toBe("argument a[1] is not a finite number (Infinity); JSON has no such value");
    expect(unrenderableArguments({ a: NaN, "<|eom_id|>": 1 })).toBe('argument name "<|eom_id|>" contains the special token <|eom_id|>');
    expect(unrenderableArguments({ x: { y: "a<|python_tag|>" } })).toBe("argument x.y contains the special token <|python_tag|>");
    expect(unrenderableArguments({ ok: [1, "two", { three: null }] })).toBeUndefined();
  });

  it("pyJsonDumps of any JSON value agrees with JSON.stringify up to Python's separators", () => {
    fc.assert(
      fc.property(fc.jsonValue({ noUnicodeString: false }), (v) => {
        const ours = pyJsonDumps(v, { indent: 2 });
        // integers and strings print the same; floats may differ in exponent form, so compare parsed
        expect(JSON.parse(ours)).toEqual(JSON.parse(JSON.stringify(v, null, 2)));
      }),
      { numRuns: 500 },
    );
  });
});
