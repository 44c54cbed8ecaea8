/**
 * The first answers of a session, generated at build time from the real server (src/build/generate-answers.ts)
 * and read at start-up, so they need neither the MCP SDK nor zod: for 2025-era clients `initialize` and
 * `tools/list`, for 2026-07-28 clients `server/discover` and `tools/list`. Written next to the bundle as
 * dist/static-answers.json.
 */
import fs from "node:fs";
import type { ToolGroup } from "../config/config.js";

export const STATIC_ANSWERS_FILE = "static-answers.json";

/** A JSON object as it crosses the wire (the SDK's own types stay out of the start-up path). */
export type JsonObject = Record<string, unknown>;

export interface StaticTool {
  group: ToolGroup | "auth";
  readOnly: boolean;
  /** Exactly what the SDK serves in `tools/list` for this tool (the same object in both eras). */
  tool: JsonObject;
}

export interface StaticAnswers {
  /** The package version the file was generated for: a stale file is ignored. */
  version: string;
  legacy: {
    /** Versions `initialize` agrees to as asked; any other is answered with `fallback` (the SDK's negotiation). */
    supported: string[];
    fallback: string;
    /** The `initialize` result without `protocolVersion`. */
    initialize: JsonObject;
  };
  modern: {
    /** Revisions a request's `_meta` may name. */
    supported: string[];
    /** The whole `server/discover` result. */
    discover: JsonObject;
    /** What the SDK adds to a `tools/list` result besides `tools` (result type, cache fields, server identity). */
    listExtras: JsonObject;
  };
  tools: StaticTool[];
}

/** The generated answers next to the running bundle, or undefined (not built, or from another version). */
export function readStaticAnswers(version: string, dir: URL = new URL(".", import.meta.url)): StaticAnswers | undefined {
  let answers: StaticAnswers;
  try {
    // Our own build output, not outside input: the version check guards against a stale copy.
    answers = JSON.parse(fs.readFileSync(new URL(STATIC_ANSWERS_FILE, dir), "utf8")) as StaticAnswers;
  } catch {
    return undefined; // missing or unreadable: the SDK server answers everything, only a little later
  }
  return answers.version === version ? answers : undefined;
}
