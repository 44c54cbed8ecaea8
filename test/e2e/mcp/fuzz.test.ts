import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Tool } from "@modelcontextprotocol/client";
import { startCronicornStandIn } from "../../stack/cronicorn.js";
import type { StandIn } from "../../stack/cronicorn.js";
import { startServer, textOf, valueOf } from "../../helpers/mcp.js";
import type { ServerHandle } from "../../helpers/mcp.js";

interface PropSchema {
  type?: string | string[];
  enum?: unknown[];
  format?: string;
  minimum?: number;
  exclusiveMinimum?: number;
  anyOf?: PropSchema[];
}

/** Deterministic PRNG (mulberry32) so a failure can be replayed. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a |= 0;
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function typeOf(schema: PropSchema): string | undefined {
  if (schema.enum) return "enum";
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== "null") : schema.type;
  return type ?? schema.anyOf?.map(typeOf).find(Boolean);
}

function validValue(name: string, schema: PropSchema): unknown {
  const type = typeOf(schema);
  if (type === "enum") return schema.enum?.[0];
  if (type === "number" || type === "integer") return Math.max(1000, (schema.minimum ?? schema.exclusiveMinimum ?? 0) + 1);
  if (type === "boolean") return true;
  if (type === "object") return {};
  if (schema.format === "uri" || name === "url") return "https://example.com/health";
  if (schema.format === "date-time" || /At$|Until$/.test(name)) return new Date(Date.now() + 3_600_000).toISOString();
  if (name === "baselineCron") return "*/5 * * * *";
  return "abc";
}

/** A value of the wrong kind for `schema`. */
function invalidValue(schema: PropSchema, pick: () => number): unknown {
  const type = typeOf(schema);
  if (type === "enum") return "definitely-not-an-allowed-value";
  if (type === "number" || type === "integer") return pick() < 0.5 ? "twelve" : -5.5;
  if (type === "boolean") return "maybe";
  if (type === "object") return "not an object";
  return pick() < 0.5 ? 12345 : { nested: true };
}

describe("200 random invalid tool calls", () => {
  let stand: StandIn;
  let server: ServerHandle;

  beforeAll(async () => {
    stand = await startCronicornStandIn();
    server = await startServer({ env: { CRONICORN_API_URL: stand.apiUrl, CRONICORN_API_KEY: stand.apiKey } });
  });
  afterAll(async () => {
    await server?.close();
    await stand?.close();
  });

  it("each gets an isError result naming the bad field, nothing reaches the API, and the server still answers", async () => {
    const { tools } = await server.client.listTools();
    const candidates = tools.filter((t: Tool) => Object.values(t.inputSchema.properties ?? {}).some((p) => typeOf(p as PropSchema)));
    expect(candidates.length).toBeGreaterThan(20);
    const pick = rng(20261123);
    const requestsBefore = stand.requests.length;

    for (let i = 0; i < 200; i++) {
      const tool = candidates[Math.floor(pick() * candidates.length)] as Tool;
      const props = tool.inputSchema.properties as Record<string, PropSchema>;
      const required = new Set(tool.inputSchema.required ?? []);
      const typed = Object.keys(props).filter((k) => typeOf(props[k] as PropSchema));
      const field = typed[Math.floor(pick() * typed.length)] as string;

      const args: Record<string, unknown> = {};
      for (const name of required) args[name] = validValue(name, props[name] as PropSchema);
      const omit = required.has(field) && pick() < 0.25;
      if (omit) delete args[field];
      else args[field] = invalidValue(props[field] as PropSchema, pick);

      const result = await server.call(tool.name, args);
      const text = textOf(result);
      expect(result.isError, `#${i} ${tool.name} ${JSON.stringify(args)} → ${text}`).toBe(true);
      expect(text, `#${i} ${tool.name} ${JSON.stringify(args)}`).toContain(field);
    }

    expect(stand.requests.length).toBe(requestsBefore);
    expect(valueOf<unknown[]>(await server.call("list_jobs", {}), "jobs")).toBeInstanceOf(Array);
  });
});
