/**
 * The answers to `initialize` and `tools/list`, generated at build time from the real server
 * (src/build/static-answers.ts) and read at start-up, so the first answers need neither the MCP SDK
 * nor zod. Written next to the bundle as dist/static-answers.json.
 */
import fs from "node:fs";
import type { Implementation, ServerCapabilities, Tool } from "@modelcontextprotocol/sdk/types.js";
import type { ToolGroup } from "../config/config.js";

export const STATIC_ANSWERS_FILE = "static-answers.json";

export interface StaticTool {
  group: ToolGroup | "auth";
  readOnly: boolean;
  /** Exactly what the SDK serves in `tools/list` for this tool. */
  tool: Tool;
}

export interface StaticAnswers {
  /** The package version the file was generated for: a stale file is ignored. */
  version: string;
  protocol: { latest: string; supported: string[] };
  /** The `initialize` result without `protocolVersion` (negotiated per request, as the SDK does). */
  initialize: { capabilities: ServerCapabilities; serverInfo: Implementation; instructions?: string };
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
