/**
 * The special-token guard tested as an attacker would (issue 9): every control token — named and
 * reserved — split across every pair of adjacent fields of every message shape, in both dialects,
 * every tool prompt format, under `reject` and `strip`. The oracle is the real Llama 3 tokenizer
 * with special-token parsing ON (as TGI and vLLM tokenize a prompt string): it must find exactly as
 * many special-token ids in `renderPrompt`'s string as `renderSegments` has special segments.
 *
 * Seeded. `INJECTION_FUZZ_CASES` sets the number of cases (default 3000), `INJECTION_FUZZ_SEED`
 * the seed: `INJECTION_FUZZ_CASES=100000 npx vitest run test/injection-fuzz.test.ts` is the long run.
 */
import { describe, expect, it } from "vitest";
import {
  isLlamaPromptError,
  isSpecialTokenId,
  renderPrompt,
  renderSegments,
  specialTokenName,
  SpecialTokenError,
  type ChatMessage,
  type RenderOptions,
} from "../src/index.js";
import { lenmlTokenizer } from "./helpers/tokenizer.js";

const CASES = Number(process.env.INJECTION_FUZZ_CASES ?? 3000);
const SEED = Number(process.env.INJECTION_FUZZ_SEED ?? 20260109);

/** mulberry32: a small seeded PRNG. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** All 256 special tokens of Llama 3.1: 8 named, 248 reserved. */
const TOKENS: string[] = [];
for (let id = 128000; id <= 128255; id++) TOKENS.push(specialTokenName(id)!);

type Dialect = "hf" | "meta";

/**
 * A message shape: `slots` strings placed into fields, listed in the order the renderer writes them,
 * so slots i and i+1 are adjacent fields (directly, or with the renderer's own text between them).
 */
interface Shape {
  name: string;
  slots: number;
  dialects?: Dialect[];
  build(s: string[]): { messages: ChatMessage[]; options?: RenderOptions };
}

const user: ChatMessage = { role: "user", content: "q" };
const call = (name: string, args: Record<string, unknown>) => ({ type: "function" as const, function: { name, arguments: args } });

const SHAPES: Shape[] = [
  { name: "user text parts", slots: 3, build: (s) => ({ messages: [{ role: "user", content: s.map((text) => ({ type: "text" as const, text })) }] }) },
  { name: "system then user", slots: 2, build: (s) => ({ messages: [{ role: "system", content: s[0]! }, { role: "user", content: s[1]! }] }) },
  { name: "developer parts then user", slots: 3, build: (s) => ({ messages: [{ role: "developer", content: [{ type: "text", text: s[0]! }, { type: "text", text: s[1]! }] }, { role: "user", content: s[2]! }] }) },
  {
    name: "assistant text parts then user",
    slots: 3,
    build: (s) => ({ messages: [user, { role: "assistant", content: [{ type: "text", text: s[0]! }, { type: "text", text: s[1]! }] }, { role: "user", content: s[2]! }] }),
  },
  {
    name: "assistant content then code_interpreter code",
    slots: 2,
    build: (s) => ({ messages: [user, { role: "assistant", content: s[0]!, tool_calls: [call("code_interpreter", { code: s[1]! })] }] }),
  },
  {
    name: "two code calls back to back",
    slots: 3,
    dialects: ["meta"],
    build: (s) => ({
      messages: [user, { role: "assistant", content: s[0]!, toolCalls: [{ name: "code_interpreter", arguments: { code: s[1]! } }, { name: "code_interpreter", arguments: { code: s[2]! } }] }],
    }),
  },
  {
    name: "assistant content then a custom call (values and a key)",
    slots: 4,
    build: (s) => ({ messages: [user, { role: "assistant", content: s[0]!, tool_calls: [call("get_weather", { city: s[1]!, [`k${s[2]!}`]: s[3]! })] }] }),
  },
  {
    name: "two custom calls (JSON-string arguments)",
    slots: 3,
    dialects: ["meta"],
    build: (s) => ({
      messages: [
        user,
        {
          role: "assistant",
          content: s[0]!,
          tool_calls: [
            { type: "function", function: { name: "f", arguments: JSON.stringify({ a: s[1]! }) } },
            { type: "function", function: { name: "g", arguments: JSON.stringify({ b: s[2]! }) } },
          ],
        },
      ],
    }),
  },
  {
    name: "built-in call query then tool result",
    slots: 3,
    build: (s) => ({
      messages: [user, { role: "assistant", content: s[0]!, tool_calls: [call("brave_search", { query: s[1]! })] }, { role: "tool", content: s[2]!, tool_call_id: "c1" }],
      options: { builtinTools: ["brave_search"] },
    }),
  },
  {
    name: "tool result text parts",
    slots: 3,
    build: (s) => ({ messages: [user, { role: "tool", content: [{ type: "text", text: s[0]! }, { type: "text", text: s[1]! }, { type: "text", text: s[2]! }] }] }),
  },
  { name: "tool result object", slots: 3, build: (s) => ({ messages: [user, { role: "tool", content: { a: s[0]!, [`b${s[1]!}`]: [s[2]!] } }] }) },
  { name: "function result then user", slots: 2, build: (s) => ({ messages: [user, { role: "function", name: "f", content: s[0]! }, { role: "user", content: s[1]! }] }) },
  {
    name: "date string, system message, user message",
    slots: 3,
    build: (s) => ({ messages: [{ role: "system", content: s[1]! }, { role: "user", content: s[2]! }], options: { dateString: s[0]! } }),
  },
  {
    name: "tool definition description, system message, first user message",
    slots: 3,
    build: (s) => ({
      messages: [{ role: "system", content: s[1]! }, { role: "user", content: s[2]! }],
      options: { tools: [{ type: "function", function: { name: "t", description: s[0]!, parameters: { type: "object", properties: { x: { type: "string" } } } } }] },
    }),
  },
  {
    name: "parsed reply (toolCalls, stopReason eom) then tool result",
    slots: 3,
    build: (s) => ({
      messages: [user, { role: "assistant", content: s[0]!, toolCalls: [{ id: "1", name: "lookup", arguments: { q: s[1]! } }], stopReason: "eom" }, { role: "tool", content: s[2]! }],
    }),
  },
];

