#!/usr/bin/env node
// Generates the hf golden fixtures: writes the case inputs to fixtures/hf/cases.json, renders each
// with the official template through ../shared/tools/render_reference.py (Python Jinja2, configured
// as transformers does), and writes fixtures/hf/expected.json. Expected strings are never typed by
// hand. Run: npm run fixtures (needs python3 with jinja2 and ../shared next to the repo).
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const renderer = process.env.RENDER_REFERENCE ?? join(root, "..", "shared", "tools", "render_reference.py");
const template = join(root, "fixtures", "llama-3.1-instruct.chat_template.jinja");

const u = (content) => ({ role: "user", content });
const a = (content) => ({ role: "assistant", content });
const s = (content) => ({ role: "system", content });
const call = (name, args) => ({ role: "assistant", tool_calls: [{ id: "call_1", type: "function", function: { name, arguments: args } }] });
const tool = (content, role = "tool") => ({ role, content, ...(role === "tool" ? { tool_call_id: "call_1" } : {}) });

const weatherTool = {
  type: "function",
  function: {
    name: "get_current_weather",
    description: "Get the current weather in a given location",
    parameters: {
      type: "object",
      properties: {
        location: { type: "string", description: "The city and state, e.g. San Francisco, CA" },
        unit: { type: "string", enum: ["celsius", "fahrenheit"] },
      },
      required: ["location"],
    },
  },
};
const richTools = [
  weatherTool,
  {
    type: "function",
    function: {
      name: "search_flights",
      description: "Search flights — prices in €, dates ISO-8601; returns at most `limit` results.",
      parameters: {
        type: "object",
        properties: {
          from: { type: "string", minLength: 3, maxLength: 3, pattern: "^[A-Z]{3}$" },
          to: { type: "string" },
          date: { type: "string", format: "date" },
          passengers: {
            type: "array",
            items: { type: "object", properties: { age: { type: "integer", minimum: 0 }, name: { type: "string" } }, required: ["age"] },
          },
          limit: { type: "integer", default: 10, maximum: 100 },
          budget: { type: "number", exclusiveMinimum: 0.5, multipleOf: 0.01 },
          direct: { type: "boolean", default: false },
          cabin: { anyOf: [{ type: "string", enum: ["economy", "business"] }, { type: "null" }] },
        },
        required: ["from", "to", "date"],
        additionalProperties: false,
      },
    },
  },
  {
    type: "function",
    function: {
      name: "translate",
      description: "翻译文本 / テキストを翻訳 / \"quoted\" and back\\slash\ttab",
      parameters: { type: "object", properties: { text: { type: "string" }, target: { type: "string" } }, required: ["text", "target"] },
    },
  },
  { type: "function", function: { name: "get_time", description: "No parameters", parameters: { type: "object", properties: {} } } },
  { type: "function", function: { name: "noop", parameters: { type: "object", properties: {}, required: [] } } },
];
const bareTool = {
  name: "spotify_trending_songs",
  description: "Get top trending songs on Spotify",
  parameters: { n: { param_type: "int", description: "Number of trending songs to get", required: true } },
};

const longConversation = [s("You are a terse assistant.")];
for (let i = 0; i < 20; i++) longConversation.push(u(`Question ${i}: what is ${i} + ${i}?`), a(`${i + i}`));
longConversation.push(u("Thanks!"));

