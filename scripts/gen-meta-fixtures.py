#!/usr/bin/env python3
"""Generates fixtures/meta/*.json from Meta's reference files (../shared/reference/meta-llama-models.*).

Nothing expected is typed by hand here:
  * system-prompts.json  - every expected text of test_system_prompts.py (evaluated from its AST), and the
                           output of the real generator templates (system_prompts.py, exec'd with small
                           pydantic stand-ins for llama_models' datatypes) for extra tool sets.
  * prompt-format-md.json - every "Input Prompt Format" block of the two prompt_format.md files, with an
                           input (messages + options) built from pieces parsed out of the same block.
  * dialect-cases.json    - conversations rendered by a string port of ChatFormat.encode_dialog_prompt
                           that calls the real ToolUtils.encode_tool_call (tool_utils.py, exec'd).
Usage: python3 scripts/gen-meta-fixtures.py [REFERENCE_DIR]   (needs jinja2 and pydantic)
"""
import ast
import json
import os
import re
import sys
import textwrap
import types
from datetime import datetime
from enum import Enum
from typing import Any, Dict, List, Optional, Union

from jinja2 import Template
from pydantic import BaseModel

HERE = os.path.dirname(os.path.abspath(__file__))
REF = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "..", "shared", "reference")
OUT = os.path.join(HERE, "..", "fixtures", "meta")


def ref(name):
    with open(os.path.join(REF, "meta-llama-models." + name), encoding="utf-8") as f:
        return f.read()


# --- stand-ins for llama_models.llama3.api.datatypes and .base (the tiny bits the reference needs) ---
class BuiltinTool(Enum):
    brave_search = "brave_search"
    wolfram_alpha = "wolfram_alpha"
    photogen = "photogen"
    code_interpreter = "code_interpreter"


class ToolParamDefinition(BaseModel):
    param_type: str
    description: Optional[str] = None
    required: Optional[bool] = True
    default: Optional[Any] = None


class ToolDefinition(BaseModel):
    tool_name: Union[BuiltinTool, str]
    description: Optional[str] = None
    parameters: Optional[Dict[str, ToolParamDefinition]] = None


class ToolPromptFormat(Enum):
    json = "json"
    function_tag = "function_tag"
    python_list = "python_list"


class ToolCall(BaseModel):
    call_id: str
    tool_name: Union[BuiltinTool, str]
    arguments: Dict[str, Any]


class PromptTemplate:
    def __init__(self, template, data):
        self.template, self.data = template, data

    def render(self):
        return Template(self.template).render(self.data)


class PromptTemplateGeneratorBase:
    pass


def exec_reference(name, replacements):
    src = ref(name)
    for old, new in replacements:
        assert old in src, (name, old)
        src = src.replace(old, new)
    ns = dict(
        BuiltinTool=BuiltinTool, ToolDefinition=ToolDefinition, ToolParamDefinition=ToolParamDefinition,
        PromptTemplate=PromptTemplate, PromptTemplateGeneratorBase=PromptTemplateGeneratorBase,
        ToolPromptFormat=ToolPromptFormat, ToolCall=ToolCall, RecursiveType=Any, __name__="ref_" + name,
    )
    exec(compile(src, name, "exec"), ns)
    return ns


SP = exec_reference("system_prompts.py", [
    ("from llama_models.llama3.api.datatypes import (\n    BuiltinTool,\n    ToolDefinition,\n    ToolParamDefinition,\n)\n", ""),
    ("from .base import PromptTemplate, PromptTemplateGeneratorBase\n", ""),
])
TU = exec_reference("tool_utils.py", [
    ("from ..datatypes import BuiltinTool, RecursiveType, ToolCall, ToolPromptFormat\n", ""),
])
ToolUtils = TU["ToolUtils"]
GENERATORS = {k: SP[k] for k in ("SystemDefaultGenerator", "BuiltinToolGenerator", "JsonCustomToolGenerator",
                                  "FunctionTagCustomToolGenerator", "PythonListCustomToolGenerator")}


def tool_json(t: ToolDefinition):
    """A ToolDefinition as the JSON the TypeScript side accepts (Meta's shape)."""
    d = t.model_dump(mode="json")  # None kept as null: `required: None` is not `required: True`
    return d


