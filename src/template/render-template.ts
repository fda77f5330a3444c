/**
 * Rendering a user-supplied chat template (a fine-tune's own `chat_template`) with
 * @huggingface/jinja, from the same message input as `renderPrompt`, with the special-token policy
 * applied to what the template writes.
 */
import { Environment, Interpreter, Template } from "@huggingface/jinja";
import {
  describeValue,
  formatPath,
  InvalidArgumentError,
  InvalidOptionsError,
  SpecialTokenError,
  TemplateRenderError,
  type ErrorPath,
} from "../base/errors.js";
import { RENDER_KEYS, type RenderOptions } from "../base/options.js";
import { plainJson } from "../base/python.js";
import { safeIsArray } from "../base/read.js";
import { specialTokenRegExp } from "../base/tokens.js";
import { normalizeMessages, type ChatMessage, type NormalizedContent, type NormalizedMessage } from "../prompt/messages.js";
import { strftimeDayMonthYear } from "../prompt/hf/dialect.js";
import { guardOptionFields, resolveRenderOptions } from "../prompt/options.js";
import { fieldGuard, stripSpecialTokens } from "../prompt/special-tokens.js";
import { strftime } from "./strftime.js";

/** Options of {@link renderWithTemplate}. */
export interface TemplateRenderOptions extends Omit<RenderOptions, "dialect" | "llamaVersion" | "toolPromptFormat" | "lossyTools" | "splitToolCalls"> {
  /** `bos_token` (default `"<|begin_of_text|>"`). Written as given: it is meant to be a special token. */
  bosToken?: string;
  /** `eos_token` (default `"<|eot_id|>"`). Written as given: it is meant to be a special token. */
  eosToken?: string;
  /**
   * Further template variables (they override nothing above but the globals: `strftime_now`,
   * `range`, `raise_exception`, as render keyword arguments shadow globals in transformers). Unless `specialTokens` is `"allow"`,
   * they must be JSON data (read once, like tool arguments: functions are refused) and their strings
   * are checked like message content.
   */
  variables?: Record<string, unknown>;
}

/** The render options a template reads (the template is given: dialect, version, the meta dialect's options and the hf dialect's splitToolCalls do not apply). */
const TEMPLATE_KEYS = RENDER_KEYS.filter(
  (k) => k !== "dialect" && k !== "llamaVersion" && k !== "toolPromptFormat" && k !== "lossyTools" && k !== "splitToolCalls",
);
const OWN_KEYS = ["bosToken", "eosToken", "variables"];

const compiled = new Map<string, Template>();

/** The most items `range()` may make: a template cannot make this renderer allocate without bound. */
const MAX_RANGE = 1_000_000;

/** Content as transformers passes it: a string as given, parts as a list (`{type: "text", text}`, `{type: "image"}`). */
function hfContent(content: NormalizedContent): unknown {
  if (typeof content === "string") return content;
  return content.map((p) => (p.type === "image" ? { type: "image" } : { type: "text", text: p.text }));
}

/**
 * Messages as transformers passes them to a template: content as given (a string, or the list of
 * parts — templates that read parts join them themselves; image parts as `{type: "image"}`), tool
 * calls with object arguments, tool results with role `tool`, their `tool_call_id` and `name`.
 */
function toHfMessages(messages: NormalizedMessage[]): Record<string, unknown>[] {
  return messages.map((m) => {
    switch (m.kind) {
      case "text":
        return { role: m.role, content: hfContent(m.content) };
      case "tool_result": {
        const out: Record<string, unknown> = { role: "tool", content: m.content };
        if (m.toolCallId !== undefined) out.tool_call_id = m.toolCallId;
        if (m.name !== undefined) out.name = m.name;
        return out;
      }
      case "tool_call": {
        // No text next to the calls: no content key (a template looping over content sees nothing).
        const empty = m.content === "" || (Array.isArray(m.content) && m.content.length === 0);
        return {
          role: "assistant",
          ...(empty ? {} : { content: hfContent(m.content) }),
          tool_calls: m.calls.map((c) => ({
            ...(c.id !== undefined ? { id: c.id } : {}),
            type: "function",
            function: { name: c.name, arguments: c.arguments },
          })),
        };
      }
    }
  });
}

/** Python's `range()`, bounded by {@link MAX_RANGE}. */
function range(start: unknown, stop?: unknown, step: unknown = 1): number[] {
  let a = start;
  let b = stop;
  if (b === undefined) [a, b] = [0, start];
  if (![a, b, step].every((x) => typeof x === "number" && Number.isInteger(x))) {
    throw new TemplateRenderError(`range() takes integers`);
  }
  const [s, e, k] = [a, b, step] as [number, number, number];
  if (k === 0) throw new TemplateRenderError(`range() step must not be zero`);
  const n = Math.max(0, Math.ceil((e - s) / k));
  if (n > MAX_RANGE) throw new TemplateRenderError(`range() of ${n} items: at most ${MAX_RANGE}`);
  return Array.from({ length: n }, (_, i) => s + i * k);
}

