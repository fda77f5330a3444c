/**
 * The `meta` dialect (Meta's reference ChatFormat). Placeholder until issue 4 lands.
 */
import { InvalidOptionsError } from "../errors.js";
import type { NormalizedMessage } from "../messages.js";
import type { ResolvedRenderOptions } from "../options.js";
import type { Segment } from "../segments.js";

/** Options only the `meta` dialect reads. */
export interface MetaRenderOptions {}

/** Option keys the `meta` dialect adds to the shared ones. */
export const META_OPTION_KEYS: readonly string[] = [];

/** Renders normalised messages the way Meta's reference ChatFormat encodes them. */
export function renderMeta(_messages: NormalizedMessage[], _opts: ResolvedRenderOptions, _raw: MetaRenderOptions): Segment[] {
  throw new InvalidOptionsError("the meta dialect is not implemented yet", ["dialect"]);
}
