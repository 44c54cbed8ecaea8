import { describe, expect, it } from "vitest";
import * as z from "zod";
import { TOOLS as ALL_TOOLS } from "../../../src/tools/registry.js";
import { compactAnnotations, compactSchema, type Hints } from "../../../src/tools/listing.js";

/** What a client reads from annotations, applying MCP's defaults to the hints that are absent. */
function effective(annotations: Record<string, unknown>): Hints {
  return {
    readOnlyHint: (annotations.readOnlyHint as boolean | undefined) ?? false,
    destructiveHint: (annotations.destructiveHint as boolean | undefined) ?? true,
    idempotentHint: (annotations.idempotentHint as boolean | undefined) ?? false,
    openWorldHint: (annotations.openWorldHint as boolean | undefined) ?? true,
  };
}

describe("tools/list compaction", () => {
  it("leaves out only annotation hints a client reads back as the same value", () => {
    for (const readOnlyHint of [true, false]) {
      for (const destructiveHint of [true, false]) {
        for (const idempotentHint of [true, false]) {
          for (const openWorldHint of [true, false]) {
            const hints = { readOnlyHint, destructiveHint, idempotentHint, openWorldHint };
            const read = effective(compactAnnotations(hints) as Record<string, unknown>);
            expect(read.readOnlyHint).toBe(readOnlyHint);
            expect(read.openWorldHint).toBe(openWorldHint);
            // destructive and idempotent mean something only for tools that change things (MCP spec).
            if (!readOnlyHint) expect(read).toEqual(hints);
          }
        }
      }
    }
  });

  it("keeps every constraint a model can act on and drops the noise", () => {
    const schema = z.toJSONSchema(
      z.object({
        when: z.iso.datetime({ offset: true }),
        count: z.number().int().positive().max(100),
        any: z.number().int(),
        name: z.string().min(1).max(255),
        code: z.string().min(2).max(8),
        headers: z.record(z.string(), z.string()),
        kind: z.enum(["a", "b"]),
      }),
      { target: "draft-7", io: "input" },
    );
    expect(compactSchema(schema)).toEqual({
      type: "object",
      properties: {
        when: { type: "string", format: "date-time" },
        count: { type: "integer", minimum: 1, maximum: 100 },
        any: { type: "integer" },
        name: { type: "string" },
        code: { type: "string", minLength: 2, maxLength: 8 },
        headers: { type: "object", additionalProperties: { type: "string" } },
        kind: { type: "string", enum: ["a", "b"] },
      },
      required: ["when", "count", "any", "name", "code", "headers", "kind"],
    });
  });

  it("drops only the noise it names: a pattern without a format, real bounds, short caps and constrained keys stay", () => {
    const schema = z.toJSONSchema(
      z.object({
        code: z.string().regex(/^[A-Z]+$/),
        tries: z.number().int().min(1).max(1000),
        id: z.string().max(200),
        tag: z.string().max(199),
        big: z.literal(Number.MAX_SAFE_INTEGER),
        below: z.number().int().negative(),
        over: z.number().int().gt(5),
        ratio: z.number().positive(),
        short: z.record(z.string().min(2), z.string()),
      }),
      { target: "draft-7", io: "input" },
    ) as { properties: Record<string, unknown> };
    expect(compactSchema(schema.properties)).toEqual({
      code: { type: "string", pattern: "^[A-Z]+$" },
      tries: { type: "integer", minimum: 1, maximum: 1000 },
      id: { type: "string" },
      tag: { type: "string", maxLength: 199 },
      big: { type: "number", const: Number.MAX_SAFE_INTEGER },
      below: { type: "integer", exclusiveMaximum: 0 },
      over: { type: "integer", exclusiveMinimum: 5 },
      ratio: { type: "number", exclusiveMinimum: 0 },
      short: { type: "object", propertyNames: { type: "string", minLength: 2 }, additionalProperties: { type: "string" } },
    });
  });

  it("keeps a lower bound stated twice as it is, and key rules that are not a plain string type", () => {
    expect(compactSchema({ type: "integer", exclusiveMinimum: 0, minimum: 5 })).toEqual({ type: "integer", exclusiveMinimum: 0, minimum: 5 });
    expect(compactSchema({ type: "object", propertyNames: { pattern: "^x-" } })).toEqual({ type: "object", propertyNames: { pattern: "^x-" } });
    expect(compactSchema({ type: "object", propertyNames: true })).toEqual({ type: "object", propertyNames: true });
    // Only "> 0" becomes "≥ 1": another zero of an integer (a default, an upper bound) stays as it is.
    expect(compactSchema({ type: "integer", maximum: 0, default: 0 })).toEqual({ type: "integer", maximum: 0, default: 0 });
  });

  it("lists every tool with its own title and compact annotations", () => {
    for (const tool of ALL_TOOLS) {
      const listed = tool.listing();
      expect(listed.name).toBe(tool.name);
      expect(listed.inputSchema).not.toHaveProperty("$schema");
      expect(effective(listed.annotations as Record<string, unknown>).readOnlyHint).toBe(tool.readOnly);
    }
  });
});
