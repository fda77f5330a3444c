/**
 * Hostile arguments to the parser's public functions — parseAssistantOutput, createStreamParser
 * (push / end / reset), parseStream: whatever they are given, they throw a typed LlamaPromptError
 * (or pass on an error the caller's own code threw), never a raw TypeError or RangeError.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isLlamaPromptError, type LlamaPromptError } from "../src/base/errors.js";
import { createStreamParser, parseAssistantOutput, parseStream } from "../src/parse/index.js";

function revoked(): object {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
}
/** A Proxy whose every trap throws. */
function trapped(): object {
  const boom = () => {
    throw new TypeError("trap");
  };
  return new Proxy({}, { get: boom, has: boom, ownKeys: boom, getOwnPropertyDescriptor: boom, getPrototypeOf: boom });
}
function deep(n: number): unknown {
  let v: unknown = {};
  for (let i = 0; i < n; i++) v = { a: v };
  return v;
}
const throwingGetter = (key: string): object =>
  Object.defineProperty({}, key, {
    enumerable: true,
    get() {
      throw new RangeError("getter");
    },
  });

/** Values no public argument should ever be, each of them somewhere. */
const HOSTILE: unknown[] = [
  null, undefined, 0, -1, 1.5, NaN, Infinity, 10n ** 40n, Symbol("s"), () => "x", class {}, "", "x".repeat(100),
  [], [1, , 3], new Uint8Array(3), new ArrayBuffer(2), new Date(NaN), new Map(), new Set(), new String("x"), Object.create(null),
  revoked(), trapped(), deep(10_000), throwingGetter("text"), throwingGetter("tools"), { text: 1n }, { text: "x", id: 10n },
  { text: "x", id: NaN }, { text: "x", id: Infinity }, { text: "x", special: 1 }, { text: Symbol("t") }, { toString: () => { throw new TypeError("ts"); } },
];

/** Runs `f`; what it throws must be one of ours (or `allowed`). */
function typedOrNothing(f: () => unknown, label: string, allowed?: unknown): void {
  try {
    f();
  } catch (e) {
    if (e === allowed) return;
    expect(isLlamaPromptError(e), `${label}: threw ${String((e as Error)?.constructor?.name)} ${String((e as Error)?.message)}`).toBe(true);
    // building its message never threw, and it has a path
    expect(typeof (e as LlamaPromptError).message).toBe("string");
    expect(Array.isArray((e as LlamaPromptError).path)).toBe(true);
  }
}

async function typedOrNothingAsync(f: () => Promise<unknown>, label: string, allowed?: unknown): Promise<void> {
  try {
    await f();
  } catch (e) {
    if (e === allowed) return;
    expect(isLlamaPromptError(e), `${label}: threw ${String((e as Error)?.constructor?.name)} ${String((e as Error)?.message)}`).toBe(true);
  }
}

/** An iterator `next` that returns `first`, then ends. */
function once(first: unknown): () => unknown {
  let n = 0;
  return () => (n++ === 0 ? first : { done: true, value: undefined });
}

async function drain(source: unknown, options?: unknown): Promise<void> {
  for await (const _ of parseStream(source as never, options as never)) void _;
}

describe("hostile arguments to the parser's public functions", () => {
  it("parseAssistantOutput(text, options)", () => {
    HOSTILE.forEach((v, i) => {
      typedOrNothing(() => parseAssistantOutput(v as string), `text #${i}`);
      typedOrNothing(() => parseAssistantOutput("x", v as never), `options #${i}`);
      for (const key of ["tools", "builtinTools", "createId", "maxToolCallChars", "nope"]) {
        typedOrNothing(() => parseAssistantOutput('{"name": "f", "parameters": {}}', { [key]: v } as never), `options.${key} #${i}`);
        typedOrNothing(() => parseAssistantOutput('{"name": "f", "parameters": {}}', { [key]: [v] } as never), `options.${key}[0] #${i}`);
      }
    });
  });

  it("createStreamParser(options).push(chunk) / end() / reset()", () => {
    HOSTILE.forEach((v, i) => {
      typedOrNothing(() => createStreamParser(v as never), `options #${i}`);
      const p = createStreamParser();
      typedOrNothing(() => p.push(v as string), `chunk #${i}`);
      typedOrNothing(() => p.push({ text: "x", id: v, special: v } as never), `chunk fields #${i}`);
      // a failed push leaves the parser usable
      expect(p.push("ok").length + p.end().length).toBeGreaterThan(0);
      p.reset();
    });
  });

  it("createId returning or throwing anything", () => {
    HOSTILE.forEach((v, i) => {
      const createId = () => {
        if (typeof v === "function") return (v as () => unknown)();
        return v;
      };
      typedOrNothing(() => parseAssistantOutput('{"name": "f", "parameters": {}}', { createId: createId as () => string }), `createId #${i}`);
    });
    // a class constructor called without new throws a TypeError inside the parser: reported typed
    typedOrNothing(() => parseAssistantOutput('{"name": "f", "parameters": {}}', { createId: class {} as never }), "createId class");
    expect(() => parseAssistantOutput('{"name": "f", "parameters": {}}', { createId: class {} as never })).toThrow(/createId threw \(TypeError/);
  });

  it("parseStream(source, options): sources and iterators of every kind", async () => {
    for (const [i, v] of HOSTILE.entries()) {
      await typedOrNothingAsync(() => drain(v), `source #${i}`);
      await typedOrNothingAsync(() => drain(["x"], v), `options #${i}`);
      await typedOrNothingAsync(() => drain([v]), `chunk #${i}`);
      await typedOrNothingAsync(() => drain({ [Symbol.asyncIterator]: () => ({ next: once(v) }) }), `iterator result #${i}`);
      await typedOrNothingAsync(() => drain({ [Symbol.asyncIterator]: () => ({ next: once(Promise.resolve({ done: false, value: v })) }) }), `value #${i}`);
      await typedOrNothingAsync(() => drain({ [Symbol.asyncIterator]: () => v }), `iterator #${i}`);
      await typedOrNothingAsync(() => drain({ [Symbol.iterator]: () => ({ next: once(v) }) }), `sync iterator result #${i}`);
    }
    // what the caller's own code throws is passed on unchanged
    const own = new TypeError("fetch failed");
    await typedOrNothingAsync(
      () => drain({ [Symbol.asyncIterator]: () => ({ next: async () => Promise.reject(own) }) }),
      "source error",
      own,
    );
    await expect(drain({ [Symbol.asyncIterator]: () => ({ next: async () => Promise.reject(own) }) })).rejects.toBe(own);
  });

  it("arbitrary values anywhere (fast-check)", () => {
    fc.assert(
      fc.property(fc.anything({ withBigInt: true, withMap: true, withSet: true, withTypedArray: true, withSparseArray: true, withNullPrototype: true }), (v) => {
        typedOrNothing(() => parseAssistantOutput(v as string), "text");
        typedOrNothing(() => parseAssistantOutput("x", v as never), "options");
        typedOrNothing(() => createStreamParser().push(v as string), "chunk");
        typedOrNothing(() => parseAssistantOutput("x", { tools: v } as never), "tools");
        typedOrNothing(() => parseAssistantOutput("x", { maxToolCallChars: v } as never), "maxToolCallChars");
      }),
      { numRuns: 500 },
    );
  });
});