def write(name, data):
    with open(os.path.join(OUT, name), "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False, indent=2)
        f.write("\n")


# ---------------------------------------------------------------------------------------------
# 1. test_system_prompts.py expected texts
# ---------------------------------------------------------------------------------------------
TODAY = "{TODAY}"


class FakeDatetime:
    @staticmethod
    def now():
        class _D:
            def strftime(self, fmt):
                assert fmt == "%d %B %Y"
                return TODAY
        return _D()


def test_expectations():
    tree = ast.parse(ref("test_system_prompts.py"))
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef))
    out = []
    for fn in cls.body:
        if not (isinstance(fn, ast.FunctionDef) and fn.name.startswith("test_")):
            continue
        ns = {"textwrap": textwrap, "datetime": FakeDatetime}
        gen_name, expected, system_prompt = None, None, None
        for st in fn.body:
            if isinstance(st, ast.Assign) and isinstance(st.targets[0], ast.Name):
                target = st.targets[0].id
                if target == "generator":
                    gen_name = st.value.func.id
                elif target in ("expected_text", "user_system_prompt", "today"):
                    ns[target] = eval(compile(ast.Expression(st.value), "test", "eval"), ns)
            call = st.value if isinstance(st, ast.Expr) else None
            if isinstance(call, ast.Call) and getattr(call.func, "attr", "") == "check_generator_output":
                expected = eval(compile(ast.Expression(call.args[1]), "test", "eval"), ns)
        if expected is None:
            expected = ns["expected_text"]
            system_prompt = ns.get("user_system_prompt")
        gen = GENERATORS[gen_name]()
        example = gen.data_examples()[0]
        # check the stand-ins: the real templates must reproduce the test's expectation
        actual = (gen.gen(example, system_prompt) if system_prompt is not None else gen.gen(example)).render()
        real_today = datetime.now().strftime("%d %B %Y")
        assert actual == expected.replace(TODAY, real_today), (fn.name, actual, expected)
        out.append({
            "test": fn.name,
            "generator": gen_name,
            "tools": None if example is None else [tool_json(t) for t in example],
            "systemPrompt": system_prompt,
            "expected": expected,
            "todayPlaceholder": TODAY if TODAY in expected else None,
        })
    return out


# Extra tool sets rendered by the real templates (whitespace of loops, None descriptions, defaults, escapes).
P = ToolParamDefinition
EXTRA_TOOLSETS = {
    "none": [],
    "no_params": [ToolDefinition(tool_name="ping", description="Ping the server", parameters={})],
    "two_tools": [
        ToolDefinition(tool_name="get_weather", description="Get weather info for places", parameters={
            "city": P(param_type="string", description="The city", required=True),
            "metric": P(param_type="string", description="celsius or fahrenheit", required=False, default="celsius"),
            "days": P(param_type="int", description="How many days", required=False, default=3),
        }),
        ToolDefinition(tool_name="search_docs", description=None, parameters={
            "q": P(param_type="str"),
            "limit": P(param_type="int", description="Max results", required=False, default=0),
            "strict": P(param_type="bool", description="Exact match", required=None, default=True),
        }),
    ],
    "escapes": [ToolDefinition(tool_name="quote_tool", description='Says "hi" & <b>bye</b> \u00e9\u4e2d\U0001F600 it\'s', parameters={
        "z\u00e9ta": P(param_type="str", description='A "quoted" <param> & it\'s \u00e9', required=True),
        "alpha": P(param_type="float", description="Line1\nLine2", required=False, default=1.5),
        "Beta": P(param_type="list", description="Items", required=True, default=["a", "b"]),
    })],
}


