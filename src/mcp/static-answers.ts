/**
 * The first answers of a session, generated at build time from the real server (src/build/generate-answers.ts)
 * and read at start-up, so they need neither the MCP SDK nor zod: for 2025-era clients `initialize` and
 * `tools/list`, for 2026-07-28 clients `server/discover` and `tools/list`. Written next to the bundle in
 * two files: the tools' `tools/list` entries as one JSON array (dist/tools-list.json), which the start-up
 * path sends as it is, without parsing it, and everything else (dist/static-answers.json).
 */
// Named imports: the CommonJS entry (dist/start.cjs) would otherwise copy every export of node:fs and
// node:path into an ES-module wrapper at each start (esbuild's interop for a default import).
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ToolGroup } from "../config/config.js";

export const STATIC_ANSWERS_FILE = "static-answers.json";
export const TOOLS_LIST_FILE = "tools-list.json";

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

/** What the start-up path needs when every tool is exposed: the opening answers, and every tool's entry as JSON text. */
export interface OpeningAnswers extends Omit<StaticAnswers, "tools"> {
  /** The JSON array of every tool's `tools/list` entry, in order. */
  toolsJson: string;
}

/** static-answers.json: the tools without their entries, and the length of tools-list.json's text (a cut-off copy is ignored). */
interface StoredAnswers extends Omit<StaticAnswers, "tools"> {
  tools: Array<Omit<StaticTool, "tool">>;
  toolsJsonLength: number;
}

export function openingAnswersOf({ tools, ...opening }: StaticAnswers): OpeningAnswers {
  return { ...opening, toolsJson: JSON.stringify(tools.map((t) => t.tool)) };
}

export function writeStaticAnswersFiles(dir: string, answers: StaticAnswers): void {
  const { toolsJson, ...opening } = openingAnswersOf(answers);
  const stored: StoredAnswers = { ...opening, tools: answers.tools.map(({ group, readOnly }) => ({ group, readOnly })), toolsJsonLength: toolsJson.length };
  writeFileSync(join(dir, STATIC_ANSWERS_FILE), JSON.stringify(stored));
  writeFileSync(join(dir, TOOLS_LIST_FILE), toolsJson);
}

// `dir` is the folder of the bundle (dist/), a plain path: file URLs would cost the first answer a quarter millisecond.
function readStored(version: string, dir: string): { stored: StoredAnswers; toolsJson: string } | undefined {
  try {
    // Our own build output, not outside input: the version and length checks guard against a stale or cut-off copy.
    const stored = JSON.parse(readFileSync(join(dir, STATIC_ANSWERS_FILE), "utf8")) as StoredAnswers;
    if (stored.version !== version) return undefined;
    const toolsJson = readFileSync(join(dir, TOOLS_LIST_FILE), "utf8");
    return toolsJson.length === stored.toolsJsonLength ? { stored, toolsJson } : undefined;
  } catch {
    return undefined; // missing or unreadable: the SDK server answers everything, only a little later
  }
}

/** The opening answers in `dir`, the tools' entries unparsed; undefined when not built, or from another version. */
export function readOpeningAnswers(version: string, dir: string): OpeningAnswers | undefined {
  const read = readStored(version, dir);
  if (!read) return undefined;
  const { tools: _tools, toolsJsonLength: _length, ...opening } = read.stored;
  return { ...opening, toolsJson: read.toolsJson };
}

/** The generated answers in `dir`, or undefined (not built, or from another version). */
export function readStaticAnswers(version: string, dir: string): StaticAnswers | undefined {
  const read = readStored(version, dir);
  if (!read) return undefined;
  const { tools, toolsJsonLength: _length, ...opening } = read.stored;
  try {
    const entries = JSON.parse(read.toolsJson) as JsonObject[];
    if (!Array.isArray(entries) || entries.length !== tools.length) return undefined;
    return { ...opening, tools: tools.map((tool, i) => ({ ...tool, tool: entries[i] ?? {} })) };
  } catch {
    return undefined;
  }
}
