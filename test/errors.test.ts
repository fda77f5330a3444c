/**
 * The error classes are part of the public contract: exported, subclasses of LlamaPromptError, and
 * each with the stable `code` the README documents. Changing a code is a breaking change.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import * as api from "../src/index.js";
import * as backends from "../src/backends/index.js";
import * as meta from "../src/prompt/meta/index.js";
import { renderWithTemplate } from "../src/template/index.js";
import * as template from "../src/template/index.js";
import * as tools from "../src/tools/index.js";

/** Every public entry of the package. */
const entries = { ...api, ...tools, ...template, ...meta, ...backends };

const DOCUMENTED: Record<string, string> = {
  InvalidMessageError: "INVALID_MESSAGE",
  InvalidOptionsError: "INVALID_OPTIONS",
  TemplateError: "TEMPLATE_ERROR",
  SpecialTokenError: "SPECIAL_TOKEN_IN_CONTENT",
  SerializationError: "NOT_SERIALIZABLE",
  TemplateRenderError: "TEMPLATE_RENDER_FAILED",
  ToolCallTooLargeError: "TOOL_CALL_TOO_LARGE",
  IncompleteToolCallError: "TOOL_CALL_INCOMPLETE",
  UnknownToolError: "UNKNOWN_TOOL",
  ToolArgumentsError: "INVALID_TOOL_ARGUMENTS",
  ToolDefinitionError: "INVALID_TOOL_DEFINITION",
  MetaToolError: "INVALID_TOOL_DEFINITION",
  InvalidArgumentError: "INVALID_ARGUMENT",
  TokenizerError: "TOKENIZER_ERROR",
  BackendHttpError: "BACKEND_HTTP_ERROR",
  BackendStreamError: "BACKEND_STREAM_ERROR",
  BackendTimeoutError: "BACKEND_TIMEOUT",
};

describe("error classes", () => {
  it("every error class of the package is exported, documented in docs/errors.md, and a LlamaPromptError", () => {
    const readme = readFileSync(join(import.meta.dirname, "..", "docs", "errors.md"), "utf8");
    const exported = Object.entries(entries).filter(([, v]) => typeof v === "function" && v.prototype instanceof api.LlamaPromptError);
    expect(exported.map(([k]) => k).sort()).toEqual(Object.keys(DOCUMENTED).sort());
    for (const [name, code] of Object.entries(DOCUMENTED)) {
      expect(readme, name).toMatch(new RegExp("\\| `" + name + "`(?: \\(`/\\w+`\\))? \\| `" + code + "` \\|"));
    }
  });

  it("errors thrown by the library carry their documented code and class name", () => {
    const cases: Array<[string, () => unknown]> = [
      ["InvalidMessageError", () => api.renderPrompt([{ role: "robot" } as never])],
      ["InvalidOptionsError", () => api.renderPrompt([{ role: "user", content: "x" }], { dialect: "x" as never })],
      ["TemplateError", () => api.renderPrompt([])],
      ["SpecialTokenError", () => api.renderPrompt([{ role: "user", content: "<|eot_id|>" }])],
      ["SerializationError", () => api.renderPrompt([{ role: "user", content: "x" }, { role: "tool", content: NaN }])],
      ["TemplateRenderError", () => renderWithTemplate("{% if %}", [{ role: "user", content: "x" }])],
    ];
    for (const [name, fn] of cases) {
      let caught: unknown;
      try {
        fn();
      } catch (e) {
        caught = e;
      }
      expect(caught, name).toBeInstanceOf(api.LlamaPromptError);
      expect((caught as Error).name).toBe(name);
      expect((caught as api.LlamaPromptError).code).toBe(DOCUMENTED[name]);
    }
  });
});

describe("recognised across copies of the package", () => {
  it("isLlamaPromptError and instanceof accept an error made by another copy (same marker, same errorName)", async () => {
    // A second copy of the module: a fresh module registry gives new class objects, as a second
    // copy of the package (ESM beside CJS, or two versions in one bundle) would.
    vi.resetModules();
    const other = await import("../src/base/errors.js");
    expect(other.LlamaPromptError).not.toBe(api.LlamaPromptError);
    const e = new other.SpecialTokenError("<|eot_id|>", ["messages", 0, "content"], "user");
    expect(e instanceof api.LlamaPromptError).toBe(true);
    expect(e instanceof api.SpecialTokenError).toBe(true);
    expect(e instanceof api.InvalidMessageError).toBe(false);
    expect(api.isLlamaPromptError(e)).toBe(true);
    expect(api.isLlamaPromptError(e, "SPECIAL_TOKEN_IN_CONTENT")).toBe(true);
    expect(api.isLlamaPromptError(e, "INVALID_MESSAGE")).toBe(false);
    expect(e.name).toBe("SpecialTokenError");
    expect(api.isLlamaPromptError(new Error("x"))).toBe(false);
    expect(new Error("x") instanceof api.LlamaPromptError).toBe(false);
  });

  it("every error carries code, path (from the argument root) and a JSON form", () => {
    const e = thrownBy(() => api.renderPrompt([{ role: "user", content: 42 as never }]));
    expect(api.isLlamaPromptError(e)).toBe(true);
    const err = e as api.LlamaPromptError;
    expect(err.path).toEqual(["messages", 0, "content"]);
    expect(err.message.startsWith("messages[0].content: ")).toBe(true);
    expect(JSON.parse(JSON.stringify(err))).toEqual({ name: "InvalidMessageError", code: "INVALID_MESSAGE", path: ["messages", 0, "content"], message: err.message });
  });
});

function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error("did not throw");
}
