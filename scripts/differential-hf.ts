/**
 * Differential test of the hf dialect against the official templates under Python Jinja2
 * (../shared/tools/render_reference.py): for each Llama version (3.1, 3.2, 3.3, 3.2 Vision with
 * image parts), renders N generated conversations
 * both ways and fails on any byte difference. Deterministic (fixed seed). 3.2's template reads
 * `strftime_now`: the reference runs with its clock pinned (scripts/render-reference-at.py) and
 * renderPrompt gets the same instant as a Date where a case gives no date.
 * Run: npm run differential -- [N per version] [seed]. Needs python3 with jinja2 and ../shared next
 * to the repo; CI runs it.
 *
 * Generated numbers avoid integers beyond 2^53: JavaScript cannot hold them exactly, and
 * JSON.stringify would write such a float as integer digits that Python then reads as an int.
 */
import fc from "fast-check";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { renderPrompt, type LlamaVersion, type PromptOptions } from "../src/index.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const runs = Number(process.argv[2] ?? 1000);
const seed = Number(process.argv[3] ?? 42);
const renderer = process.env.RENDER_REFERENCE ?? join(root, "..", "shared", "tools", "render_reference.py");

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
  fc.record({ role: fc.constant("assistant"), tool_calls: fc.tuple(fc.record({ type: fc.constant("function"), function: fc.record({ name: builtin && builtin.length ? fc.oneof(ident, fc.constantFrom(...builtin)) : fc.oneof(ident, fc.constantFrom(...builtinNames)), arguments: builtin ? fc.dictionary(ident, str, { maxKeys: 3 }) : fc.dictionary(ident, fc.oneof(json, floatish), { maxKeys: 4 }) }) })) }),
);
const tool = fc.record({ type: fc.constant("function"), function: fc.record({ name: ident, description: str, parameters: json }) });
/** Vision: user/assistant contents may be lists of text and image parts (system contents stay strings: a list there prints as a Python repr). */
const part = fc.oneof(fc.record({ type: fc.constant("text"), text: str }), fc.constant({ type: "image" }), fc.constant({ type: "image_url", image_url: { url: "https://example.com/a.png" } }));
const visionMsg = (builtin: string[] | undefined) => fc.oneof(
  { arbitrary: msg(builtin), weight: 3 },
  { arbitrary: fc.record({ role: fc.constantFrom("user", "assistant"), content: fc.array(part, { minLength: 1, maxLength: 4 }) }), weight: 2 },
);
/** What Python is given for a part: transformers and vLLM hand templates {type: "image"} for an image_url part. */
const forPython = (m: any): any => (Array.isArray(m.content) && m.role !== "tool" ? { ...m, content: m.content.map((p: any) => (p.type === "image_url" ? { type: "image" } : p)) } : m);

interface Case { id: string; messages: unknown[]; tools?: unknown[]; builtin_tools?: string[]; tools_in_user_message?: boolean; date_string?: string; add_generation_prompt: boolean }

/** Generated cases; `builtins: false` for templates without builtin_tools (3.2). */
function generate(builtins: boolean, seedFor: number, vision = false): Case[] {
  const caseArb = fc.record({
    builtin: builtins ? fc.option(fc.subarray(builtinNames), { nil: undefined }) : fc.constant(undefined),
    tools: fc.option(fc.array(tool, { maxLength: 3 }), { nil: undefined }),
    tium: fc.option(fc.boolean(), { nil: undefined }),
    agp: fc.boolean(),
    date: fc.option(fc.constantFrom("1 Jan 2025", ""), { nil: undefined }),
  }).chain((o) => fc.record({ o: fc.constant(o), messages: fc.tuple(fc.constant({ role: "user", content: "hi" }), fc.array(vision ? visionMsg(o.builtin) : msg(o.builtin), { maxLength: 6 })).map(([a, b]) => [a, ...b]) }));
  return fc.sample(caseArb, { numRuns: runs, seed: seedFor }).map((s, i) => ({
    id: String(i),
    messages: s.messages,
    ...(s.o.tools ? { tools: s.o.tools } : {}),
    ...(s.o.builtin ? { builtin_tools: s.o.builtin } : {}),
    ...(s.o.tium !== undefined ? { tools_in_user_message: s.o.tium } : {}),
    ...(s.o.date !== undefined ? { date_string: s.o.date } : {}),
    add_generation_prompt: s.o.agp,
  }));
}

