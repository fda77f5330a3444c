#!/usr/bin/env node
// Generates the renderWithTemplate fidelity fixtures: one set of conversations rendered by every
// template in fixtures/templates/ (copies of ../shared/reference/templates) and by a strftime probe,
// through ../shared/tools/render_reference.py (Python Jinja2, configured as transformers) with its
// clock pinned (scripts/render-reference-at.py). Writes fixtures/template-fidelity/{cases,expected,
// clock}.json; expected strings are never typed by hand. Run: npm run fixtures.
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const renderer = process.env.RENDER_REFERENCE ?? join(root, "..", "shared", "tools", "render_reference.py");
const out = join(root, "fixtures", "template-fidelity");
const NOW = "2024-09-05T08:07:06"; // Thursday; one-digit day, month, hour, minute, second

const u = (content) => ({ role: "user", content });
const a = (content) => ({ role: "assistant", content });
const s = (content) => ({ role: "system", content });
const text = (t) => ({ type: "text", text: t });
const image = { type: "image" };
const call = (name, args, id = "call_1") => ({ role: "assistant", tool_calls: [{ id, type: "function", function: { name, arguments: args } }] });
const tool = (content, extra = { tool_call_id: "call_1", name: "get_current_weather" }) => ({ role: "tool", content, ...extra });

const weatherTool = {
  type: "function",
  function: {
    name: "get_current_weather",
    description: "Get the current weather in a given location",
    parameters: { type: "object", properties: { location: { type: "string" }, unit: { type: "string", enum: ["celsius", "fahrenheit"] } }, required: ["location"] },
  },
};

/** Conversations every template renders (or refuses), in render_reference.py's variable names. */
const cases = [
  { id: "user_only", messages: [u("Hello!")] },
  { id: "system_user", messages: [s("  You are terse.  "), u("Who are you?")] },
  { id: "multi_turn_whitespace", messages: [s("Be brief."), u("  Hi  "), a(" Hello. "), u("\nBye\n")] },
  { id: "no_generation_prompt", messages: [u("Hi"), a("Hello!")], add_generation_prompt: false },
  { id: "date_string_given", messages: [u("Day?")], date_string: "21 September 2024" },
  { id: "unicode", messages: [u("日本語 🤖 Ελληνικά")] },
  { id: "whitespace_python_only", messages: [u("\u001chello\u0085"), a("\u00a0nbsp\u3000")] },
  // Content lists (OpenAI parts): vLLM's template joins the text parts itself.
  { id: "content_list_text", messages: [s([text(" Be brief. ")]), u([text(" part one "), text("part two")]), a([text("ok")]), u([text("next")])] },
  { id: "content_list_tools_first_user", messages: [u([text(" Weather "), text("in Paris? ")])], tools: [weatherTool] },
  // Tools
  { id: "tools_in_user_message", messages: [u("Weather in Paris?")], tools: [weatherTool] },
  { id: "tools_in_system_message", messages: [s("Use tools."), u("Weather in Paris?")], tools: [weatherTool], tools_in_user_message: false },
  { id: "tools_no_system", messages: [u("Weather?")], tools: [weatherTool], tools_in_user_message: false },
  {
    id: "tool_call_history",
    messages: [u("Weather in Paris?"), call("get_current_weather", { location: "Paris, France", unit: "celsius" }), tool("22 degrees, sunny"), a("It is sunny.")],
    tools: [weatherTool],
  },
  { id: "tool_result_object", messages: [u("x"), call("get_current_weather", { location: "Oslo" }), tool({ temperature: 18, conditions: "rain" })] },
  { id: "tool_result_text_parts", messages: [u("x"), call("get_current_weather", { location: "Oslo" }), tool([text("18C"), text("rain")])] },
  { id: "tool_result_bool", messages: [u("x"), call("get_current_weather", { location: "Oslo" }), tool(true)] },
  { id: "tool_call_float_arguments", messages: [u("x"), call("get_current_weather", { location: "Oslo", lat: 59.9139, tiny: 1.5e-7 })] },
  { id: "tool_result_without_id", messages: [u("x"), call("get_current_weather", { location: "Oslo" }), tool("rain", {})] },
  { id: "builtin_tools", messages: [u("Search llamas"), call("brave_search", { query: "llamas" }), tool("results")], builtin_tools: ["brave_search", "code_interpreter"] },
  // Images (Llama 3.2 Vision's template writes <|image|>; it leaves out the system message when no system message is given)
  { id: "image_then_text", messages: [u([image, text("Describe this image.")])] },
  { id: "image_with_system", messages: [s("You describe images."), u([text("What is in "), image, text(" this picture?")])] },
  { id: "images_multi_turn", messages: [u([image, text("First?")]), a("A cat."), u([image, image, text("And these?")])] },
  // Errors
  { id: "error_empty_conversation", messages: [] },
];

const templates = readdirSync(join(root, "fixtures", "templates")).filter((f) => f.endsWith(".jinja")).sort();
mkdirSync(out, { recursive: true });
const casesPath = join(out, "cases.json");
writeFileSync(casesPath, JSON.stringify(cases, null, 1) + "\n");
const render = (templatePath, path) =>
  JSON.parse(execFileSync("python3", [join(root, "scripts", "render-reference-at.py"), NOW, renderer, templatePath, path], { encoding: "utf8", maxBuffer: 64 << 20 }));

const expected = {};
for (const t of templates) expected[t] = render(join(root, "fixtures", "templates", t), casesPath);

// strftime_now probe: every directive renderWithTemplate's strftime_now implements, as Python writes them.
const probeCases = [{ id: "strftime_probe", messages: [u("x")] }];
const probeCasesPath = join(out, "probe-cases.json");
writeFileSync(probeCasesPath, JSON.stringify(probeCases, null, 1) + "\n");
expected["strftime-probe.jinja"] = render(join(out, "strftime-probe.jinja"), probeCasesPath);

writeFileSync(join(out, "expected.json"), JSON.stringify(expected, null, 1) + "\n");
writeFileSync(join(out, "clock.json"), JSON.stringify({ now: NOW }, null, 1) + "\n");
console.log(`${cases.length} cases × ${templates.length} templates + strftime probe → fixtures/template-fidelity/expected.json`);