def extra_generator_cases():
    out = []
    for name, tools in EXTRA_TOOLSETS.items():
        for gen_name in ("BuiltinToolGenerator", "JsonCustomToolGenerator", "FunctionTagCustomToolGenerator",
                         "PythonListCustomToolGenerator"):
            if gen_name == "BuiltinToolGenerator":
                continue
            text = GENERATORS[gen_name]().gen(tools).render()
            out.append({"id": f"{gen_name}/{name}", "generator": gen_name, "tools": [tool_json(t) for t in tools],
                        "systemPrompt": None, "expected": text})
        override = "Custom intro.\n\n{{ function_description }}\n\nBe brief."
        text = GENERATORS["PythonListCustomToolGenerator"]().gen(tools, override).render()
        out.append({"id": f"PythonListCustomToolGenerator/{name}/override", "generator": "PythonListCustomToolGenerator",
                    "tools": [tool_json(t) for t in tools], "systemPrompt": override, "expected": text})
    B = BuiltinTool
    builtin_sets = {
        "all": ([B.code_interpreter, B.brave_search, B.wolfram_alpha], []),
        "code_only": ([B.code_interpreter], []),
        "photogen": ([B.wolfram_alpha, B.photogen], []),
        "custom_only": ([], EXTRA_TOOLSETS["no_params"]),
        "builtin_and_custom": ([B.brave_search], EXTRA_TOOLSETS["no_params"]),
        "nothing": ([], []),
    }
    for name, (builtins, custom) in builtin_sets.items():
        tools = [ToolDefinition(tool_name=b) for b in builtins] + custom
        text = GENERATORS["BuiltinToolGenerator"]().gen(tools).render()
        out.append({"id": f"BuiltinToolGenerator/{name}", "generator": "BuiltinToolGenerator",
                    "builtinTools": [b.value for b in builtins], "tools": [tool_json(t) for t in custom],
                    "systemPrompt": None, "expected": text})
    return out


# ---------------------------------------------------------------------------------------------
# 2. A string port of ChatFormat.encode_dialog_prompt (+ the system-prompt assembly the md shows)
# ---------------------------------------------------------------------------------------------
BUILTIN_NAMES = {b.value for b in BuiltinTool}


def tool_name_of(name):
    return BuiltinTool(name) if name in BUILTIN_NAMES else name


def encode_dialog(messages, options):
    """messages: the library's input shape (after the decisions documented in src/dialects/meta.ts)."""
    fmt = ToolPromptFormat(options.get("toolPromptFormat", "json"))
    messages = list(messages)
    pre = []
    if any(k in options for k in ("tools", "builtinTools", "dateString")):
        pre, messages = system_messages(messages, options, fmt)
    out = "<|begin_of_text|>"
    for m in pre + messages:
        role = m["role"]
        out += f"<|start_header_id|>{'ipython' if role in ('tool', 'ipython') else role}<|end_header_id|>\n\n"
        calls = []
        for c in m.get("toolCalls") or []:
            calls.append(ToolCall(call_id="x", tool_name=tool_name_of(c["name"]), arguments=c.get("arguments", {})))
        for c in m.get("tool_calls") or []:
            args = c["function"].get("arguments", {})
            if isinstance(args, str):
                args = json.loads(args)
            calls.append(ToolCall(call_id="x", tool_name=tool_name_of(c["function"]["name"]), arguments=args))
        if role == "assistant" and calls and calls[0].tool_name == BuiltinTool.code_interpreter:
            out += "<|python_tag|>"
        content = m.get("content")
        if isinstance(content, list) and content and all(isinstance(p, dict) and p.get("type") == "text" for p in content):
            # ChatFormat._encode_content: list items are encoded back to back, nothing between them
            out += "".join(p["text"] for p in content)
        elif role in ("tool", "ipython"):
            out += content if isinstance(content, str) else json.dumps(content)
        elif content is not None:
            out += content
        for c in calls:
            out += ToolUtils.encode_tool_call(c, fmt)
        eom = False
        if role == "assistant":
            if "stopReason" in m:
                eom = m["stopReason"] == "eom"
            else:
                eom = any(isinstance(c.tool_name, BuiltinTool) for c in calls)
        out += "<|eom_id|>" if eom else "<|eot_id|>"
    if options.get("addGenerationPrompt", True):
        out += "<|start_header_id|>assistant<|end_header_id|>\n\n"
    return out


