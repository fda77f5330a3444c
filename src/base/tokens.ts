/**
 * The Llama 3.1 special-token table and the chat roles.
 *
 * Some npm tokenizer packages labelled "llama3_1" still carry Llama 3's names for 128008/128010
 * (`<|reserved_special_token_3|>` / `_4|>`); the text vocabulary is identical, the special table is
 * not. This table is Llama 3.1's, and it is the one every other module uses.
 */

import { describeValue, InvalidArgumentError } from "./errors.js";

/** Named special tokens of Llama 3.1 and their ids. */
export const SPECIAL_TOKENS = {
  "<|begin_of_text|>": 128000,
  "<|end_of_text|>": 128001,
  "<|finetune_right_pad_id|>": 128004,
  "<|start_header_id|>": 128006,
  "<|end_header_id|>": 128007,
  "<|eom_id|>": 128008,
  "<|eot_id|>": 128009,
  "<|python_tag|>": 128010,
} as const;

/** One of the named special tokens, e.g. `"<|eot_id|>"`. */
export type SpecialTokenName = keyof typeof SPECIAL_TOKENS;

/** The first id of Llama 3's special-token block (128000..128255). */
export const FIRST_SPECIAL_ID = 128000;
/** The last id of Llama 3's special-token block (128000..128255). */
export const LAST_SPECIAL_ID = 128255;

/**
 * Every id of the block by its text: the named tokens, then the reserved ones in Llama 3.1's order —
 * the ids the named ones leave free (128002, 128003, 128005, then 128011..128255), named
 * `<|reserved_special_token_0|>` .. `<|reserved_special_token_247|>`.
 */
const NAME_BY_ID = new Map<number, string>(Object.entries(SPECIAL_TOKENS).map(([name, id]) => [id, name]));
for (let id = FIRST_SPECIAL_ID, n = 0; id <= LAST_SPECIAL_ID; id++) {
  if (!NAME_BY_ID.has(id)) NAME_BY_ID.set(id, `<|reserved_special_token_${n++}|>`);
}
const ID_BY_NAME = new Map<string, number>();
for (const [id, name] of NAME_BY_ID) ID_BY_NAME.set(name, id);

/** The text of the special token with this id (named or reserved), or undefined outside 128000..128255. */
export function specialTokenName(id: number): string | undefined {
  return NAME_BY_ID.get(id);
}

/** The id of a special token given by its text (named or `<|reserved_special_token_N|>`), or undefined. */
export function specialTokenId(text: string): number | undefined {
  return ID_BY_NAME.get(text);
}

/** True when `id` is in Llama 3's special-token block. */
export function isSpecialTokenId(id: number): boolean {
  return typeof id === "number" && id >= FIRST_SPECIAL_ID && id <= LAST_SPECIAL_ID;
}

/** The source of a regex matching any Llama 3.1 special token written as text (reserved: 0..247 only). */
export const SPECIAL_TOKEN_SOURCE = `<\\|(?:${Object.keys(SPECIAL_TOKENS)
  .map((t) => t.slice(2, -2))
  .join("|")}|reserved_special_token_(?:24[0-7]|2[0-3]\\d|1\\d\\d|[1-9]?\\d))\\|>`;

/**
 * A new regex matching any Llama 3.1 special token written as text, with the given flags (default
 * `"g"`). A new object on every call, so no caller's `lastIndex` can affect another.
 */
export function specialTokenRegExp(flags = "g"): RegExp {
  if (typeof flags !== "string" || !/^[dgimsuy]*$/.test(flags)) {
    throw new InvalidArgumentError(`expected regular-expression flags (a string of d g i m s u y), got ${describeValue(flags)}`, ["flags"]);
  }
  try {
    return new RegExp(SPECIAL_TOKEN_SOURCE, flags);
  } catch (cause) {
    throw new InvalidArgumentError(`invalid flags ${JSON.stringify(flags)} (a flag given twice?)`, ["flags"], { cause });
  }
}

const FIND = new RegExp(SPECIAL_TOKEN_SOURCE); // not global: exec ignores lastIndex

/**
 * The first special token written as text in `text` (`{ token, index }`), or undefined. Text
 * without `"<|"` is answered without a regex.
 */
export function findSpecialToken(text: string): { token: string; index: number } | undefined {
  if (typeof text !== "string" || !text.includes("<|")) return undefined;
  const m = FIND.exec(text);
  return m ? { token: m[0], index: m.index } : undefined;
}

/** True when `text` contains a Llama 3.1 special token written as text. */
export function containsSpecialToken(text: string): boolean {
  return findSpecialToken(text) !== undefined;
}

/** Chat roles Llama 3.1 was trained on. OpenAI-style `tool` is rendered as `ipython`. */
export const ROLES = ["system", "user", "assistant", "ipython"] as const;
/** One of {@link ROLES}. */
export type Role = (typeof ROLES)[number];

/** Built-in tools of Llama 3.1 (`Tools:` line of the system prompt). */
export const BUILTIN_TOOLS = ["brave_search", "wolfram_alpha", "code_interpreter"] as const;
/** One of {@link BUILTIN_TOOLS}. */
export type BuiltinToolName = (typeof BUILTIN_TOOLS)[number];

/**
 * Every built-in tool name an option accepts: Llama 3.1's three, and `photogen`, which Meta's
 * reference system prompt also knows.
 */
export const BUILTIN_TOOL_NAMES = ["brave_search", "wolfram_alpha", "code_interpreter", "photogen"] as const;
/** One of {@link BUILTIN_TOOL_NAMES}. */
export type AnyBuiltinToolName = (typeof BUILTIN_TOOL_NAMES)[number];

/** The one rule for tool names, in words (see {@link isToolName}). */
export const TOOL_NAME_RULE = "1 to 128 characters: letters, digits, _ - . : /";

/**
 * The one rule for tool names, used for tool definitions, tool calls, parse options and
 * `defineTools`: 1 to 128 of `A-Z a-z 0-9 _ - . : /` — OpenAI's characters plus the separators MCP
 * servers use. Such a name needs no escaping wherever a prompt writes it (`{"name": "..."}`,
 * `<function=...>`, `[name(...)]`), so no name can break out of the text around it.
 */
export function isToolName(name: unknown): name is string {
  return typeof name === "string" && /^[A-Za-z0-9_.:/-]{1,128}$/.test(name);
}

/**
 * Llama 3.2 Vision's image token (11B/90B): the template writes one where each image goes, and the
 * server puts the image there. It is not in the text models' vocabulary (nor in
 * {@link SPECIAL_TOKENS}, {@link specialTokenId} or the parser's tokens): only the Vision renderer
 * writes it, and only Vision prompts guard it in content.
 */
export const IMAGE_TOKEN = "<|image|>";
/** The id of {@link IMAGE_TOKEN} in Llama 3.2 Vision's tokenizer (one past the 3.1 special block). */
export const IMAGE_TOKEN_ID = 128256;

/** The `Today Date:` the official template uses when no date is given. */
export const DEFAULT_DATE_STRING = "26 Jul 2024";
