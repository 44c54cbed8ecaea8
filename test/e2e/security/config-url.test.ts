import { describe, expect, it } from "vitest";
import type { Tool } from "@modelcontextprotocol/client";
import { startServer, textOf } from "../../helpers/mcp.js";

/** The smallest arguments that pass a tool's input schema, so the call reaches the tool itself. */
function minimalArgs(tool: Tool): Record<string, unknown> {
  const args: Record<string, unknown> = {};
  const props = (tool.inputSchema.properties ?? {}) as Record<string, { type?: string; enum?: unknown[]; format?: string }>;
  for (const name of tool.inputSchema.required ?? []) {
    const prop = props[name] ?? {};
    if (prop.enum) args[name] = prop.enum[0];
    else if (prop.type === "string") args[name] = prop.format === "uri" || /url/i.test(name) ? "https://example.com/x" : "abc123";
    else if (prop.type === "number" || prop.type === "integer") args[name] = 60_000;
    else if (prop.type === "boolean") args[name] = true;
    else if (prop.type === "array") args[name] = [];
    else args[name] = {};
  }
  return args;
}

async function everyToolReports(env: Record<string, string>, problem: RegExp, secret?: string): Promise<void> {
  const server = await startServer({ env });
  try {
    const { tools } = await server.client.listTools();
    expect(tools.length).toBeGreaterThan(20);
    let reported = 0;
    for (const tool of tools) {
      const result = await server.call(tool.name, minimalArgs(tool));
      expect(result.isError, tool.name).toBe(true);
      if (/Input validation error/.test(textOf(result))) continue;
      expect(textOf(result), tool.name).toMatch(problem);
      reported++;
      if (secret) expect(JSON.stringify(result)).not.toContain(secret);
    }
    expect(reported).toBeGreaterThan(tools.length / 2);
    expect(server.stderr()).toMatch(/Configuration problem/);
    if (secret) expect(server.stdout() + server.stderr()).not.toContain(secret);
  } finally {
    await server.close();
  }
}

describe("URL configuration never kills the handshake", () => {
  for (const name of ["CRONICORN_API_URL", "CRONICORN_WEB_URL", "CRONICORN_ISSUER"]) {
    it(`an unparsable ${name} is reported by every tool call, after a normal handshake`, async () => {
      await everyToolReports({ [name]: "http://[bad" }, new RegExp(`${name} must be a full URL`));
    });
  }

  it("an API URL with user:password@ is refused and the password never shows", async () => {
    await everyToolReports({ CRONICORN_API_URL: "http://alice:s3cretPassw0rd@127.0.0.1:9/api" }, /must not contain a user name or password/, "s3cretPassw0rd");
  });

  it("an API URL with a query or a fragment is refused", async () => {
    await everyToolReports(
      { CRONICORN_API_URL: "http://127.0.0.1:9/api?x=1", CRONICORN_WEB_URL: "http://127.0.0.1:9/#frag" },
      /must not contain a query[\s\S]*must not contain a fragment/,
    );
  });
});