def system_messages(messages, options, fmt):
    builtin, custom = [], []
    for name in options.get("builtinTools") or []:
        builtin.append(ToolDefinition(tool_name=BuiltinTool(name)))
    for t in options.get("tools") or []:
        td = ToolDefinition(**{**t, "tool_name": tool_name_of(t["tool_name"])})  # a built-in's name counts as that built-in
        (builtin if isinstance(td.tool_name, BuiltinTool) else custom).append(td)
    instruction = None
    if messages and messages[0]["role"] == "system":
        instruction = messages.pop(0)["content"]
    default = PromptTemplate(GENERATORS["SystemDefaultGenerator"]().gen().template,
                             {"today": options.get("dateString", datetime.now().strftime("%d %B %Y"))}).render()
    if fmt == ToolPromptFormat.python_list and custom:
        sys_content = ""
        if builtin:
            sys_content += GENERATORS["BuiltinToolGenerator"]().gen(builtin).render() + "\n"
        if "dateString" in options:
            sys_content += default + "\n"
        sys_content += GENERATORS["PythonListCustomToolGenerator"]().gen(custom).render() + "\n"
        if instruction:
            sys_content += instruction
        return [{"role": "system", "content": sys_content.strip("\n")}], messages
    sys_content = ""
    if builtin or custom:
        sys_content += GENERATORS["BuiltinToolGenerator"]().gen(builtin + custom).render() + "\n"
    sys_content += default
    if instruction:
        sys_content += "\n\n" + instruction
    sys_content += "\n"
    pre = [{"role": "system", "content": sys_content}]
    if custom:
        gen = GENERATORS["JsonCustomToolGenerator" if fmt == ToolPromptFormat.json else "FunctionTagCustomToolGenerator"]()
        pre.append({"role": "user", "content": gen.gen(custom).render()})
    return pre, messages


# ---------------------------------------------------------------------------------------------
# 3. prompt_format.md examples
# ---------------------------------------------------------------------------------------------
MSG_RE = re.compile(r"<\|start_header_id\|>(\w+)<\|end_header_id\|>\n\n(.*?)(<\|eot_id\|>|<\|eom_id\|>)", re.S)


def md_examples(name):
    text = ref(name)
    out = []
    for m in re.finditer(r"^## (.+?)\n(.*?)(?=^## |\Z)", text, re.S | re.M):
        title, body = m.group(1).strip(), m.group(2)
        block = re.search(r"##### Input Prompt Format\n```\n(.*?)\n```", body, re.S)
        if not block:
            continue
        resp = re.search(r"##### Model Response Format\n```\n(.*?)\n```", body, re.S)
        out.append((title, block.group(1), resp.group(1) if resp else None))
    return out


def parsed(prompt):
    return [(r, c, e) for r, c, e in MSG_RE.findall(prompt)]


def plain_input(prompt):
    msgs = []
    for role, content, end in parsed(prompt):
        msg = {"role": role, "content": content}
        msgs.append(msg)
    return {"messages": msgs, "options": {"dialect": "meta"}}


def today_of(prompt):
    return re.search(r"Today Date: ([^\n]*)\n", prompt).group(1)


def instruction_of(prompt):
    sys_content = parsed(prompt)[0][1]
    return re.search(r"Today Date: [^\n]*\n\n(.*)\n\Z", sys_content, re.S).group(1)


def md_input(source, title, prompt):
    msgs = parsed(prompt)
    users = [c for r, c, _ in msgs if r == "user"]
    trending = [tool_json(t) for t in GENERATORS["JsonCustomToolGenerator"]().data_examples()[0]]
    builtin_example = [t.tool_name.value for t in GENERATORS["BuiltinToolGenerator"]().data_examples()[0]]
    if title == "Builtin Tool Calling":
        return {"messages": [{"role": "system", "content": instruction_of(prompt)}, {"role": "user", "content": users[-1]}],
                "options": {"dialect": "meta", "builtinTools": builtin_example, "dateString": today_of(prompt)}}
    if title in ("JSON based tool calling", "`<function>` based tool calling"):
        opts = {"dialect": "meta", "tools": trending, "dateString": today_of(prompt)}
        if "function" in title:
            opts["toolPromptFormat"] = "function_tag"
        return {"messages": [{"role": "system", "content": instruction_of(prompt)}, {"role": "user", "content": users[-1]}],
                "options": opts}
    if source == "llama3_2" and title == "Code Interpreter":
        return {"messages": [{"role": "user", "content": users[-1]}],
                "options": {"dialect": "meta", "builtinTools": ["code_interpreter"], "dateString": today_of(prompt)}}
    inp = plain_input(prompt)
    # assistant turns that are tool calls: "<|python_tag|>" kept as content (the reference's ChatFormat only adds the
    # tag itself for code_interpreter), the call itself given structurally
    for i, (role, content, end) in enumerate(msgs):
        if role != "assistant" or not content.startswith("<|python_tag|>"):
            continue
        body = content[len("<|python_tag|>"):]
        builtin = ToolUtils.maybe_extract_builtin_tool_call(body)
        if builtin:
            call = {"name": builtin[0], "arguments": {"query": builtin[1]}}
            fmt = None
        else:
            name, args = TU["parse_python_list_for_function_calls"](body)[0]
            call = {"name": name, "arguments": args}
            fmt = "python_list"
        inp["messages"][i] = {"role": "assistant", "content": "<|python_tag|>", "toolCalls": [call],
                              "stopReason": "eom" if end == "<|eom_id|>" else "eot"}
        inp["options"]["specialTokens"] = "allow"
        if fmt:
            inp["options"]["toolPromptFormat"] = fmt
    return inp


