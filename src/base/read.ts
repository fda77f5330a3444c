/**
 * Reading caller-supplied values without letting them throw raw errors at us. A revoked Proxy
 * throws a TypeError from `Array.isArray`, a getter can throw anything: the entry points read
 * through these helpers and turn such failures into the typed error of the argument concerned.
 */
import type { ErrorPath } from "./errors.js";

/** `Array.isArray(v)`, false for a value that cannot be inspected (a revoked Proxy); never throws. */
export function safeIsArray(v: unknown): v is unknown[] {
  try {
    return Array.isArray(v);
  } catch {
    return false;
  }
}

/** A non-null object that is not an array (a record of properties); never throws. */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !safeIsArray(v);
}

/**
 * `obj[key]`, read once; when the read throws (a getter, a Proxy trap), `makeError` builds the typed
 * error, which is thrown with the original as its `cause`.
 */
export function readProperty(
  obj: object,
  key: string | number,
  path: ErrorPath,
  makeError: (message: string, path: ErrorPath, options: { cause: unknown }) => Error,
): unknown {
  try {
    return (obj as Record<string | number, unknown>)[key];
  } catch (cause) {
    throw makeError("could not be read (a getter or Proxy trap threw)", [...path, key], { cause });
  }
}

/** The length of an array read once, checked to be a length (a Proxy can answer anything). */
export function readLength(
  arr: object,
  path: ErrorPath,
  makeError: (message: string, path: ErrorPath, options?: { cause: unknown }) => Error,
): number {
  const n = readProperty(arr, "length", path, makeError);
  if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 0) throw makeError("is an array whose length is not a valid length", path);
  return n;
}