/** The reference's rendering of every case ({id: string | {error}}), at a pinned clock when `now`. */
function reference(template: string, cases: Case[], now?: string): Record<string, string | { error: string }> {
  const dir = mkdtempSync(join(tmpdir(), "llama-differential-"));
  try {
    const casesPath = join(dir, "cases.json");
    writeFileSync(casesPath, JSON.stringify(cases));
    const args = now === undefined ? [renderer, template, casesPath] : [join(root, "scripts", "render-reference-at.py"), now, renderer, template, casesPath];
    return JSON.parse(execFileSync("python3", args, { encoding: "utf8", maxBuffer: 1 << 28 }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A pinned local time per seed (a one-digit day every few seeds, to exercise %d's padding). */
const nowFor = (s: number) => `20${String(20 + (s % 10)).padStart(2, "0")}-${String((s % 12) + 1).padStart(2, "0")}-${String((s % 28) + 1).padStart(2, "0")}T12:00:00`;

const VERSIONS: Array<{ version: LlamaVersion; template: string; builtins: boolean; clock: boolean; vision?: boolean }> = [
  { version: "3.1", template: "llama-3.1-instruct.chat_template.jinja", builtins: true, clock: false },
  { version: "3.2", template: "templates/llamacpp.meta-llama-Llama-3.2-3B-Instruct.jinja", builtins: false, clock: true },
  { version: "3.3", template: "templates/llamacpp.meta-llama-Llama-3.3-70B-Instruct.jinja", builtins: true, clock: false },
  { version: "3.2-vision", template: "templates/hfjs.meta-llama-Llama-3.2-11B-Vision-Instruct.jinja", builtins: false, clock: true, vision: true },
];

let failed = false;
for (const v of VERSIONS) {
  const cases = generate(v.builtins, seed, v.vision);
  const now = v.clock ? nowFor(seed) : undefined;
  const ref = reference(join(root, "fixtures", v.template), v.vision ? cases.map((c) => ({ ...c, messages: c.messages.map(forPython) })) : cases, now);
  let ok = 0, bad = 0, bothErr = 0, withImages = 0;
  for (const c of cases) {
    const options: PromptOptions = { llamaVersion: v.version, tools: c.tools as PromptOptions["tools"], builtinTools: c.builtin_tools as PromptOptions["builtinTools"], toolsInUserMessage: c.tools_in_user_message, addGenerationPrompt: c.add_generation_prompt, dateString: c.date_string ?? (now !== undefined ? new Date(now) : undefined) };
    let ours: string | { error: string };
    try { ours = renderPrompt(c.messages as never, options); } catch (e) { ours = { error: (e as Error).message }; }
    const r = ref[c.id];
    if (typeof r === "string" && ours === r) {
      ok++;
      if (r.includes("<|image|>")) withImages++;
    }
    else if (typeof r !== "string" && typeof ours !== "string") bothErr++;
    else {
      bad++;
      if (bad <= 6) {
        const a = typeof r === "string" ? r : JSON.stringify(r), b = typeof ours === "string" ? ours : JSON.stringify(ours);
        let i = 0; while (i < a.length && a[i] === b[i]) i++;
        console.log("DIFF", v.version, c.id, "\nref :", JSON.stringify(a.slice(Math.max(0, i - 80), i + 80)), "\nours:", JSON.stringify(b.slice(Math.max(0, i - 80), i + 80)));
      }
    }
  }
  console.log(`differential hf ${v.version} vs Python Jinja2 (${v.template}${now ? `, strftime_now at ${now}` : ""}): ${runs} conversations (seed ${seed}): ${ok} identical${v.vision ? ` (${withImages} with images)` : ""}, ${bothErr} refused by both, ${bad} different`);
  if (bad > 0) failed = true;
}
if (failed) process.exit(1);