/**
 * The globals of @huggingface/jinja's own `Template.render` (booleans, none, `raise_exception`,
 * `range`; `namespace` is built into its environment), with `strftime_now` as transformers defines
 * it: the date written as Python's `strftime` writes it. `dateString` given: a Date (or "today") is
 * formatted with the template's format; a string is returned as given, whatever the format.
 */
function globals(date: string | Date | undefined): Record<string, unknown> {
  return {
    false: false,
    true: true,
    none: null,
    False: false,
    True: true,
    None: null,
    raise_exception: (message: unknown) => {
      throw new TemplateRenderError(`the chat template raised: ${typeof message === "string" ? message : errorText(message)}`);
    },
    range,
    strftime_now: (format: unknown) => {
      if (typeof format !== "string") throw new TemplateRenderError(`strftime_now() takes a format string`);
      if (typeof date === "string") return date;
      return strftime(date ?? new Date(), format);
    },
  };
}

/** The options object read once: render options apart, the template's own options checked. */
function readTemplateOptions(options: unknown): { render: Record<string, unknown>; bosToken: string; eosToken: string; variables: unknown } {
  const render: Record<string, unknown> = {};
  const result = { render, bosToken: "<|begin_of_text|>", eosToken: "<|eot_id|>", variables: undefined as unknown };
  if (options === undefined || options === null) return result;
  if (typeof options !== "object" || safeIsArray(options)) {
    throw new InvalidOptionsError(`expected an options object, got ${describeValue(options)}`, ["options"]);
  }
  let entries: Array<[string, unknown]>;
  try {
    entries = Object.keys(options).map((k) => [k, (options as Record<string, unknown>)[k]]);
  } catch (cause) {
    throw new InvalidOptionsError(`the options object could not be read`, ["options"], { cause });
  }
  for (const [k, v] of entries) {
    if (v === undefined) continue;
    if (k === "dialect" || k === "llamaVersion") {
      throw new InvalidOptionsError(`renderWithTemplate renders the given template; ${k} does not apply`, ["options", k]);
    }
    if (k === "bosToken" || k === "eosToken") {
      if (typeof v !== "string") throw new InvalidOptionsError(`expected a string, got ${describeValue(v)}`, ["options", k]);
      result[k] = v;
    } else if (k === "variables") {
      if (v === null || typeof v !== "object" || safeIsArray(v)) {
        throw new InvalidOptionsError(`expected an object of template variables, got ${describeValue(v)}`, ["options", k]);
      }
      result.variables = v;
    } else if ((TEMPLATE_KEYS as readonly string[]).includes(k)) {
      render[k] = v;
    } else {
      throw new InvalidOptionsError(`unknown option; options read here: ${[...TEMPLATE_KEYS, ...OWN_KEYS].join(", ")}`, ["options", k]);
    }
  }
  return result;
}

function errorText(e: unknown): string {
  try {
    if (e instanceof Error) return String(e.message);
    return String(e);
  } catch {
    return "an error that cannot be described";
  }
}

function compile(template: string): Template {
  let tmpl = compiled.get(template);
  if (!tmpl) {
    try {
      tmpl = new Template(template);
    } catch (e) {
      throw new TemplateRenderError(`the chat template does not parse: ${errorText(e)}`, { cause: e });
    }
    if (compiled.size > 32) compiled.clear();
    compiled.set(template, tmpl);
  }
  return tmpl;
}

/**
 * Renders as `Template.render` does, in an environment of our own: @huggingface/jinja's render
 * declares its globals first and refuses to redeclare them, so `strftime_now` could not be replaced.
 */
function run(tmpl: Template, vars: Record<string, unknown>): string {
  try {
    const env = new Environment();
    for (const [k, v] of Object.entries(vars)) env.set(k, v);
    return String(new Interpreter(env).run(tmpl.parsed).value);
  } catch (e) {
    if (e instanceof TemplateRenderError) throw e;
    throw new TemplateRenderError(`the chat template failed to render: ${errorText(e)}`, { cause: e });
  }
}

