import { z } from "zod";
import { describe, expectTypeOf, it } from "vitest";
import type { FunctionToolDefinition } from "../src/base/options.js";
import {
  defineTools,
  type ParsedToolCall,
  type ToolSpec,
  type ToolErrorMessage,
} from "../src/tools/define-tools.js";
import type { ToolArgumentsError, UnknownToolError } from "../src/base/errors.js";
import type { ToolCall, ToolCallFormat } from "../src/parse/types.js";
import type { ChatMessage } from "../src/prompt/messages.js";
import type { PromptOptions } from "../src/prompt/render.js";

const tools = defineTools(
  {
    get_weather: {
      description: "Current weather",
      parameters: z.object({
        city: z.string(),
        unit: z.enum(["celsius", "fahrenheit"]).optional(),
        days: z.number().default(1),
      }),
    },
    send_email: { parameters: z.strictObject({ to: z.string(), tags: z.array(z.string()) }) },
  },
  { builtinTools: ["brave_search", "code_interpreter"] },
);

const customOnly = defineTools({ ping: { parameters: z.object({ host: z.string() }) } });

declare const raw: ToolCall;

describe("defineTools types", () => {
  it("parse returns a union narrowed by name, with zod output types", () => {
    const call = tools.parse(raw);
    expectTypeOf(call.name).toEqualTypeOf<"get_weather" | "send_email" | "brave_search" | "code_interpreter">();
    if (call.name === "get_weather") {
      expectTypeOf(call.arguments).toEqualTypeOf<{ city: string; unit?: "celsius" | "fahrenheit" | undefined; days: number }>();
      expectTypeOf(call.arguments.city).toEqualTypeOf<string>();
      // @ts-expect-error not a parameter of get_weather
      void call.arguments.to;
    } else if (call.name === "send_email") {
      expectTypeOf(call.arguments).toEqualTypeOf<{ to: string; tags: string[] }>();
    }
    expectTypeOf(call.id).toEqualTypeOf<string>();
    expectTypeOf(call.raw).toEqualTypeOf<string>();
    expectTypeOf(call.format).toEqualTypeOf<ToolCallFormat>();
  });

  it("built-ins join the union with their argument types", () => {
    const call = tools.parse(raw);
    if (call.name === "brave_search") {
      expectTypeOf(call.arguments.query).toEqualTypeOf<string>();
      // extra keyword arguments keep the parser's types (n=3 → number): unknown
      expectTypeOf(call.arguments["freshness"]).toEqualTypeOf<unknown>();
      expectTypeOf(call.arguments).toEqualTypeOf<{ query: string; [kwarg: string]: unknown }>();
    }
    if (call.name === "code_interpreter") {
      expectTypeOf(call.arguments).toEqualTypeOf<{ code: string }>();
    }
    if (call.name === "brave_search") {
      // query stays required
      // @ts-expect-error query is required
      const noQuery: typeof call.arguments = { n: 3 };
      void noQuery;
    }
    // wolfram_alpha was not enabled
    // @ts-expect-error no overlap: "wolfram_alpha" is not in the union
    if (call.name === "wolfram_alpha") void call;
    expectTypeOf(tools.builtinTools).toEqualTypeOf<("brave_search" | "code_interpreter")[]>();
    expectTypeOf(tools.names).toEqualTypeOf<("get_weather" | "send_email" | "brave_search" | "code_interpreter")[]>();
  });

  it("without builtinTools, only custom tools are in the union", () => {
    const call = customOnly.parse(raw);
    expectTypeOf(call.name).toEqualTypeOf<"ping">();
    expectTypeOf(call.arguments).toEqualTypeOf<{ host: string }>();
    expectTypeOf(customOnly.builtinTools).toEqualTypeOf<never[]>();
    expectTypeOf(call).toEqualTypeOf<ParsedToolCall<{ ping: ToolSpec<z.ZodObject<{ host: z.ZodString }>> }>>();
    expectTypeOf(call).toEqualTypeOf<ToolCall<"ping", { host: string }>>();
  });

  it("safeParse narrows on success and types the error", () => {
    const r = tools.safeParse(raw);
    if (r.success) {
      expectTypeOf(r.data).toEqualTypeOf<ReturnType<typeof tools.parse>>();
      if (r.data.name === "send_email") expectTypeOf(r.data.arguments.tags).toEqualTypeOf<string[]>();
    } else {
      expectTypeOf(r.error).toEqualTypeOf<UnknownToolError | ToolArgumentsError>();
      expectTypeOf(r.data).toEqualTypeOf<undefined>();
    }
  });

  it("definitions plug into renderPrompt options; error messages into the conversation", () => {
    expectTypeOf(tools.definitions).toEqualTypeOf<FunctionToolDefinition<"get_weather" | "send_email">[]>();
    expectTypeOf(tools.definitions).toExtend<NonNullable<PromptOptions["tools"]>>();
    expectTypeOf(tools.builtinTools).toExtend<NonNullable<PromptOptions["builtinTools"]>>();
    expectTypeOf(tools.formatError(new Error("x"))).toEqualTypeOf<ToolErrorMessage>();
    expectTypeOf<ToolErrorMessage>().toExtend<ChatMessage>();
  });

  it("refuses non-object parameter schemas and unknown built-ins at compile time", () => {
    // @ts-expect-error parameters must be a zod object
    defineTools({ bad: { parameters: z.string() } });
    // @ts-expect-error parameters must be a zod object
    defineTools({ bad: { parameters: z.array(z.object({})) } });
    // @ts-expect-error not a built-in tool
    defineTools({}, { builtinTools: ["google"] });
  });
});