/** @type {Array<Record<string, unknown>>} */
const cases = [
  // Plain conversations
  { id: "user_only", messages: [u("Hello!")] },
  { id: "system_user", messages: [s("You are a helpful assistant."), u("Who are you?")] },
  { id: "multi_turn", messages: [s("Be brief."), u("Hi"), a("Hello! How can I help?"), u("Tell me a joke.")] },
  { id: "multi_turn_no_system", messages: [u("Hi"), a("Hello."), u("Bye")] },
  { id: "assistant_first", messages: [a("I start."), u("ok")] },
  { id: "system_only", messages: [s("Only a system prompt.")] },
  { id: "system_mid_conversation", messages: [u("Hi"), s("Late system note."), a("Noted.")] },
  { id: "no_generation_prompt", messages: [u("Hi"), a("Hello!")], add_generation_prompt: false },
  { id: "no_generation_prompt_open_user", messages: [u("Hi")], add_generation_prompt: false },
  { id: "long_40_turns", messages: longConversation },
  // Whitespace
  { id: "whitespace_trim", messages: [s("  \n\tBe kind.\n\n "), u("\n\n  What?  \n"), a("  Answer.\n"), u(" next ")] },
  { id: "whitespace_python_only", messages: [u("\u001chello\u001f\u0085"), a("\u00a0nbsp\u3000"), u("\ufeffbom kept\ufeff")] },
  { id: "whitespace_interior_kept", messages: [u("line 1\n\n\n   line 2\t\ttabs  ")] },
  { id: "empty_contents", messages: [s(""), u(""), a("   ")] },
  // Unicode and tricky text
  { id: "unicode", messages: [s("Réponds en français."), u("日本語のテキスト 🤖 emoji, עברית, Ελληνικά, 𝔘𝔫𝔦𝔠𝔬𝔡𝔢")] },
  { id: "json_like_text", messages: [u('Return {"name": "x", "parameters": {}} literally, with \\ backslashes and "quotes" and <| partial |> tokens')] },
  { id: "date_override", messages: [u("What day is it?")], date_string: "22 Nov 2026" },
  // Built-in tools
  { id: "builtin_brave_wolfram", messages: [s("You are a helpful assistant."), u("Search the web for the latest price of 1oz gold?")], builtin_tools: ["brave_search", "wolfram_alpha"] },
  { id: "builtin_code_interpreter_only", messages: [u("Write code to check if 7 is prime")], builtin_tools: ["code_interpreter"] },
  { id: "builtin_all_three", messages: [u("Hi")], builtin_tools: ["code_interpreter", "brave_search", "wolfram_alpha"] },
  { id: "builtin_wolfram_only", messages: [u("Integrate x^2")], builtin_tools: ["wolfram_alpha"] },
  { id: "builtin_empty_list", messages: [u("Hi")], builtin_tools: [] },
  { id: "builtin_date_override", messages: [s("sys"), u("Hi")], builtin_tools: ["brave_search"], date_string: "21 September 2024" },
  {
    id: "builtin_call_history",
    messages: [
      s("You are a helpful assistant."),
      u("What is the 100th decimal of pi?"),
      call("wolfram_alpha", { query: "100th decimal of pi" }),
      tool({ queryresult: { success: true, inputstring: "100th decimal of pi", pods: [{ title: "Result", primary: true, subpods: [{ title: "", plaintext: "7" }] }] } }, "ipython"),
      a("The 100th decimal of pi is 7."),
    ],
    builtin_tools: ["brave_search", "wolfram_alpha"],
  },
  {
    id: "builtin_call_brave_open",
    messages: [u("Weather in Menlo Park?"), call("brave_search", { query: "Menlo Park California weather" })],
    builtin_tools: ["brave_search", "wolfram_alpha"],
    add_generation_prompt: false,
  },
  { id: "builtin_call_inner_quotes", messages: [u("q"), call("brave_search", { query: 'the "best" pizza in N.Y.\'s' })], builtin_tools: ["brave_search"] },
  { id: "builtin_call_several_kwargs", messages: [u("q"), call("brave_search", { query: "llama", count: "5", lang: "en" })], builtin_tools: ["brave_search"] },
  {
    id: "builtin_code_interpreter_call",
    messages: [u("Is 7 prime?"), call("code_interpreter", { code: "def is_prime(n):\n    return n > 1\nprint(is_prime(7))" }), tool("True"), a("Yes.")],
    builtin_tools: ["code_interpreter"],
  },
  // Custom tools
  { id: "custom_tools_user_message", messages: [u("What is the weather in Paris?")], tools: [weatherTool] },
  {
    id: "custom_tools_user_message_with_system",
    messages: [s("You are a helpful assistant with tool calling capabilities."), u("  Weather in Menlo Park?  ")],
    tools: [weatherTool],
  },
  { id: "custom_tools_system_message", messages: [s("Use tools."), u("Weather in Paris?")], tools: [weatherTool], tools_in_user_message: false },
  { id: "custom_tools_system_message_no_system", messages: [u("Weather in Paris?")], tools: [weatherTool], tools_in_user_message: false },
  { id: "custom_rich_tools", messages: [u("Find flights from SFO to CDG on 2024-12-01")], tools: richTools },
  { id: "custom_rich_tools_system", messages: [u("Translate hello")], tools: richTools, tools_in_user_message: false },
  { id: "custom_bare_tool_definition", messages: [u("Top songs?")], tools: [bareTool] },
  { id: "custom_empty_tools_list", messages: [u("Hi")], tools: [] },
  { id: "custom_empty_tools_list_system", messages: [u("Hi")], tools: [], tools_in_user_message: false },
  {
    id: "custom_call_history",
    messages: [
      s("You are a helpful assistant."),
      u("Weather in Paris and in Tokyo?"),
      call("get_current_weather", { location: "Paris, France", unit: "celsius" }),
      tool("22 degrees, sunny"),
      call("get_current_weather", { location: "東京", unit: "celsius" }),
      tool({ temperature: 18.5, conditions: "rain", humidity: 0.81 }),
      a("Paris: 22°C and sunny. Tokyo: 18.5°C with rain."),
    ],
    tools: [weatherTool],
  },
  {
    id: "custom_call_rich_arguments",
    messages: [
      u("Book it"),
      call("search_flights", {
        from: "SFO",
        to: "CDG",
        date: "2024-12-01",
        passengers: [{ age: 34, name: "Zoë \"Z\" O'Neil" }, { age: 3 }],
        limit: 5,
        budget: 1234.56,
        direct: true,
        cabin: null,
        tiny: 1.5e-7,
        small: 0.0001,
        negative: -42.25,
        big: 9007199254740991,
        nested: { a: [], b: {}, c: [[1, 2], { d: "e\nf\u0001" }] },
      }),
    ],
    tools: richTools,
    add_generation_prompt: false,
  },
  { id: "custom_call_empty_arguments", messages: [u("Time?"), call("get_time", {}), tool("12:00")], tools: richTools },
  { id: "custom_call_ends_conversation", messages: [u("Weather?"), call("get_current_weather", { location: "Oslo" })], tools: [weatherTool] },
  // Tool results
  { id: "tool_result_string", messages: [u("x"), call("get_time", {}), tool('He said "hi"\nthen left\\')] },
  { id: "tool_result_object", messages: [u("x"), call("get_time", {}), tool({ time: "12:00", zone: "UTC", ok: true, n: null })] },
  { id: "tool_result_array", messages: [u("x"), call("get_time", {}), tool([1, "two", { three: 3 }, [4.5], false])] },
  { id: "tool_result_number", messages: [u("x"), call("get_time", {}), tool(42)] },
  { id: "tool_result_float", messages: [u("x"), call("get_time", {}), tool(3.14159)] },
  { id: "tool_result_bool_null", messages: [u("x"), call("get_time", {}), tool(true), tool(false), tool(null)] },
  { id: "tool_result_ipython_role", messages: [u("x"), call("get_time", {}), tool("plain", "ipython")] },
  { id: "tool_result_empty_string", messages: [u("x"), call("get_time", {}), tool("")] },
  { id: "tool_result_text_parts", messages: [u("x"), call("get_time", {}), tool([{ type: "text", text: "12:00" }, { type: "text", text: "UTC" }])] },
  { id: "tool_result_json_string", messages: [u("x"), call("get_time", {}), tool('{"time": "12:00"}')] },
  { id: "tool_result_unicode", messages: [u("x"), call("get_time", {}), tool({ city: "Zürich", note: "☀️ 25°C", cjk: "晴れ" })] },
  // Custom + built-in together
  {
    id: "custom_and_builtin",
    messages: [u("Weather in Paris? Also search news."), call("get_current_weather", { location: "Paris" }), tool("sunny")],
    tools: [weatherTool],
    builtin_tools: ["brave_search", "wolfram_alpha"],
  },
  {
    id: "custom_and_builtin_system",
    messages: [s("sys"), u("Search llamas"), call("brave_search", { query: "llamas" }), tool({ results: [] })],
    tools: [weatherTool],
    builtin_tools: ["brave_search"],
    tools_in_user_message: false,
  },
  {
    id: "custom_call_named_like_builtin_not_enabled",
    messages: [u("search"), call("brave_search", { query: "x" })],
    tools: [weatherTool],
  },
  // Errors the template raises
  { id: "error_empty_conversation", messages: [], expect_error: "TEMPLATE_ERROR" },
  { id: "error_tools_no_user_message", messages: [s("sys")], tools: [weatherTool], expect_error: "TEMPLATE_ERROR" },
  {
    id: "error_multiple_tool_calls",
    messages: [
      u("x"),
      {
        role: "assistant",
        tool_calls: [
          { type: "function", function: { name: "a", arguments: {} } },
          { type: "function", function: { name: "b", arguments: {} } },
        ],
      },
    ],
    expect_error: "TEMPLATE_ERROR",
  },
  { id: "error_empty_tool_calls", messages: [u("x"), { role: "assistant", content: "", tool_calls: [] }], expect_error: "TEMPLATE_ERROR" },
  { id: "error_builtin_argument_not_string", messages: [u("x"), call("brave_search", { query: "x", count: 5 })], builtin_tools: ["brave_search"], expect_error: "TEMPLATE_ERROR" },
];

