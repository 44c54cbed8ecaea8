/**
 * The MCP hints a tool declares, as named presets: a client decides from them whether to ask before a
 * call, and `--read-only` keeps only the tools whose preset is `READS`. Declared once per tool; the API
 * request a tool sends takes its "safe to repeat" from `idempotentHint` (src/tools/define.ts).
 */
import type { ToolAnnotations } from "@modelcontextprotocol/server";

export type Hints = Required<Pick<ToolAnnotations, "readOnlyHint" | "destructiveHint" | "idempotentHint" | "openWorldHint">>;

/** Reads Cronicorn and changes nothing. */
export const READS: Hints = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false };
/** Makes something new each time it is called (a job, an endpoint, a one-shot run, a key). */
export const CREATES: Hints = { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false };
/** Sets something to a given state: calling it twice leaves the same state. */
export const UPDATES: Hints = { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false };
/** Archives, deletes, revokes or signs out: cannot be undone by the same tool, and calling it twice changes nothing more. */
export const REMOVES: Hints = { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false };
/** Replaces something for good, differently each time (a new signing key). */
export const REPLACES: Hints = { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false };
