#!/usr/bin/env node
/**
 * Guard for the scripts that need the reference material beside the repository (`../shared`: the
 * official templates, Meta's reference files, the Python reference renderer): without it, one line
 * that says what is missing, and exit 1 — never a stack trace.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const shared = fileURLToPath(new URL("../../shared/", import.meta.url));
const needed = ["tools/render_reference.py", "reference/llama-3.1-instruct.chat_template.jinja"];
const missing = needed.filter((f) => !existsSync(shared + f));
if (missing.length > 0) {
  console.error(`${process.argv[2] ?? "this script"} needs the reference material in ${shared} (missing ${missing.join(", ")}); it is not part of the package`);
  process.exit(1);
}
