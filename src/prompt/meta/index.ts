/**
 * `llama-prompt-format/meta`: Meta's reference system-prompt generators (llama-models
 * `system_prompts.py`) and conversion between Meta's and OpenAI's tool shapes. `renderPrompt` with
 * `dialect: "meta"` uses them; they are here for callers who build prompts their own way.
 */
export {
  systemDefaultPrompt,
  builtinToolsPrompt,
  jsonCustomToolsPrompt,
  functionTagCustomToolsPrompt,
  pythonListToolsPrompt,
  formatMetaDate,
  PYTHON_LIST_DEFAULT_PROMPT,
  META_BUILTIN_TOOLS,
  type PythonListToolsPromptOptions,
} from "./system-prompts.js";
export {
  metaToolToOpenAI,
  openAIToolToMeta,
  toMetaTool,
  parseMetaTool,
  isMetaTool,
  MetaToolError,
  type MetaToolDefinition,
  type MetaToolParamDefinition,
  type OpenAIToMetaOptions,
} from "./tools.js";