def md_cases():
    out = []
    for source in ("llama3_1", "llama3_2"):
        fname = "llama3_1.prompt_format.md" if source == "llama3_1" else "llama3_2.text_prompt_format.md"
        for title, prompt, response in md_examples(fname):
            if "<|start_header_id|>" not in prompt:
                out.append({"id": f"{source}/{title}", "source": fname, "title": title, "expected": prompt,
                            "input": None, "note": "base-model text completion: not a chat, not rendered by renderPrompt"})
                continue
            inp = md_input(source, title, prompt)
            # the port must agree with the md (checks the inputs and the port before the TypeScript side does)
            port = encode_dialog(inp["messages"], {k: v for k, v in inp["options"].items() if k != "dialect"})
            case = {"id": f"{source}/{title}", "source": fname, "title": title, "expected": prompt, "input": inp,
                    "portMatches": port == prompt}
            out.append(case)
            # a model response that is exactly one encoded custom call can be rendered as an assistant message
            fm = re.fullmatch(r"<function=(\w+)>(\{.*\})</function>(<\|eot_id\|>)", response or "")
            if fm:
                out.append({"id": f"{source}/{title}/response", "source": fname, "title": title + " (model response)",
                            "expectedSuffix": response,
                            "input": {"messages": [{"role": "assistant", "toolCalls": [
                                {"name": fm.group(1), "arguments": json.loads(fm.group(2))}]}],
                                "options": {"dialect": "meta", "toolPromptFormat": "function_tag",
                                            "addGenerationPrompt": False}}})
    return out


