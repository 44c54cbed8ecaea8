/**
 * What a client sees first, from the built server over stdio, in both protocol eras: `tools/list`
 * (one reviewed snapshot file per tool, under __toolsnaps__), and the start-up answers compared with
 * the SDK's own for every configuration: the same server with CRONICORN_NO_FRONT=1 answers every
 * message through the SDK, and each answer must be the same JSON value.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { modernMeta } from "../../../src/build/generate-answers.js";
import { TOOLS } from "../../../src/tools/registry.js";
import { startCronicornStandIn } from "../../stack/cronicorn.js";
import type { StandIn } from "../../stack/cronicorn.js";
import { assertStdoutIsJsonRpc, ERAS, makeHome, SERVER_ENTRY, startServer } from "../../helpers/mcp.js";

describe.each(ERAS)("tools/list (%s era)", (era) => {
  let stand: StandIn;
  beforeAll(async () => {
    stand = await startCronicornStandIn();
  });
  afterAll(async () => {
    await stand?.close();
  });

  it("lists every tool of the registry with no credential and without a single request to Cronicorn", async () => {
    const server = await startServer({ era, env: { CRONICORN_API_URL: stand.apiUrl, CRONICORN_WEB_URL: stand.webUrl, CRONICORN_ISSUER: stand.webUrl } });
    try {
      const { tools } = await server.client.listTools();
      expect(tools.map((t) => t.name)).toEqual(TOOLS.map((t) => t.name));
      expect(stand.requests).toEqual([]);
      assertStdoutIsJsonRpc(server.stdout());
    } finally {
      await server.close();
    }
  });

  it("titles, describes and annotates each tool, as its reviewed snapshot file says", async () => {
    const server = await startServer({ era, env: { CRONICORN_API_URL: stand.apiUrl } });
    try {
      const { tools } = await server.client.listTools();
      for (const tool of tools) {
        expect(tool.name).toMatch(/^[a-z]+(_[a-z]+)*$/);
        expect(tool.title, tool.name).toBeTruthy();
        expect(tool.description?.length ?? 0, tool.name).toBeGreaterThan(40);
        expect(tool.outputSchema?.type, tool.name).toBe("object");
        // Hints equal to MCP's defaults are left out (src/tools/listing.ts): every tool states at least one.
        expect(Object.keys(tool.annotations ?? {}).length, tool.name).toBeGreaterThan(0);
        for (const value of Object.values(tool.annotations ?? {})) expect(typeof value, tool.name).toBe("boolean");
        // What the model sees, one file per tool: a change to a name, schema or annotation shows up in review.
        await expect(`${JSON.stringify(tool, null, 2)}\n`).toMatchFileSnapshot(`__toolsnaps__/${tool.name}.json`);
      }
    } finally {
      await server.close();
    }
  });
});

const NO_API = { CRONICORN_API_URL: "http://127.0.0.1:9/api" };
const line = (message: object) => `${JSON.stringify({ jsonrpc: "2.0", ...message })}\n`;

/** Every answer the built server writes to `input` (sent all at once), by id, once `count` have come. */
async function answersOf(input: string, count: number, env: Record<string, string>, args: string[] = []): Promise<Map<unknown, unknown>> {
  const child = spawn(process.execPath, [SERVER_ENTRY, ...args], {
    stdio: ["pipe", "pipe", "ignore"],
    env: { PATH: process.env.PATH ?? "", HOME: makeHome(), CRONICORN_TOKEN_STORE: "file", ...env },
  });
  const answers = new Map<unknown, unknown>();
  try {
    await new Promise<void>((resolve, reject) => {
      let buffered = "";
      child.once("exit", () => reject(new Error("the server exited before answering")));
      child.stdout.on("data", (chunk: Buffer) => {
        buffered += chunk.toString("utf8");
        for (let nl = buffered.indexOf("\n"); nl >= 0; nl = buffered.indexOf("\n")) {
          const message = JSON.parse(buffered.slice(0, nl)) as { id?: unknown; method?: string };
          buffered = buffered.slice(nl + 1);
          if (message.id !== undefined && message.method === undefined) answers.set(message.id, message);
          if (answers.size === count) resolve();
        }
      });
      child.stdin.write(input);
    });
    return answers;
  } finally {
    child.kill();
  }
}

