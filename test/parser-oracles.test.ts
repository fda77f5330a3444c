/**
 * Other projects' expectations (fixtures/oracles/peer-parse-cases.json: cases from the parser tests of
 * vLLM, SGLang, llama.cpp, llama-stack, Meta's llama-models and ollama, each naming its repository,
 * file and commit) run through our parser.
 *
 * Every case agrees with its peer, or is listed in DIFFERENCES with the reason and what we return
 * instead; docs/parser.md lists the same ids. A disagreement that is not listed fails.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { InvalidOptionsError } from "../src/base/errors.js";
import { createStreamParser, parseAssistantOutput, type ParseOptions } from "../src/parse/index.js";
import { checkEvents, run, withoutIds } from "./parser-helpers.js";

interface Call {
  name: string;
  arguments: Record<string, unknown>;
}
interface Expect {
  calls?: Call[];
  callNames?: string[];
  argsSubset?: Array<Record<string, unknown>>;
  content?: string;
  contentIncludes?: string;
  contentStartsWith?: string;
  callCount?: number;
  callNamesAt?: Record<string, string>;
  firstCall?: Call;
}
interface PeerCase {
  id: string;
  source: string;
  peerTest: string;
  input: string;
  options?: ParseOptions;
  peerChunks?: string[];
  /** "prefix": the input is a stream cut short, never finalised (what the parser emitted so far). */
  mode?: "prefix";
  expect: Expect;
  peerAssert?: string;
}
interface PeerFile {
  sources: Record<string, { repo: string; path: string; commit: string; peerTools: string | null; note: string }>;
  cases: PeerCase[];
}

const root = join(import.meta.dirname, "..");
const data = JSON.parse(readFileSync(join(root, "fixtures", "oracles", "peer-parse-cases.json"), "utf8")) as PeerFile;

interface Ours {
  content: string;
  calls: Call[];
}

/** What our parser returns for a case: the final message, or (prefix mode) what it emitted so far. */
function ours(c: PeerCase, options: ParseOptions | undefined = c.options): Ours {
  if (c.mode === "prefix") {
    const p = createStreamParser(options);
    const events = (c.peerChunks ?? [c.input]).flatMap((chunk) => p.push(chunk));
    return {
      content: events.map((e) => (e.type === "text-delta" ? e.text : "")).join(""),
      calls: events.flatMap((e) => (e.type === "tool-call-end" ? [{ name: e.toolCall.name, arguments: e.toolCall.arguments }] : [])),
    };
  }
  const m = parseAssistantOutput(c.input, options);
  if (c.peerChunks) expect(withoutIds(checkEvents(run(c.peerChunks, options)))).toEqual(withoutIds(m)); // the peer's chunking
  return { content: m.content, calls: m.toolCalls.map((t) => ({ name: t.name, arguments: t.arguments })) };
}

/** The peer's expectations ours does not meet (content compared trimmed: ours is `strip()`ped). */
function disagreements(r: Ours, e: Expect, callsOnly = false): string[] {
  const out: string[] = [];
  const eq = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  const subset = (a: unknown, s: unknown): boolean =>
    s === null || typeof s !== "object"
      ? eq(a, s)
      : a !== null && typeof a === "object" && Object.entries(s).every(([k, v]) => subset((a as Record<string, unknown>)[k], v));
  if (e.calls && !eq(r.calls, e.calls)) out.push("calls");
  if (e.callNames && !eq(r.calls.map((c) => c.name), e.callNames)) out.push("callNames");
  if (e.argsSubset && !e.argsSubset.every((s, i) => r.calls[i] !== undefined && subset(r.calls[i]!.arguments, s))) out.push("argsSubset");
  if (e.callCount !== undefined && r.calls.length !== e.callCount) out.push("callCount");
  if (e.callNamesAt && !Object.entries(e.callNamesAt).every(([i, n]) => r.calls[Number(i)]?.name === n)) out.push("callNamesAt");
  if (e.firstCall && !eq(r.calls[0], e.firstCall)) out.push("firstCall");
  if (callsOnly) return out;
  if (e.content !== undefined && r.content !== e.content.trim()) out.push("content");
  if (e.contentIncludes !== undefined && !r.content.includes(e.contentIncludes)) out.push("contentIncludes");
  if (e.contentStartsWith !== undefined && !r.content.startsWith(e.contentStartsWith)) out.push("contentStartsWith");
  return out;
}

/** The input, kept as content: no call. */
const TEXT = Symbol("the input as content, no call");

interface Difference {
  /** One of the documented reasons (docs/parser.md, "Where we differ from other parsers"). */
  reason:
    | "undeclared name inside a sentence"
    | "prose kept beside calls"
    | "all-or-nothing lists"
    | "Llama 4 tokens are not Llama 3"
    | "non-identifier names must be declared"
    | "a non-call does not stop the search"
    | "built-ins are Llama 3.1's";
  /** What we return for the case as given. */
  ours: typeof TEXT | Ours | { throws: RegExp };
  /** With these names declared (`tools`), our calls agree with the peer's. */
  declared?: string[];
}

