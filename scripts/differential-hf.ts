/**
 * Differential test of the hf dialect against the official template under Python Jinja2
 * (../shared/tools/render_reference.py): renders N generated conversations both ways and fails on
 * any byte difference. Deterministic (fixed seed). Run: npm run differential -- [N] [seed]
 * Needs python3 with jinja2 and ../shared next to the repo; CI runs it.
 *
 * Generated numbers avoid integers beyond 2^53: JavaScript cannot hold them exactly, and
 * JSON.stringify would write such a float as integer digits that Python then reads as an int.
 */
import fc from "fast-check";
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { renderPrompt } from "../src/index.js";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const runs = Number(process.argv[2] ?? 1000);
const seed = Number(process.argv[3] ?? 42);
const noTok = (s: string) => !s.includes("<|");
const str = fc.oneof(fc.string({ maxLength: 30 }), fc.string({ unit: "grapheme", maxLength: 20 }), fc.constantFrom(" x ", "\n\ty\u00a0", "\u001cz\u0085", "a\"b\\c", "{\"name\": 1}", "")).filter(noTok);
const unsafeInt = (v: unknown): boolean => typeof v === "number" ? Number.isInteger(v) && !Number.isSafeInteger(v) : Array.isArray(v) ? v.some(unsafeInt) : v !== null && typeof v === "object" ? Object.values(v).some(unsafeInt) : false;
const json = fc.jsonValue({ maxDepth: 3 }).filter((v) => noTok(JSON.stringify(v)) && !unsafeInt(v));
const floatish = fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e20, max: 1e20 }).filter((d) => !Number.isInteger(d)), fc.integer());
const ident = fc.stringMatching(/^[a-z_][a-z0-9_]{0,10}$/);
const builtinNames = ["brave_search", "wolfram_alpha", "code_interpreter"];
const msg = (builtin: string[] | undefined) => fc.oneof(
  fc.record({ role: fc.constantFrom("user", "assistant", "system"), content: str }),
  fc.record({ role: fc.constant("tool"), content: fc.oneof(json, str, floatish) }),
  fc.record({ role: fc.constant("assistant"), tool_calls: fc.tuple(fc.record({ type: fc.constant("function"), function: fc.record({ name: builtin && builtin.length ? fc.oneof(ident, fc.constantFrom(...builtin)) : ident, arguments: builtin ? fc.dictionary(ident, str, { maxKeys: 3 }) : fc.dictionary(ident, fc.oneof(json, floatish), { maxKeys: 4 }) }) })) }),
);
const tool = fc.record({ type: fc.constant("function"), function: fc.record({ name: ident, description: str, parameters: json }) });
const caseArb = fc.record({
  builtin: fc.option(fc.subarray(builtinNames), { nil: undefined }),
  tools: fc.option(fc.array(tool, { maxLength: 3 }), { nil: undefined }),
  tium: fc.option(fc.boolean(), { nil: undefined }),
  agp: fc.boolean(),
  date: fc.option(fc.constantFrom("1 Jan 2025", ""), { nil: undefined }),
}).chain((o) => fc.record({ o: fc.constant(o), messages: fc.tuple(fc.constant({ role: "user", content: "hi" }), fc.array(msg(o.builtin), { maxLength: 6 })).map(([a, b]) => [a, ...b]) }));
const samples = fc.sample(caseArb, { numRuns: runs, seed });
const cases = samples.map((s, i) => ({ id: String(i), messages: s.messages, ...(s.o.tools ? { tools: s.o.tools } : {}), ...(s.o.builtin ? { builtin_tools: s.o.builtin } : {}), ...(s.o.tium !== undefined ? { tools_in_user_message: s.o.tium } : {}), ...(s.o.date !== undefined ? { date_string: s.o.date } : {}), add_generation_prompt: s.o.agp }));
const dir = mkdtempSync(join(tmpdir(), "llama-differential-"));
const casesPath = join(dir, "cases.json");
writeFileSync(casesPath, JSON.stringify(cases));
const renderer = process.env.RENDER_REFERENCE ?? join(root, "..", "shared", "tools", "render_reference.py");
const template = join(root, "fixtures", "llama-3.1-instruct.chat_template.jinja");
const ref = JSON.parse(execFileSync("python3", [renderer, template, casesPath], { encoding: "utf8", maxBuffer: 1 << 28 }));
rmSync(dir, { recursive: true, force: true });
let ok = 0, bad = 0, bothErr = 0;
for (const c of cases) {
  let ours: any; try { ours = renderPrompt(c.messages as any, { tools: c.tools as any, builtinTools: c.builtin_tools as any, toolsInUserMessage: c.tools_in_user_message, addGenerationPrompt: c.add_generation_prompt, dateString: c.date_string }); } catch (e: any) { ours = { error: e.message }; }
  const r = ref[c.id];
  if (typeof r === "string" && ours === r) ok++;
  else if (typeof r !== "string" && typeof ours !== "string") bothErr++;
  else { bad++; if (bad <= 6) { let i = 0; const a = typeof r === "string" ? r : JSON.stringify(r), b = typeof ours === "string" ? ours : JSON.stringify(ours); while (i < a.length && a[i] === b[i]) i++; console.log("DIFF", c.id, "\nref :", JSON.stringify(a.slice(Math.max(0, i - 80), i + 80)), "\nours:", JSON.stringify(b.slice(Math.max(0, i - 80), i + 80))); } }
}
console.log(`differential hf vs Python Jinja2: ${runs} conversations (seed ${seed}): ${ok} identical, ${bothErr} refused by both, ${bad} different`);
if (bad > 0) process.exit(1);
