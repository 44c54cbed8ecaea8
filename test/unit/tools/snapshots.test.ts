/**
 * Each tool file's definitions, loaded afresh inside the test, list exactly as their reviewed snapshots
 * (test/e2e/mcp/__toolsnaps__, which the spawned tools-list test writes and checks against the built
 * server). A tool's title, description, schemas and annotations are module-level values: loading them
 * inside the test is what lets a changed one fail here, in process (test/helpers/fresh-module.ts).
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { ToolDefinition } from "../../../src/tools/define.js";
import { freshly } from "../../helpers/fresh-module.js";

const SNAPSHOTS = path.resolve(import.meta.dirname, "../../e2e/mcp/__toolsnaps__");
const snapshotOf = (name: string) => fs.readFileSync(path.join(SNAPSHOTS, `${name}.json`), "utf8");

const FILES: Array<[string, () => Promise<readonly ToolDefinition[]>]> = [
  ["jobs", async () => (await import("../../../src/tools/jobs.js")).jobTools],
  ["endpoints", async () => (await import("../../../src/tools/endpoints.js")).endpointTools],
  ["scheduling", async () => (await import("../../../src/tools/scheduling.js")).schedulingTools],
  ["runs", async () => (await import("../../../src/tools/runs.js")).runTools],
  ["account", async () => (await import("../../../src/tools/account.js")).accountTools],
  ["auth", async () => (await import("../../../src/tools/auth.js")).authTools],
];

describe("each tool file, loaded afresh", () => {
  it.each(FILES)("src/tools/%s.ts: every tool lists as its snapshot", async (_file, load) => {
    const tools = await freshly(load);
    expect(tools.length).toBeGreaterThan(0);
    for (const tool of tools) expect(`${JSON.stringify(tool.listing(), null, 2)}\n`, tool.name).toBe(snapshotOf(tool.name));
  });

  it("together, the files hold every snapshot's tool, once", async () => {
    const names = (await Promise.all(FILES.map(([, load]) => load()))).flat().map((t) => t.name);
    const snapshots = fs.readdirSync(SNAPSHOTS).map((f) => f.replace(/\.json$/, ""));
    expect([...names].sort()).toEqual([...snapshots].sort());
  });
});
