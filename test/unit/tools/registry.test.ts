/**
 * The one registry of tools (src/tools/registry.ts) and what derives from it: the README's tool table
 * is checked against it, and a new tool needs two places only — its definition and its line in the
 * registry — for the server (both eras), the build's start-up answers and the contract tests to have it.
 */
import fs from "node:fs";
import path from "node:path";
import { InMemoryTransport } from "@modelcontextprotocol/server";
import { serveStdio } from "@modelcontextprotocol/server/stdio";
import { describe, expect, it } from "vitest";
import * as z from "zod";
import pkg from "../../../package.json" with { type: "json" };
import { generateStaticAnswers } from "../../../src/build/generate-answers.js";
import { loadConfig } from "../../../src/config/config.js";
import { createServerFactory } from "../../../src/mcp/server.js";
import { READS } from "../../../src/tools/annotations.js";
import { defineTool } from "../../../src/tools/define.js";
import { TOOLS } from "../../../src/tools/registry.js";
import { freshly } from "../../helpers/fresh-module.js";
import { clientFor, ERAS } from "../../helpers/mcp.js";
import { capture } from "../contract/tools.js";

const README = fs.readFileSync(path.resolve(import.meta.dirname, "../../../README.md"), "utf8");
/** The README calls the auth group by what it does. */
const GROUP_HEADING: Record<string, string> = { auth: "sign-in" };

/** `| group | tools |` rows of the README's Tools section. */
function readmeTable(): Map<string, string[]> {
  const section = README.slice(README.indexOf("## Tools"), README.indexOf("\n## ", README.indexOf("## Tools") + 1));
  const rows = new Map<string, string[]>();
  for (const line of section.split("\n")) {
    const match = /^\| ([a-z-]+) \| (`.*`) \|$/.exec(line);
    if (match?.[1] && match[2])
      rows.set(
        match[1],
        [...match[2].matchAll(/`([a-z_]+)`/g)].map((m) => m[1] as string),
      );
  }
  return rows;
}

describe("the tool registry", () => {
  it("is what the README's tool table lists, group by group, in order", async () => {
    // Loaded inside the test: a tool's group is a module-level value (test/helpers/fresh-module.ts).
    const tools = await freshly(async () => (await import("../../../src/tools/registry.js")).TOOLS);
    const expected = new Map<string, string[]>();
    for (const tool of tools) {
      const group = GROUP_HEADING[tool.group] ?? tool.group;
      expected.set(group, [...(expected.get(group) ?? []), tool.name]);
    }
    expect(readmeTable()).toEqual(expected);
  });

  it("names every tool once", () => {
    expect(new Set(TOOLS.map((t) => t.name)).size).toBe(TOOLS.length);
  });

  it("needs two places for a new tool: its definition and its line in the registry", async () => {
    // Place one: the definition.
    const dummy = defineTool({
      name: "get_dummy",
      title: "Get dummy",
      description: "A tool that exists only in this test, to show what adding one takes.",
      group: "runs",
      input: z.object({ dummyId: z.string() }),
      output: { key: "dummy", schema: z.object({ id: z.string() }) },
      annotations: READS,
      run: ({ dummyId }, { api }) => api.request({ method: "GET", path: `/dummies/${encodeURIComponent(dummyId)}`, response: z.object({ id: z.string() }) }),
      summary: (d) => `Dummy ${d.id}.`,
    });
    // Place two: the registry line.
    const registry = [...TOOLS, dummy];

    // The server lists it, in both eras.
    for (const era of ERAS) {
      const factory = createServerFactory({
        version: pkg.version,
        config: loadConfig({}),
        tools: registry,
        logger: quiet,
        loadRuntime: () => Promise.reject(new Error("none")),
      });
      const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
      const handle = serveStdio(factory, { transport: serverSide });
      const client = clientFor(era);
      await client.connect(clientSide);
      expect((await client.listTools()).tools.map((t) => t.name)).toEqual(registry.map((t) => t.name));
      await client.close();
      await handle.close();
    }
    // The build's start-up answers carry it, with its group for the configuration filters.
    const answers = await generateStaticAnswers(pkg.version, registry);
    expect(answers.tools.at(-1)).toMatchObject({ group: "runs", readOnly: true, tool: { name: "get_dummy" } });
    // The contract tests capture the request it sends.
    expect(await capture(dummy).requestsFor({ dummyId: "d1" })).toEqual([{ method: "GET", path: "/dummies/d1", query: undefined, body: undefined }]);
  });
});

const quiet = { debug() {}, info() {}, warn() {}, error() {}, addSink() {} };
