/**
 * Render benchmark: renderPrompt vs @huggingface/jinja rendering the official template (compiled
 * once), on the same inputs, checked to produce the same string before timing.
 *
 * The tool-heavy input (5 tools and a call) is rendered three ways, because renderPrompt keeps the
 * JSON text of a tool definition it saw unchanged (see docs/performance.md). Issue 15's words: warm
 * (the same tools object on every call) and cold (a new tools array each call):
 * - warm: the same tools array every call, as an agent loop passes it;
 * - cold, new array: a new array of the same definition objects every call (`[...tools]`);
 * - cold, fresh definitions: a deep copy of the definitions every call (made before each timed
 *   call, untimed), as an agent that rebuilds its tool list every turn passes them: no definition
 *   object is seen twice (equal content is still recognised, every property read);
 * - cold, changed definitions: a deep copy with every description changed every call, so no JSON
 *   text can be reused (the worst case).
 * The messages are the same objects every call in all of them (as an agent loop's earlier turns are).
 */
import { Template } from "@huggingface/jinja";
import { Bench } from "tinybench";
import { renderPrompt, type PromptOptions } from "../src/index.js";
import { hfCases, hfOptions, officialTemplate, type HfCase } from "../test/helpers/hf-fixtures.js";

export interface RenderRow {
  input: string;
  promptChars: number;
  oursOpsPerSec: number;
  jinjaOpsPerSec: number;
}

type ToolMode = "warm" | "new array" | "fresh definitions" | "changed definitions";

const INPUTS: Array<[label: string, id: string, tools: ToolMode]> = [
  ["small (3 messages)", "multi_turn_no_system", "warm"],
  ["5 tools + call, warm (same tools array)", "custom_call_rich_arguments", "warm"],
  ["5 tools + call, cold: new array", "custom_call_rich_arguments", "new array"],
  ["5 tools + call, cold: fresh definitions", "custom_call_rich_arguments", "fresh definitions"],
  ["5 tools + call, cold: changed definitions", "custom_call_rich_arguments", "changed definitions"],
  ["40-message conversation", "long_40_turns", "warm"],
];

/** One run over every input; `time` ms per task. */
export async function benchRender(time = 300): Promise<RenderRow[]> {
  const template = new Template(officialTemplate);
  const rows: RenderRow[] = [];
  for (const [label, id, mode] of INPUTS) {
    const c = hfCases.find((x) => x.id === id) as HfCase;
    const options = hfOptions(c);
    const tools = options.tools ?? undefined;
    let calls = 0;
    const changed = () => structuredClone(tools!).map((t) => ({ ...t, description: `${calls++}` }));
    const optionsFor = (): PromptOptions =>
      tools === undefined || mode === "warm"
        ? options
        : { ...options, tools: mode === "new array" ? [...tools] : mode === "fresh definitions" ? structuredClone(tools) : changed() };
    let current = optionsFor();
    const vars = { messages: c.messages, tools: c.tools ?? null, add_generation_prompt: c.add_generation_prompt ?? true, bos_token: "<|begin_of_text|>" };
    const ours = renderPrompt(c.messages, current);
    const theirs = template.render(vars);
    // (@huggingface/jinja writes the rich arguments of this case differently from Python's Jinja.)
    if (id !== "custom_call_rich_arguments" && ours !== theirs) throw new Error(`outputs differ on ${id}`);
    const bench = new Bench({ time });
    // The options of each call are made before it, untimed.
    bench.add("renderPrompt", () => void renderPrompt(c.messages, current), { beforeEach: () => void (current = optionsFor()) });
    bench.add("@huggingface/jinja", () => void template.render(vars));
    await bench.run();
    const ops = (i: number) => {
      const r = bench.tasks[i]!.result;
      if (!("throughput" in r)) throw new Error(`benchmark task ${bench.tasks[i]!.name} failed`);
      return r.throughput.mean;
    };
    rows.push({ input: label, promptChars: ours.length, oursOpsPerSec: ops(0), jinjaOpsPerSec: ops(1) });
  }
  return rows;
}