# ---------------------------------------------------------------------------------------------
# 4. dialect cases rendered by the port
# ---------------------------------------------------------------------------------------------
def dialect_cases():
    nested = {"city": "S\u00e3o Paulo \u4e2d\U0001F600", "n": 3, "ratio": 0.25, "tiny": 1e-07, "ok": True, "none": None,
              "tags": ["a", 'b "q"', 2], "opts": {"deep": {"x": False}}}
    C = []
    C.append(("roles_no_trim", [
        {"role": "system", "content": "  sys with spaces \n"},
        {"role": "user", "content": "\n hello \t"},
        {"role": "assistant", "content": " hi "},
        {"role": "user", "content": [{"type": "text", "text": "part1 "}, {"type": "text", "text": " part2"}]},
    ], {}))
    C.append(("builtin_brave", [
        {"role": "user", "content": "q"},
        {"role": "assistant", "content": "Let me search. ", "toolCalls": [{"name": "brave_search", "arguments": {"query": "gold \"price\"", "extra": 1}}]},
        {"role": "tool", "content": "{\"price\": 1}"},
    ], {}))
    C.append(("builtin_wolfram_photogen", [
        {"role": "assistant", "toolCalls": [{"name": "wolfram_alpha", "arguments": {"query": "2+2"}}]},
        {"role": "assistant", "toolCalls": [{"name": "photogen", "arguments": {"query": "a cat"}}]},
    ], {}))
    C.append(("code_interpreter", [
        {"role": "user", "content": "prime?"},
        {"role": "assistant", "content": "", "toolCalls": [{"name": "code_interpreter", "arguments": {"code": "def f(n):\n    return n\n\nprint(f(7))"}}]},
        {"role": "ipython", "content": "7\n"},
    ], {}))
    C.append(("code_interpreter_with_content_then_search", [
        {"role": "assistant", "content": "thinking ", "toolCalls": [
            {"name": "code_interpreter", "arguments": {"code": "print(1)"}},
            {"name": "brave_search", "arguments": {"query": "x"}}]},
    ], {}))
    for fmt in ("json", "function_tag", "python_list"):
        C.append((f"custom_{fmt}", [
            {"role": "user", "content": "weather?"},
            {"role": "assistant", "tool_calls": [{"type": "function", "function": {"name": "get_weather", "arguments": json.dumps(nested)}}]},
            {"role": "tool", "content": {"temp": 21.5, "unit": "\u00b0C", "list": [1, None, True]}},
        ], {"toolPromptFormat": fmt}))
        C.append((f"custom_multi_{fmt}", [
            {"role": "assistant", "content": "two calls", "toolCalls": [
                {"name": "a", "arguments": {"x": 1}}, {"name": "b", "arguments": {}}]},
        ], {"toolPromptFormat": fmt}))
    C.append(("stop_reason_explicit", [
        {"role": "assistant", "toolCalls": [{"name": "custom", "arguments": {"k": "v"}}], "stopReason": "eom"},
        {"role": "assistant", "toolCalls": [{"name": "brave_search", "arguments": {"query": "v"}}], "stopReason": "eot"},
        {"role": "assistant", "toolCalls": [{"name": "code_interpreter", "arguments": {"code": "1"}}], "stopReason": "end_of_text"},
    ], {}))
    C.append(("tool_results", [
        {"role": "tool", "content": "plain string, not quoted"},
        {"role": "tool", "content": "\u00e9 \u4e2d"},
        {"role": "tool", "content": 42},
        {"role": "tool", "content": 0.5},
        {"role": "tool", "content": True},
        {"role": "tool", "content": None},
        {"role": "tool", "content": ["\u00e9", {"k": "\U0001F600"}]},
        {"role": "ipython", "content": {}},
    ], {}))
    C.append(("no_generation_prompt", [{"role": "user", "content": "hi"}], {"addGenerationPrompt": False}))
    C.append(("empty", [], {}))
    # system prompt assembly from options
    trending = [tool_json(t) for t in GENERATORS["JsonCustomToolGenerator"]().data_examples()[0]]
    weather = [tool_json(t) for t in GENERATORS["PythonListCustomToolGenerator"]().data_examples()[0]]
    C.append(("opts_date_only", [{"role": "user", "content": "hi"}], {"dateString": "01 January 2025"}))
    C.append(("opts_date_and_system", [{"role": "system", "content": "Be nice."}, {"role": "user", "content": "hi"}],
              {"dateString": "01 January 2025"}))
    C.append(("opts_builtins_empty_list", [{"role": "user", "content": "hi"}], {"builtinTools": [], "dateString": "01 January 2025"}))
    C.append(("opts_builtin_tools_named_in_tools", [{"role": "user", "content": "hi"}],
              {"tools": [{"tool_name": "brave_search"}] + trending, "dateString": "01 January 2025"}))
    C.append(("opts_json_tools_with_builtins", [{"role": "system", "content": "S"}, {"role": "user", "content": "hi"}],
              {"tools": trending, "builtinTools": ["brave_search", "code_interpreter"], "dateString": "01 January 2025"}))
    C.append(("opts_function_tag_tools", [{"role": "user", "content": "hi"}],
              {"tools": trending, "toolPromptFormat": "function_tag", "dateString": "01 January 2025"}))
    C.append(("opts_python_list_tools", [{"role": "user", "content": "hi"}],
              {"tools": weather, "toolPromptFormat": "python_list"}))
    C.append(("opts_python_list_tools_system_builtin_date", [{"role": "system", "content": "Extra rules."}, {"role": "user", "content": "hi"}],
              {"tools": weather, "toolPromptFormat": "python_list", "builtinTools": ["wolfram_alpha"], "dateString": "02 February 2025"}))
    C.append(("opts_python_list_no_custom_tools", [{"role": "user", "content": "hi"}],
              {"builtinTools": ["brave_search"], "toolPromptFormat": "python_list", "dateString": "02 February 2025"}))
    out = []
    for cid, messages, options in C:
        out.append({"id": cid, "messages": messages, "options": {"dialect": "meta", **options},
                    "expected": encode_dialog(json.loads(json.dumps(messages)), dict(options))})
    return out


def main():
    os.makedirs(OUT, exist_ok=True)
    write("system-prompts.json", {"tests": test_expectations(), "generated": extra_generator_cases()})
    md = md_cases()
    write("prompt-format-md.json", md)
    write("dialect-cases.json", dialect_cases())
    for c in md:
        if "portMatches" in c:
            print(("ok   " if c["portMatches"] else "DIFF ") + c["id"])


if __name__ == "__main__":
    main()
