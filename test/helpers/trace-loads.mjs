// `node --import tsx --import ./test/helpers/trace-loads.mjs ...`: appends every module URL the
// process resolves to the file named by LOAD_TRACE_FILE (one per line).
import { register } from "node:module";

register(new URL("./trace-hooks.mjs", import.meta.url), { data: { file: process.env.LOAD_TRACE_FILE } });