const DIFFERENCES: Record<string, Difference> = {
  "vllm-json-simple": { reason: "undeclared name inside a sentence", ours: TEXT, declared: ["getOpenIncidentsTool"] },
  "vllm-json-multiple-surrounding-text": { reason: "undeclared name inside a sentence", ours: TEXT, declared: ["searchTool", "getOpenIncidentsTool"] },
  "vllm-pythonic-bad-sibling": { reason: "all-or-nothing lists", ours: TEXT },
  "vllm-pythonic-non-finite": { reason: "all-or-nothing lists", ours: TEXT },
  "vllm-pythonic-unparsable-sibling": { reason: "all-or-nothing lists", ours: TEXT },
  "ollama-list-partial": { reason: "all-or-nothing lists", ours: { content: "", calls: [] } },
  "vllm-llama4-python-start-end": { reason: "Llama 4 tokens are not Llama 3", ours: TEXT },
  "vllm-llama4-python-start-unclosed": { reason: "Llama 4 tokens are not Llama 3", ours: TEXT },
  "vllm-llama4-large-steps": { reason: "Llama 4 tokens are not Llama 3", ours: TEXT },
  "sglang-pythonic-python-start-end": {
    reason: "Llama 4 tokens are not Llama 3",
    ours: { content: "Here's a call: <|python_start|><|python_end|>", calls: [{ name: "get_weather", arguments: { location: "Tokyo", data: [1, 2, 3] } }] },
  },
  "sglang-pythonic-python-start-mid-text": {
    reason: "Llama 4 tokens are not Llama 3",
    ours: {
      content: "User wants to get the weather in Mars. <|python_start|><|python_end|> In this way we will get the weather in Mars.",
      calls: [{ name: "get_weather", arguments: { location: "Mars", unit: "celsius" } }],
    },
  },
  "stack-hyphenated-name": { reason: "non-identifier names must be declared", ours: TEXT, declared: ["weather-forecast"] },
  "stack-single-quotes-hyphen": { reason: "non-identifier names must be declared", ours: TEXT, declared: ["add-note"] },
  "ollama-json-object-then-call": {
    reason: "a non-call does not stop the search",
    ours: { content: '{"name": "jeff"}', calls: [{ name: "get_conditions", arguments: { location: "San Francisco" } }] },
  },
  "ollama-json-object-then-call-split": {
    reason: "a non-call does not stop the search",
    ours: { content: '{"name": "jeff"}', calls: [{ name: "get_conditions", arguments: { location: "San Francisco" } }] },
  },
  "ollama-list-trailing-bracket": {
    reason: "prose kept beside calls",
    ours: { content: "]", calls: [{ name: "get_conditions", arguments: { location: "Tokyo" } }] },
  },
  "llamacpp-llama31-python-call": { reason: "built-ins are Llama 3.1's", ours: { throws: /options\.builtinTools\[0\]: expected one of brave_search/ } },
};

/** Peer cases that expect no content where we keep the prose around the calls (their expectation is met otherwise). */
const PROSE_KEPT = ["vllm-json-simple", "vllm-json-multiple-surrounding-text"];

describe("other projects' parser expectations (fixtures/oracles/peer-parse-cases.json)", () => {
  it("keeps its attribution: every case names a source with repository, file and commit", () => {
    expect(data.cases.length).toBeGreaterThanOrEqual(100);
    for (const c of data.cases) {
      const s = data.sources[c.source];
      expect(s, c.id).toBeDefined();
      expect(s!.repo, c.id).toMatch(/\//);
      expect(s!.path, c.id).not.toBe("");
      expect(s!.commit, c.id).toMatch(/^[0-9a-f]{40}$/);
    }
    expect(new Set(data.cases.map((c) => c.id)).size).toBe(data.cases.length);
  });

  it("lists only existing cases as differences, and docs/parser.md names every one", () => {
    const ids = new Set(data.cases.map((c) => c.id));
    const doc = readFileSync(join(root, "docs", "parser.md"), "utf8");
    for (const id of Object.keys(DIFFERENCES)) {
      expect(ids.has(id), id).toBe(true);
      expect(doc, `docs/parser.md does not name ${id}`).toContain(`\`${id}\``);
    }
  });

  for (const c of data.cases) {
    const diff = DIFFERENCES[c.id];
    if (diff === undefined) {
      it(`${c.id}: agrees (${c.source})`, () => {
        expect(disagreements(ours(c), c.expect)).toEqual([]);
      });
      continue;
    }
    it(`${c.id}: differs on purpose — ${diff.reason}`, () => {
      const expected = diff.ours;
      if (typeof expected === "object" && "throws" in expected) {
        expect(() => ours(c)).toThrow(InvalidOptionsError);
        expect(() => ours(c)).toThrow(expected.throws);
      } else {
        const r = ours(c);
        expect(r).toEqual(expected === TEXT ? { content: c.input, calls: [] } : expected);
        expect(disagreements(r, c.expect)).not.toEqual([]); // still a difference (else drop it from the list)
      }
      if (diff.declared) {
        const declared = ours(c, { ...c.options, tools: diff.declared });
        expect(disagreements(declared, c.expect, true)).toEqual([]);
        if (PROSE_KEPT.includes(c.id)) expect(declared.content).not.toBe("");
      }
    });
  }

  it("llamacpp-llama31-python-call: with `python` offered as a custom tool, the python_tag region is code", () => {
    const c = data.cases.find((x) => x.id === "llamacpp-llama31-python-call")!;
    const m = parseAssistantOutput(c.input, { tools: ["special_function", "python"] });
    expect(m.toolCalls.map((t) => [t.name, t.format, t.arguments])).toEqual([["code_interpreter", "code", { code: "python.call(code=\"print('hey')\")" }]]);
  });
});
