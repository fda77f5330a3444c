/** The error `fn` throws; fails the test when it does not throw. */
export function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error("expected a throw");
}

/**
 * What a promise rejects with, or what iterating an async iterable throws; `undefined` when it
 * settles or ends without an error.
 */
export async function errorOf(p: Promise<unknown> | AsyncIterable<unknown>): Promise<unknown> {
  try {
    if (Symbol.asyncIterator in (p as object)) for await (const _ of p as AsyncIterable<unknown>) void _;
    else await p;
  } catch (e) {
    return e;
  }
  return undefined;
}
