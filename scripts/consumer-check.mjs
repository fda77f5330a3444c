#!/usr/bin/env node
/**
 * npm run consumer-check — installs the packed package into scratch projects, once per zod version
 * the peer range claims (oldest and newest), and uses it as a user would: TypeScript type-checks a
 * consumer under moduleResolution nodenext and bundler, then the consumer runs as ESM and as CJS,
 * importing every subpath (the framework adapters with the real `ai`, `@ai-sdk/provider` and
 * `@langchain/core` installed beside it; the root must not load them). Run after `npm run build`.
 * Needs the npm registry.
 *
 *   node scripts/consumer-check.mjs [zodVersion ...]   (default: the oldest and newest claimed)
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
// The peer range is "^3.25.76 || ^4.1.8": its oldest versions and the newest.
const versions = process.argv.slice(2).length ? process.argv.slice(2) : ["3.25.76", "4.1.8", "4"];
const tsVersion = pkg.devDependencies.typescript;

if (!existsSync(join(root, "dist/index.js"))) {
  console.error("consumer-check: dist/ is missing; run npm run build first");
  process.exit(1);
}

const run = (cmd, args, cwd) => execFileSync(cmd, args, { cwd, stdio: ["ignore", "pipe", "pipe"], encoding: "utf8" });
const work = mkdtempSync(join(tmpdir(), "lpf-consumer-"));
const tarball = join(work, run("npm", ["pack", "--ignore-scripts", "--silent", "--pack-destination", work], root).trim().split("\n").pop());

const consumerTs = `
import { renderPrompt, parseAssistantOutput, createStreamParser, parseOptionsFor, isLlamaPromptError, type ChatMessage } from "llama-prompt-format";
import { defineTools } from "llama-prompt-format/tools";
import { renderWithTemplate } from "llama-prompt-format/template";
import { builtinToolsPrompt } from "llama-prompt-format/meta";
import * as backends from "llama-prompt-format/backends";
import { toOpenAIMessage, type OpenAIAssistantMessage } from "llama-prompt-format/openai";
import { createLlamaModel, llama } from "llama-prompt-format/ai-sdk";
import { ChatLlama } from "llama-prompt-format/langchain";
import type { LanguageModel } from "ai";
import { z } from "zod/v4";

const backend = backends.tgiBackend({ baseURL: "http://127.0.0.1:9" });
const model: LanguageModel = createLlamaModel(backend, { dateString: "01 Jan 2025" });
const web = llama.tools.braveSearch({ execute: async ({ query }) => [query] });
const chat = new ChatLlama({ backend }).bindTools([{ name: "get_weather", description: "Weather", schema: z.object({ city: z.string() }) }]);
void model; void web; void chat;
const tools = defineTools({ get_weather: { description: "Weather", parameters: z.object({ city: z.string() }) } });
const messages: ChatMessage[] = [{ role: "user", content: "Weather in Paris?" }];
const options = { tools: tools.definitions };
const prompt: string = renderPrompt(messages, options);
const reply = parseAssistantOutput('{"name": "get_weather", "parameters": {"city": "Paris"}}<|eot_id|>', parseOptionsFor(options));
const call = tools.parse(reply.toolCalls[0]!);
if (call.name === "get_weather") {
  const city: string = call.arguments.city;
  void city;
}
const openaiMessage: OpenAIAssistantMessage = toOpenAIMessage(reply);
void openaiMessage;
void createStreamParser; void renderWithTemplate; void builtinToolsPrompt; void backends; void isLlamaPromptError; void prompt;
`;

const runtime = (kind) => `
${kind === "esm" ? `
import { renderPrompt, parseAssistantOutput, parseOptionsFor, isLlamaPromptError } from "llama-prompt-format";
import { defineTools } from "llama-prompt-format/tools";
import { renderWithTemplate } from "llama-prompt-format/template";
import { builtinToolsPrompt } from "llama-prompt-format/meta";
import * as backends from "llama-prompt-format/backends";
import { toOpenAIMessage } from "llama-prompt-format/openai";
import { createLlamaModel, llama } from "llama-prompt-format/ai-sdk";
import { ChatLlama } from "llama-prompt-format/langchain";
import { z } from "zod/v4";` : `
const { renderPrompt, parseAssistantOutput, parseOptionsFor, isLlamaPromptError } = require("llama-prompt-format");
const { defineTools } = require("llama-prompt-format/tools");
const { renderWithTemplate } = require("llama-prompt-format/template");
const { builtinToolsPrompt } = require("llama-prompt-format/meta");
const backends = require("llama-prompt-format/backends");
const { toOpenAIMessage } = require("llama-prompt-format/openai");
const loaded = Object.keys(require.cache).filter((f) => /node_modules[\\/](ai|@ai-sdk|@langchain)[\\/]/.test(f));
if (loaded.length) throw new Error("the root and the other subpaths loaded " + loaded[0]);
const { createLlamaModel, llama } = require("llama-prompt-format/ai-sdk");
const { ChatLlama } = require("llama-prompt-format/langchain");
const { z } = require("zod/v4");`}
const tools = defineTools({ get_weather: { description: "Weather", parameters: z.object({ city: z.string() }) } });
const options = { tools: tools.definitions };
const prompt = renderPrompt([{ role: "user", content: "Weather in Paris?" }], options);
if (!prompt.includes('"get_weather"')) throw new Error("tool not rendered");
const reply = parseAssistantOutput('{"name": "get_weather", "parameters": {"city": "Paris"}}<|eot_id|>', parseOptionsFor(options));
const call = tools.parse(reply.toolCalls[0]);
if (call.arguments.city !== "Paris") throw new Error("call not parsed");
let caught;
try { tools.parse({ ...reply.toolCalls[0], arguments: { city: 3 } }); } catch (e) { caught = e; }
if (!isLlamaPromptError(caught, "INVALID_TOOL_ARGUMENTS")) throw new Error("expected a typed error");
if (renderWithTemplate("{{ messages[0].content }}", [{ role: "user", content: "x" }]) !== "x") throw new Error("template");
if (!builtinToolsPrompt(["brave_search"]).includes("brave_search")) throw new Error("meta");
if (typeof backends !== "object") throw new Error("backends");
if (toOpenAIMessage(reply).tool_calls[0].function.arguments !== '{"city":"Paris"}') throw new Error("openai");
const backend = backends.tgiBackend({ baseURL: "http://127.0.0.1:9" });
if (createLlamaModel(backend).specificationVersion !== "v3") throw new Error("ai-sdk");
if (llama.tools.codeInterpreter().id !== "llama.code_interpreter") throw new Error("ai-sdk tools");
if (new ChatLlama({ backend })._llmType() !== "llama-prompt-format") throw new Error("langchain");
console.log("${kind}: ok");
`;

let failed = false;
try {
  for (const zod of versions) {
    const dir = join(work, `zod-${zod}`);
    execFileSync("mkdir", ["-p", dir]);
    writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
    run("npm", ["install", "--no-audit", "--no-fund", "--silent", tarball, `zod@${zod}`, `typescript@${tsVersion}`, "@types/node@20", `ai@${pkg.devDependencies.ai}`, `@ai-sdk/provider@${pkg.devDependencies["@ai-sdk/provider"]}`, `@langchain/core@${pkg.devDependencies["@langchain/core"]}`,
      // @ai-sdk/provider's declarations import "json-schema" types it does not install (skipLibCheck is off here).
      "@types/json-schema"], dir);
    const installed = JSON.parse(readFileSync(join(dir, "node_modules/zod/package.json"), "utf8")).version;
    writeFileSync(join(dir, "consumer.ts"), consumerTs);
    writeFileSync(join(dir, "consumer.mjs"), runtime("esm"));
    writeFileSync(join(dir, "consumer.cjs"), runtime("cjs"));
    const results = [];
    for (const [module, resolution] of [["nodenext", "nodenext"], ["esnext", "bundler"], ["node16", "node16"]]) {
      try {
        run("npx", ["tsc", "--noEmit", "--strict", "--skipLibCheck", "false", "--module", module, "--moduleResolution", resolution, "--target", "es2022", "--types", "node", "consumer.ts"], dir);
        results.push(`tsc ${resolution} ok`);
      } catch (e) {
        failed = true;
        results.push(`tsc ${resolution} FAILED:\n${e.stdout ?? ""}${e.stderr ?? ""}`);
      }
    }
    for (const file of ["consumer.mjs", "consumer.cjs"]) {
      try {
        results.push(run("node", [file], dir).trim());
      } catch (e) {
        failed = true;
        results.push(`${file} FAILED:\n${e.stdout ?? ""}${e.stderr ?? ""}`);
      }
    }
    console.log(`zod ${installed}: ${results.join("; ")}`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