/**
 * Renders any Jinja chat template (e.g. a fine-tune's `tokenizer_config.json` `chat_template`)
 * with @huggingface/jinja, given what transformers' `apply_chat_template` gives it. Messages are
 * validated as for `renderPrompt` and passed in Hugging Face's shape (content strings and content
 * lists as given, image parts as `{type: "image"}`, `arguments` JSON strings decoded, `tool` results
 * with role `tool`, their `tool_call_id` and `name`), and the same special-token policy applies — to the input field
 * by field, and to what the template writes (see docs/security.md: a second render in which every
 * `<`, `|` and `>` of the input is replaced tells the template's own special tokens from those the
 * input forms). Template variables: `messages`, `tools`, `builtin_tools`, `date_string`,
 * `tools_in_user_message`, `add_generation_prompt`, `bos_token`, `eos_token`, plus `variables`;
 * globals `raise_exception`, `range` (bounded), `strftime_now` (Python's strftime, from `dateString`
 * when given). Unset options are left undefined, so the template's own defaults apply.
 *
 * Note: @huggingface/jinja 0.5.x differs from Python Jinja2 in places (no `reject` filter, JavaScript
 * `trim`, float and boolean printing, no loop over a string): docs/template.md lists the cases. For
 * the official Llama templates use `renderPrompt` (with `llamaVersion`), which is exact.
 *
 * @throws TemplateRenderError when the template does not parse, raises while rendering, or (unless
 *   `specialTokens` is `"allow"`) reacts to `<`, `|`, `>` in the input so that its output cannot be checked.
 * @example
 * renderWithTemplate(myTemplate, [{ role: "user", content: "Hi" }], { addGenerationPrompt: true })
 */
export function renderWithTemplate(template: string, messages: readonly ChatMessage[], options?: TemplateRenderOptions | null): string {
  if (typeof template !== "string") {
    throw new InvalidArgumentError(`expected the chat template's source (a string), got ${describeValue(template)}`, ["template"]);
  }
  const own = readTemplateOptions(options);
  const resolved = resolveRenderOptions(own.render, TEMPLATE_KEYS);
  const policy = resolved.specialTokens;
  const opts = guardOptionFields(resolved, policy);
  const normalized = normalizeMessages(messages, policy);
  const variables =
    own.variables === undefined
      ? {}
      : policy === "allow"
        ? (own.variables as Record<string, unknown>) // passed as given, functions included
        : (plainJson(own.variables, ["options", "variables"], { onString: fieldGuard(policy) }) as Record<string, unknown>);
  const tmpl = compile(template);

  // The input the template reads (bos/eos tokens are the caller's declaration of the template's
  // special tokens, and are not input).
  const input: Record<string, unknown> = { ...variables, messages: toHfMessages(normalized), tools: opts.tools };
  if (opts.builtinTools !== null) input.builtin_tools = opts.builtinTools;
  if (opts.dateString !== undefined) {
    input.date_string = typeof opts.dateString === "string" ? opts.dateString : strftimeDayMonthYear(opts.dateString);
  }
  const fixed: Record<string, unknown> = { bos_token: own.bosToken, eos_token: own.eosToken, add_generation_prompt: opts.addGenerationPrompt };
  if (own.render.toolsInUserMessage !== undefined) fixed.tools_in_user_message = opts.toolsInUserMessage;

  // Globals, unless a variable of the same name shadows them (as render kwargs do in transformers).
  const builtins = Object.fromEntries(Object.entries(globals(opts.dateString)).filter(([k]) => !(k in input)));
  const rendered = run(tmpl, { ...builtins, ...input, ...fixed });
  const out = policy === "allow" ? rendered : checkTemplateOutput(rendered, tmpl, template, input, { ...builtins, ...fixed }, own, policy);
  // addBos: false means what it means for renderPrompt: the prompt does not start with the BOS token
  // (for a server that adds its own), whether the template writes bos_token or the token itself.
  return opts.addBos || own.bosToken === "" || !out.startsWith(own.bosToken) ? out : out.slice(own.bosToken.length);
}

// ---------------------------------------------------------------------------------------------
// What the template writes: its own special tokens vs tokens formed by the input
// ---------------------------------------------------------------------------------------------

const DELIMITERS = /[<|>]/;
const PRIVATE_USE = /[\uE000-\uF8FF]/g;

/**
 * Checks the template's output. Every `<`, `|` and `>` of every input string (keys included) is
 * replaced by a private-use character of the same length that appears nowhere else, and the template
 * is rendered again. If the template only copies input text, the second output with those characters
 * mapped back is the first one; then a special token of the first output that is not at the same
 * place in the second has at least one delimiter character from the input: the input formed it. Those
 * are refused (`"reject"`) or removed (`"strip"`, repeatedly, so the result holds none the input
 * formed). A template that reacts to those characters (compares, splits, escapes them) gives a
 * different second output; its output cannot be checked and a TemplateRenderError says so.
 */