describe("the start-up answers, from the built server, are the SDK's", () => {
  const modes: Array<{ name: string; env: Record<string, string>; args: string[] }> = [
    { name: "the default set", env: NO_API, args: [] },
    { name: "--read-only", env: NO_API, args: ["--read-only"] },
    { name: "--tools jobs,runs", env: NO_API, args: ["--tools", "jobs,runs"] },
    { name: "a broken configuration", env: { ...NO_API, CRONICORN_TIMEOUT_MS: "fast" }, args: [] },
  ];
  const sessions = {
    legacy:
      line({ id: 1, method: "initialize", params: { protocolVersion: "2024-11-05", capabilities: {}, clientInfo: { name: "raw", version: "1" } } }) +
      line({ method: "notifications/initialized" }) +
      line({ id: 2, method: "tools/list" }) +
      line({ id: 3, method: "prompts/list" }) +
      line({ id: 4, method: "tools/call", params: { name: "auth_status", arguments: {} } }) +
      line({ id: 5, method: "tools/list" }),
    modern:
      line({ id: 1, method: "server/discover", params: { _meta: modernMeta() } }) +
      line({ id: 2, method: "tools/list", params: { _meta: modernMeta() } }) +
      line({ id: 3, method: "prompts/list", params: { _meta: modernMeta() } }) +
      line({ id: 4, method: "tools/call", params: { name: "auth_status", arguments: {}, _meta: modernMeta() } }) +
      line({ id: 5, method: "tools/list", params: { _meta: modernMeta() } }),
  };

  for (const mode of modes) {
    it.each(ERAS)(`for ${mode.name}, in the %s era, everything sent at once`, async (era) => {
      const [fronted, alone] = await Promise.all([
        answersOf(sessions[era], 5, mode.env, mode.args),
        answersOf(sessions[era], 5, { ...mode.env, CRONICORN_NO_FRONT: "1" }, mode.args),
      ]);
      expect([...fronted.keys()].sort()).toEqual([1, 2, 3, 4, 5]);
      // The tool call's answer carries the moment it was made in no field: equal as a whole.
      expect(fronted).toEqual(alone);
      expect([...fronted.values()].every((a) => !("error" in (a as object)))).toBe(true);
    });
  }
});

describe("the opening exchange on the process's own stdio", () => {
  const PROBE = path.join(import.meta.dirname, "../../helpers/stdio-probe.cjs");
  const discover = line({ id: 1, method: "server/discover", params: { _meta: modernMeta() } });
  const legacyOpening =
    line({ id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "1" } } }) +
    line({ method: "notifications/initialized" }) +
    line({ id: 2, method: "tools/list" });

  /**
   * Runs the built server with the probe, `input` on its stdin (a pipe, closed once the answer to `last` came; or a
   * file), until it exits: its answers' ids, and what the probe saw created after how many blocking writes to stdout.
   */
  async function probed(stdin: "pipe" | number, input: string, last: number): Promise<{ ids: unknown[]; created: string[] }> {
    const child = spawn(process.execPath, ["-r", PROBE, SERVER_ENTRY], {
      stdio: [stdin, "pipe", "pipe"],
      env: { PATH: process.env.PATH ?? "", HOME: makeHome(), CRONICORN_TOKEN_STORE: "file", ...NO_API },
    });
    const { stdout, stderr } = child;
    if (!stdout || !stderr) throw new Error("spawned without pipes for stdout and stderr");
    let out = "";
    let err = "";
    const ids: unknown[] = [];
    stdout.on("data", (chunk: Buffer) => {
      const lines = (out + chunk.toString("utf8")).split("\n");
      out = lines.pop() ?? "";
      for (const text of lines) ids.push((JSON.parse(text) as { id?: unknown }).id);
      if (ids.includes(last)) child.stdin?.end();
    });
    stderr.on("data", (chunk: Buffer) => void (err += chunk.toString("utf8")));
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.stdin?.write(input);
    await exited;
    return { ids, created: [...err.matchAll(/stdio-probe: (process\.\w+ created after \d+)/g)].map((m) => m[1] ?? "") };
  }

  it("answers a discovery on pipes with blocking reads and writes, never creating process.stdin or process.stdout", async () => {
    expect(await probed("pipe", discover, 1)).toEqual({ ids: [1], created: [] });
  });

  it("answers the 2025 opening the same way, and creates the streams only after it, as the server loads", async () => {
    const run = await probed("pipe", legacyOpening, 2);
    expect(run.ids).toEqual([1, 2]);
    expect(run.created.sort()).toEqual(["process.stdin created after 2", "process.stdout created after 2"]);
  });

  it("hands a tool call to the server, which answers it on the streams", async () => {
    const call = line({ id: 3, method: "tools/call", params: { name: "auth_status", arguments: {} } });
    const run = await probed("pipe", legacyOpening + call, 3);
    expect(run.ids).toEqual([1, 2, 3]);
    expect(run.created.sort()).toEqual(["process.stdin created after 2", "process.stdout created after 2"]);
  });

  it("reads a stdin that is a file as a stream, and answers the same", async () => {
    const file = path.join(makeHome(), "session.jsonl");
    fs.writeFileSync(file, discover);
    const fd = fs.openSync(file, "r");
    try {
      const run = await probed(fd, "", 1);
      expect(run.ids).toEqual([1]);
      expect(run.created).toEqual(["process.stdin created after 0", "process.stdout created after 0"]);
    } finally {
      fs.closeSync(fd);
    }
  });
});
