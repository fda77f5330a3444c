#!/usr/bin/env node
// Goldens of the `splitToolCalls` render option (hf dialect). Each case is a conversation whose
// assistant message carries several tool calls (`messages`, which the official template refuses) and
// the equivalent conversation written by hand with one call per assistant message, each followed by
// its result (`equivalent`). Both are rendered with the official template through
// ../shared/tools/render_reference.py (Python Jinja2, configured as transformers does):
// `expected[id]` is the render of `equivalent`, `refused[id]` the template's error for `messages`.
// The test checks renderPrompt(messages, { splitToolCalls: true }) === expected[id], byte for byte.
// Run: node scripts/gen-split-calls-fixtures.mjs (needs python3 with jinja2 and ../shared next to the repo).
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const renderer = process.env.RENDER_REFERENCE ?? join(root, "..", "shared", "tools", "render_reference.py");
const template = join(root, "fixtures", "llama-3.1-instruct.chat_template.jinja");
const out = join(root, "fixtures", "hf-split-calls");

const u = (content) => ({ role: "user", content });
const a = (content) => ({ role: "assistant", content });
const fn = (id, name, args) => ({ ...(id ? { id } : {}), type: "function", function: { name, arguments: args } });
const calls = (...c) => ({ role: "assistant", tool_calls: c });
const tool = (id, content) => ({ role: "tool", ...(id ? { tool_call_id: id } : {}), content });

const weather = { type: "function", function: { name: "get_weather", description: "Weather in a city", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } } };
const time = { type: "function", function: { name: "get_time", description: "Local time in a city", parameters: { type: "object", properties: { city: { type: "string" } } } } };
const tools = [weather, time];

const W = (id, city) => fn(id, "get_weather", { city });
const T = (id, city) => fn(id, "get_time", { city });