const FILLER = ["", "a", " ", "\n", "<", "|", ">", "_", "<|", "|>", "id", "é", "0", "eot", "<|eo"];

function filler(rand: () => number): string {
  let s = "";
  const n = Math.floor(rand() * 3);
  for (let i = 0; i < n; i++) s += FILLER[Math.floor(rand() * FILLER.length)];
  return s;
}

interface Case {
  shape: Shape;
  dialect: Dialect;
  format: "json" | "function_tag" | "python_list" | undefined;
  policy: "reject" | "strip";
  token: string;
  pair: number;
  slots: string[];
}

function makeCase(rand: () => number): Case {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const shape = pick(SHAPES);
  const dialect = pick(shape.dialects ?? (["hf", "meta"] as const));
  const format = dialect === "meta" ? pick(["json", "function_tag", "python_list"] as const) : undefined;
  const policy = pick(["reject", "strip"] as const);
  const token = pick(TOKENS);
  const pair = Math.floor(rand() * (shape.slots - 1));
  const cut = 1 + Math.floor(rand() * (token.length - 1));
  let head = token.slice(0, cut);
  const tail = token.slice(cut);
  // A third of the time, hide a whole token inside the first half: stripping it leaves the half.
  if (rand() < 1 / 3) {
    const k = Math.floor(rand() * (head.length + 1));
    head = head.slice(0, k) + pick(TOKENS) + head.slice(k);
  }
  const slots = Array.from({ length: shape.slots }, () => filler(rand));
  slots[pair] = slots[pair] + head;
  slots[pair + 1] = tail + slots[pair + 1];
  return { shape, dialect, format, policy, token, pair, slots };
}

describe("special tokens split across adjacent fields (seeded fuzz, real tokenizer as oracle)", () => {
  it(`${CASES} cases: the tokenizer finds exactly the special segments, never a token formed by input`, () => {
    const tokenizer = lenmlTokenizer();
    const rand = prng(SEED);
    const stats = { rendered: 0, rejected: 0, otherErrors: 0 };
    for (let i = 0; i < CASES; i++) {
      const c = makeCase(rand);
      const { messages, options } = c.shape.build(c.slots);
      const opts: RenderOptions = { ...options, dialect: c.dialect, specialTokens: c.policy, ...(c.format ? { toolPromptFormat: c.format } : {}) };
      const label = `case ${i}: ${c.shape.name}, ${c.dialect}${c.format ? `/${c.format}` : ""}, ${c.policy}, ${JSON.stringify(c.slots)}`;
      let prompt: string;
      let specials: number;
      try {
        const segments = renderSegments(messages, opts);
        prompt = renderPrompt(messages, opts);
        specials = segments.filter((s) => s.type === "special").length;
      } catch (e) {
        expect(isLlamaPromptError(e), `${label}: ${String(e)}`).toBe(true);
        if (e instanceof SpecialTokenError) {
          expect(c.policy, label).toBe("reject");
          stats.rejected++;
        } else {
          stats.otherErrors++; // e.g. the hf template refusing two calls in one message
        }
        continue;
      }
      const found = tokenizer.encodeWithSpecials(prompt).filter(isSpecialTokenId).length;
      if (found !== specials) expect.fail(`${label}: the tokenizer finds ${found} special tokens, the segments have ${specials}\n${JSON.stringify(prompt)}`);
      stats.rendered++;
    }
    // The fuzz must exercise both outcomes.
    expect(stats.rendered).toBeGreaterThan(CASES / 4);
    expect(stats.rejected).toBeGreaterThan(CASES / 10);
    if (process.env.INJECTION_FUZZ_CASES) console.log(`injection fuzz: ${CASES} cases, seed ${SEED}:`, stats);
  });
});
