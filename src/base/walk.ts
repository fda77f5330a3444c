/**
 * The one walk over nested JSON values that are not snapshots: the serialisers that write one
 * (Python's `json.dumps`, `repr`, Jinja's sorted `tojson`, the python-list call format) and the
 * parser's check that arguments would render back go through {@link walkJson}, which owns the depth
 * guard, the cycle guard and the path of the value being visited. (Caller input is read once by
 * `plainJson`, whose snapshot walk has the same guards; a snapshot, already checked, is written by
 * `snapshotJsonDumps` without them.) A {@link JsonStyle} says how
 * values and keys are written; the walk writes the brackets and separators.
 */
import { SerializationError } from "./errors.js";

/**
 * Deepest nesting accepted in JSON values. Python's `json.dumps` fails with a RecursionError near
 * depth 1000; deeper values throw a `SerializationError` here instead of overflowing the stack.
 */
export const MAX_JSON_DEPTH = 1000;

/** Where a value is: the keys and indexes from the root of the public argument. */
export type JsonPath = Array<string | number>;

export interface JsonStyle {
  /** The text of a value that is not an array or an object (throws to refuse it). `path` is mutable: copy it to keep it. */
  leaf(value: unknown, path: JsonPath): string;
  /** The text written before an object entry's value: `"key": `, `'key': `, `key=`. */
  key(key: string): string;
  /** The keys of an object to write, in order (default: its own enumerable string keys). */
  keys?(obj: object, path: JsonPath): string[];
  /** Spaces of indentation per level: every item on its own line (`json.dumps(indent=n)`). */
  indent?: number;
  /** Deepest nesting, containers counted from 0 at the root (default {@link MAX_JSON_DEPTH}). */
  maxDepth?: number;
  /** The error for a container at `maxDepth` (default a `SerializationError` naming the path). */
  tooDeep?(path: JsonPath): Error;
  /** Errors carry no path (the value's place in the argument is not known here). */
  pathless?: boolean;
}

/**
 * Writes `value` in `style`. Arrays are `[a, b]`, objects `{<key(k)>v, ...}` (`, ` between items, or
 * with `indent`, one item per line); everything else is `style.leaf`. Throws a `SerializationError`
 * for a cycle or nesting deeper than the style's `maxDepth`, and whatever the style throws.
 *
 * @param path where `value` sits, from the root of the public argument (the start of error paths)
 */
export function walkJson(value: unknown, style: JsonStyle, path: readonly (string | number)[] = []): string {
  const walk: Walk = { style, at: [...path], open: [], pad: [], out: "", maxDepth: style.maxDepth ?? MAX_JSON_DEPTH };
  write(walk, value, 0);
  return walk.out;
}

/** One walk's state (a plain object, not closures: serialisers run on every render). */
interface Walk {
  style: JsonStyle;
  /** The path of the value being written (mutable; copied into errors). */
  at: JsonPath;
  /** The containers being written (the cycle guard). */
  open: object[];
  /** Newline + indentation per level, built on first use. */
  pad: string[];
  out: string;
  maxDepth: number;
}

function fail(walk: Walk, message: string): never {
  throw new SerializationError(message, walk.style.pathless ? [] : walk.at.slice(0, 20));
}

function newline(walk: Walk, level: number): string {
  return (walk.pad[level] ??= "\n" + " ".repeat(walk.style.indent! * level));
}

function write(walk: Walk, value: unknown, depth: number): void {
  const style = walk.style;
  if (value === null || typeof value !== "object") {
    walk.out += style.leaf(value, walk.at);
    return;
  }
  if (depth >= walk.maxDepth) {
    if (style.tooDeep) throw style.tooDeep(walk.at);
    fail(walk, `nested deeper than ${walk.maxDepth} levels`);
  }
  if (walk.open.includes(value)) fail(walk, "circular reference");
  walk.open.push(value);
  const isArray = Array.isArray(value);
  const keys = isArray ? undefined : style.keys ? style.keys(value, walk.at) : Object.keys(value);
  const n = isArray ? (value as unknown[]).length : keys!.length;
  if (n === 0) {
    walk.out += isArray ? "[]" : "{}";
  } else {
    const indented = style.indent !== undefined;
    const inner = indented ? newline(walk, depth + 1) : "";
    const separator = indented ? "," : ", ";
    walk.out += isArray ? "[" : "{";
    for (let i = 0; i < n; i++) {
      if (i > 0) walk.out += separator;
      walk.out += inner;
      const key = isArray ? i : keys![i]!;
      walk.at.push(key);
      if (!isArray) walk.out += style.key(key as string);
      write(walk, (value as Record<string | number, unknown>)[key], depth + 1);
      walk.at.pop();
    }
    walk.out += (indented ? newline(walk, depth) : "") + (isArray ? "]" : "}");
  }
  walk.open.pop();
}
