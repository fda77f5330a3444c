/**
 * The call formats the parser recognises, by the character their calls start with. A new format is
 * a module here (a {@link CallFormat}: its start characters and its candidate, whose slow path and
 * fast-path probe are the same code) plus one line in this list. Code-interpreter code is not in
 * it: it is not opened by a character but by the machine, where a python_tag region's text starts
 * no other call (code.ts).
 */
import { builtinFormat } from "./builtin.js";
import type { CallFormat } from "./candidate.js";
import { functionTagFormat } from "./function-tag.js";
import { jsonFormat } from "./json.js";
import { pythonListFormat } from "./python-list.js";

export const CALL_FORMATS: readonly CallFormat[] = [jsonFormat, functionTagFormat, pythonListFormat, builtinFormat];