/**
 * Llama 3.2 (text, 1B/3B): every 3.1 case that applies (the template has no builtin_tools, and
 * renderPrompt refuses them with 3.2, so cases with builtin_tools are left out), plus cases of its
 * own. Rendered with a fixed clock (NOW_32), since the template's date default is strftime_now.
 */
const NOW_32 = "2024-09-05T12:00:00"; // "05 Sep 2024": a one-digit day shows the zero padding
const cases32 = [
  ...cases.filter((c) => !("builtin_tools" in c)),
  // Meta's Llama 3.2 prompt-format doc, first example (date from strftime_now)
  { id: "doc32_system_user", messages: [s("You are a helpful assistant"), u("Who are you?")] },
  { id: "date_given_overrides_today", messages: [u("Day?")], date_string: "24 September 2024" },
  { id: "date_empty_string", messages: [u("Day?")], date_string: "" },
  // Tool calls are always JSON ending in <|eot_id|>, whatever the name
  {
    id: "custom_call_builtin_names_are_json",
    messages: [
      u("Search and compute"),
      call("brave_search", { query: "llama 3.2" }),
      tool({ results: ["a", "b"] }),
      call("code_interpreter", { code: "print(1 + 1)" }),
      tool("2", "ipython"),
      a("Done."),
    ],
    tools: [weatherTool],
  },
  { id: "custom_tools_system_with_date", messages: [s("Use tools when needed."), u("Weather in Rome?")], tools: [weatherTool], tools_in_user_message: false, date_string: "1 Jan 2025" },
  { id: "custom_call_open_turn", messages: [u("Weather?"), call("get_current_weather", { location: "Oslo", unit: "celsius" })], tools: [weatherTool], add_generation_prompt: false },
  { id: "tool_calls_without_tools", messages: [u("x"), call("get_time", {}), tool({ t: "12:00" }), a("noon")] },
];