const cases = [
  {
    id: "two-calls-results-in-order",
    tools,
    messages: [u("Weather in Oslo and Paris?"), calls(W("c1", "Oslo"), W("c2", "Paris")), tool("c1", { temp: 12 }), tool("c2", { temp: 19 })],
    equivalent: [u("Weather in Oslo and Paris?"), calls(W("c1", "Oslo")), tool("c1", { temp: 12 }), calls(W("c2", "Paris")), tool("c2", { temp: 19 })],
  },
  {
    id: "two-calls-results-reversed",
    tools,
    messages: [u("Weather and time in Oslo?"), calls(W("c1", "Oslo"), T("c2", "Oslo")), tool("c2", "14:05"), tool("c1", { temp: 12 })],
    equivalent: [u("Weather and time in Oslo?"), calls(W("c1", "Oslo")), tool("c1", { temp: 12 }), calls(T("c2", "Oslo")), tool("c2", "14:05")],
  },
  {
    id: "three-calls-results-without-ids",
    tools,
    messages: [u("Three cities"), calls(W(null, "Oslo"), W(null, "Rome"), T(null, "Lima")), tool(null, 12), tool(null, [1, "two"]), tool(null, null)],
    equivalent: [u("Three cities"), calls(W(null, "Oslo")), tool(null, 12), calls(W(null, "Rome")), tool(null, [1, "two"]), calls(T(null, "Lima")), tool(null, null)],
  },
  {
    id: "builtin-calls",
    builtin_tools: ["brave_search", "wolfram_alpha"],
    messages: [
      u("Gold price, and its square root?"),
      calls(fn("b1", "brave_search", { query: "gold price" }), fn("b2", "wolfram_alpha", { query: "sqrt(2400)" })),
      tool("b2", "48.99"),
      tool("b1", { results: ["$2,400 an ounce"] }),
    ],
    equivalent: [
      u("Gold price, and its square root?"),
      calls(fn("b1", "brave_search", { query: "gold price" })),
      tool("b1", { results: ["$2,400 an ounce"] }),
      calls(fn("b2", "wolfram_alpha", { query: "sqrt(2400)" })),
      tool("b2", "48.99"),
    ],
  },
  {
    id: "missing-result",
    tools,
    messages: [u("Oslo and Paris"), calls(W("c1", "Oslo"), W("c2", "Paris")), tool("c2", { temp: 19 })],
    equivalent: [u("Oslo and Paris"), calls(W("c1", "Oslo")), calls(W("c2", "Paris")), tool("c2", { temp: 19 })],
  },
  {
    id: "extra-result",
    tools,
    messages: [u("Oslo and Paris"), calls(W(null, "Oslo"), W(null, "Paris")), tool(null, 1), tool(null, 2), tool(null, 3)],
    equivalent: [u("Oslo and Paris"), calls(W(null, "Oslo")), tool(null, 1), calls(W(null, "Paris")), tool(null, 2), tool(null, 3)],
  },
  {
    id: "loop-two-rounds",
    tools,
    tools_in_user_message: false,
    date_string: "02 Mar 2025",
    messages: [
      { role: "system", content: "Be brief." },
      u("Oslo and Paris?"),
      calls(W("c1", "Oslo"), W("c2", "Paris")),
      tool("c1", { temp: 12 }),
      tool("c2", { temp: 19 }),
      a("Oslo 12, Paris 19."),
      u("And the time there?"),
      calls(T("c3", "Oslo"), T("c4", "Paris")),
      tool("c4", "15:05"),
      tool("c3", "14:05"),
    ],
    equivalent: [
      { role: "system", content: "Be brief." },
      u("Oslo and Paris?"),
      calls(W("c1", "Oslo")),
      tool("c1", { temp: 12 }),
      calls(W("c2", "Paris")),
      tool("c2", { temp: 19 }),
      a("Oslo 12, Paris 19."),
      u("And the time there?"),
      calls(T("c3", "Oslo")),
      tool("c3", "14:05"),
      calls(T("c4", "Paris")),
      tool("c4", "15:05"),
    ],
  },
  {
    id: "content-beside-calls-and-ipython-role",
    tools,
    add_generation_prompt: false,
    messages: [
      u("Both"),
      { role: "assistant", content: "Let me check both.", tool_calls: [W("c1", "Oslo"), T("c2", "Oslo")] },
      { role: "ipython", tool_call_id: "c2", content: "14:05" },
      { role: "ipython", tool_call_id: "c1", content: "rain" },
    ],
    equivalent: [
      u("Both"),
      { role: "assistant", content: "Let me check both.", tool_calls: [W("c1", "Oslo")] },
      { role: "ipython", tool_call_id: "c1", content: "rain" },
      { role: "assistant", content: "Let me check both.", tool_calls: [T("c2", "Oslo")] },
      { role: "ipython", tool_call_id: "c2", content: "14:05" },
    ],
  },
];

mkdirSync(out, { recursive: true });
const casesPath = join(out, "cases.json");
writeFileSync(casesPath, JSON.stringify(cases, null, 1) + "\n");

function render(key) {
  const tmp = join(out, `.render-${key}.json`);
  writeFileSync(tmp, JSON.stringify(cases.map((c) => ({ ...c, messages: c[key] }))));
  try {
    return JSON.parse(execFileSync("python3", [renderer, template, tmp], { encoding: "utf8", maxBuffer: 64 << 20 }));
  } finally {
    execFileSync("rm", ["-f", tmp]);
  }
}
const expected = render("equivalent");
const refused = render("messages");
for (const c of cases) {
  if (typeof expected[c.id] !== "string") throw new Error(`case ${c.id}: the template refused the equivalent conversation: ${JSON.stringify(expected[c.id])}`);
  if (typeof refused[c.id] === "string") throw new Error(`case ${c.id}: the template rendered the multi-call conversation; the case tests nothing`);
}
writeFileSync(join(out, "expected.json"), JSON.stringify({ expected, refused }, null, 1) + "\n");
console.log(`${cases.length} split-calls cases → fixtures/hf-split-calls/expected.json`);