function checkTemplateOutput(
  out: string,
  tmpl: Template,
  source: string,
  input: Record<string, unknown>,
  fixed: Record<string, unknown>,
  own: { bosToken: string; eosToken: string },
  policy: "reject" | "strip",
): string {
  // Input strings that hold a delimiter, and private-use characters already in use anywhere.
  const sourced: Array<{ path: ErrorPath; text: string }> = [];
  const used = new Set<string>();
  const note = (s: string) => {
    for (const c of s.match(PRIVATE_USE) ?? []) used.add(c);
  };
  [source, own.bosToken, own.eosToken, out].forEach(note);
  walkStrings(input, [], (s, path) => {
    note(s);
    if (DELIMITERS.test(s)) sourced.push({ path: inputPath(path), text: s });
  });
  if (sourced.length === 0) return out; // every delimiter of the output is the template's own
  const marks: string[] = [];
  for (let cp = 0xe000; marks.length < 3; cp++) if (!used.has(String.fromCharCode(cp))) marks.push(String.fromCharCode(cp));
  const [lt, bar, gt] = marks as [string, string, string];
  const mask = (s: string) => (DELIMITERS.test(s) ? s.replace(/[<|>]/g, (c) => (c === "<" ? lt : c === "|" ? bar : gt)) : s);
  const shadow = run(tmpl, { ...(mapStrings(input, mask) as Record<string, unknown>), ...fixed });
  const unmasked = shadow.replace(new RegExp(`[${lt}${bar}${gt}]`, "g"), (c) => (c === lt ? "<" : c === bar ? "|" : ">"));
  if (unmasked !== out) {
    throw new TemplateRenderError(
      `the template treats "<", "|" or ">" in the input differently from other characters (it compares, splits or escapes them), ` +
        `so its own special tokens cannot be told apart from ones the input forms; pass specialTokens: "allow" to render it unchecked`,
    );
  }
  const isMark = (i: number) => shadow[i] === lt || shadow[i] === bar || shadow[i] === gt;
  for (const m of out.matchAll(specialTokenRegExp("g"))) {
    const start = m.index;
    if (shadow.startsWith(m[0], start)) continue; // the template's own token
    if (policy === "strip") return stripSpecialTokens(out, isMark);
    throw formedTokenError(m[0], sourced);
  }
  return out;
}

/** Paths of the template input as the caller gave them (`messages` and `options`). */
function inputPath(path: ReadonlyArray<string | number>): ErrorPath {
  const [head, ...rest] = path;
  if (head === "messages") return ["messages", ...rest];
  if (head === "tools") return ["options", "tools", ...rest];
  if (head === "date_string") return ["options", "dateString"];
  if (head === "builtin_tools") return ["options", "builtinTools", ...rest];
  return ["options", "variables", ...path];
}

/**
 * The error for a token the input formed, naming (best effort) the input strings it came from: those
 * that end with a start of the token or start with an end of it (a delimiter included).
 */
function formedTokenError(token: string, sourced: Array<{ path: ErrorPath; text: string }>): SpecialTokenError {
  const hits: ErrorPath[] = [];
  for (const { path, text } of sourced) {
    let part = false;
    for (let k = 1; k < token.length && !part; k++) {
      const head = token.slice(0, k);
      const tail = token.slice(k);
      part = (text.endsWith(head) && DELIMITERS.test(head)) || (text.startsWith(tail) && DELIMITERS.test(tail));
    }
    if (part || (text !== "" && (token.includes(text) || text.includes(token)))) hits.push(path);
    if (hits.length === 2) break;
  }
  const [first, second] = hits;
  if (first === undefined) return new SpecialTokenError(token, ["messages"], undefined, "with the other input, the template's output contains");
  return new SpecialTokenError(
    token,
    first,
    undefined,
    second === undefined ? "together with the text the template writes next to it forms" : `and ${formatPath(second)} together form`,
  );
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== "object" || Array.isArray(v)) return false;
  const p: unknown = Object.getPrototypeOf(v);
  return p === Object.prototype || p === null;
}

/** Calls `f` with every string (keys included) of plain data, and its path. */
function walkStrings(v: unknown, path: Array<string | number>, f: (s: string, path: ReadonlyArray<string | number>) => void): void {
  if (typeof v === "string") f(v, path);
  else if (Array.isArray(v)) v.forEach((x, i) => walkStrings(x, [...path, i], f));
  else if (isPlainObject(v)) {
    for (const k of Object.keys(v)) {
      f(k, [...path, k]);
      walkStrings(v[k], [...path, k], f);
    }
  }
}

/** Plain data with `f` applied to every string (keys included); anything else as it is. */
function mapStrings(v: unknown, f: (s: string) => string): unknown {
  if (typeof v === "string") return f(v);
  if (Array.isArray(v)) return v.map((x) => mapStrings(x, f));
  if (isPlainObject(v)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v)) Object.defineProperty(out, f(k), { value: mapStrings(v[k], f), enumerable: true, writable: true, configurable: true });
    return out;
  }
  return v;
}