/**
 * Llama 3.2 Vision (11B/90B): the 3.2 cases (Python refuses tool results it cannot loop over:
 * numbers, booleans, null — marked as errors), plus image cases. Same pinned clock.
 */
const img = { type: "image" };
const txt = (t) => ({ type: "text", text: t });
const notIterable = (m) => m.role === "tool" || m.role === "ipython" ? m.content === null || typeof m.content !== "object" && typeof m.content !== "string" : false;
const casesVision = [
  ...cases32.map((c) => (c.messages.some(notIterable) ? { ...c, expect_error: "TEMPLATE_ERROR" } : c)),
  { id: "image_then_text", messages: [u([img, txt("Describe this image.")])] },
  { id: "image_after_text", messages: [u([txt("What is in this picture? "), img])] },
  { id: "image_system_given", messages: [s("You describe images in one sentence."), u([img, txt("What is this?")])] },
  { id: "image_multi_turn", messages: [u([img, txt("First?")]), a("A cat."), u([img, img, txt(" And these? ")])] },
  { id: "image_later_turn", messages: [u("Hi"), a("Hello."), u([txt("Look: "), img])] },
  { id: "image_only", messages: [u([img])] },
  { id: "image_assistant_parts", messages: [u([img, txt("Caption?")]), a([txt(" A dog "), txt("running. ")]), u("Thanks")] },
  { id: "image_date_given", messages: [u([img, txt("When?")])], date_string: "21 September 2024" },
  { id: "image_no_generation_prompt", messages: [u([img, txt("x")])], add_generation_prompt: false },
  { id: "image_with_tools_system", messages: [u("Weather?"), a("Which city?"), u([img, txt("This one.")])], tools: [weatherTool], tools_in_user_message: false },
  { id: "text_parts_untrimmed", messages: [s("  sys  "), u([txt("  a  "), txt("  b  ")]), a("  c  ")] },
];

