/**
 * What `tools/list` says about one tool. Clients put this into the model's context on every turn, so it
 * carries nothing the model cannot use: JSON Schema converted from the zod definitions the SDK validates
 * with, minus what adds bytes and no meaning (a `$schema` per tool, regexes restating a `format`, the
 * default integer bounds, non-empty and long length caps), and annotations that leave out hints equal to the MCP defaults.
 */
import type { Tool, ToolAnnotations } from "@modelcontextprotocol/server";
import * as z from "zod";

type Json = unknown;

/** Bounds zod writes for every integer; they say nothing a model needs. */
const DEFAULT_BOUNDS = new Set([Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER]);

/** String length caps from here up are left to the server's own validation. */
const LONG_TEXT = 200;

/** A copy of `schema` without the noise described above; the constraints that matter stay. */
export function compactSchema(schema: Json): Json {
  if (Array.isArray(schema)) return schema.map(compactSchema);
  if (!schema || typeof schema !== "object") return schema;
  const out: Record<string, Json> = {};
  const source = schema as Record<string, Json>;
  for (const [key, value] of Object.entries(source)) {
    if (key === "$schema") continue;
    // zod spells `format: date-time` out again as a 400-character regex.
    if (key === "pattern" && typeof source.format === "string") continue;
    if ((key === "maximum" || key === "minimum") && typeof value === "number" && DEFAULT_BOUNDS.has(value)) continue;
    // "Not empty" and the long length caps (ids 200, names 255, texts 1000+) never bind a sensible
    // argument; the server still enforces them with a message naming the field.
    if (key === "minLength" && value === 1) continue;
    if (key === "maxLength" && typeof value === "number" && value >= LONG_TEXT) continue;
    // Object keys are strings in JSON anyway.
    if (key === "propertyNames" && isPlainStringType(value)) continue;
    // For integers, "> 0" is "≥ 1", said in fewer bytes.
    if (key === "exclusiveMinimum" && value === 0 && source.type === "integer" && source.minimum === undefined) {
      out.minimum = 1;
      continue;
    }
    out[key] = compactSchema(value);
  }
  return out;
}

const isPlainStringType = (value: Json): boolean =>
  Boolean(value) && typeof value === "object" && Object.keys(value as object).length === 1 && (value as { type?: unknown }).type === "string";

export type Hints = Required<Pick<ToolAnnotations, "readOnlyHint" | "destructiveHint" | "idempotentHint" | "openWorldHint">>;

/**
 * The hints that differ from MCP's defaults (readOnly false, destructive true, idempotent false, openWorld
 * true); destructive and idempotent mean something only for tools that change things (MCP spec).
 */
export function compactAnnotations(hints: Hints): ToolAnnotations {
  const out: ToolAnnotations = {};
  if (hints.readOnlyHint) out.readOnlyHint = true;
  else {
    if (!hints.destructiveHint) out.destructiveHint = false;
    if (hints.idempotentHint) out.idempotentHint = true;
  }
  if (!hints.openWorldHint) out.openWorldHint = false;
  return out;
}

export interface ListingSource {
  name: string;
  title: string;
  description: string;
  input: z.ZodObject;
  output: z.ZodType;
  annotations: Hints;
}

/** The tool as `tools/list` shows it; the same conversion the SDK makes (draft-07, input/output sides). */
export function toolListing(source: ListingSource): Tool {
  return {
    name: source.name,
    title: source.title,
    description: source.description,
    inputSchema: compactSchema(z.toJSONSchema(source.input, { target: "draft-7", io: "input" })) as Tool["inputSchema"],
    outputSchema: compactSchema(z.toJSONSchema(source.output, { target: "draft-7", io: "output" })) as NonNullable<Tool["outputSchema"]>,
    annotations: compactAnnotations(source.annotations),
  };
}