/** Writes dir/cases.json, renders it with the reference (at a fixed clock when `now`), writes dir/expected.json. */
function renderSet(dir, templatePath, set, now) {
  mkdirSync(join(root, "fixtures", dir), { recursive: true });
  const casesPath = join(root, "fixtures", dir, "cases.json");
  writeFileSync(casesPath, JSON.stringify(set, null, 1) + "\n");
  const args = now === undefined ? [renderer, templatePath, casesPath] : [join(root, "scripts", "render-reference-at.py"), now, renderer, templatePath, casesPath];
  const rendered = execFileSync("python3", args, { encoding: "utf8", maxBuffer: 64 << 20 });
  const expected = JSON.parse(rendered);
  for (const c of set) {
    const isError = typeof expected[c.id] !== "string";
    if (isError !== Boolean(c.expect_error)) {
      throw new Error(`${dir} case ${c.id}: reference ${isError ? "raised " + JSON.stringify(expected[c.id]) : "rendered"}, but the case says expect_error=${c.expect_error}`);
    }
  }
  writeFileSync(join(root, "fixtures", dir, "expected.json"), JSON.stringify(expected, null, 1) + "\n");
  if (now !== undefined) writeFileSync(join(root, "fixtures", dir, "clock.json"), JSON.stringify({ now }, null, 1) + "\n");
  console.log(`${set.length} cases (${set.filter((c) => c.expect_error).length} error cases) → fixtures/${dir}/expected.json`);
}

for (const set of [cases32, casesVision]) {
  const ids = new Set();
  for (const c of set) {
    if (ids.has(c.id)) throw new Error(`duplicate case id ${c.id}`);
    ids.add(c.id);
  }
}
renderSet("hf", template, cases);
renderSet("hf-3.2", join(root, "fixtures", "templates", "llamacpp.meta-llama-Llama-3.2-3B-Instruct.jinja"), cases32, NOW_32);
renderSet("hf-3.2-vision", join(root, "fixtures", "templates", "hfjs.meta-llama-Llama-3.2-11B-Vision-Instruct.jinja"), casesVision, NOW_32);
