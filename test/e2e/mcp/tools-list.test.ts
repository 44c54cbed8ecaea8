import { spawn } from "node:child_process";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pkg from "../../../package.json" with { type: "json" };
import { loadConfig } from "../../../src/config/config.js";
import type { ConfigOverrides } from "../../../src/config/config.js";
import { buildServer } from "../../../src/mcp/server.js";
import { startCronicornStandIn } from "../../stack/cronicorn.js";
import type { StandIn } from "../../stack/cronicorn.js";
import { assertStdoutIsJsonRpc, makeHome, SERVER_ENTRY, startServer } from "../../helpers/mcp.js";

const API_TOOLS = [
  "create_job",
  "get_job",
  "list_jobs",
  "update_job",
  "archive_job",
  "pause_job",
  "resume_job",
  "add_endpoint",
  "get_endpoint",
  "list_endpoints",
  "update_endpoint",
  "archive_endpoint",
  "delete_endpoint",
  "apply_interval_hint",
  "schedule_one_shot",
  "pause_endpoint",
  "resume_endpoint",
  "clear_hints",
  "reset_failures",
  "list_runs",
  "get_run",
  "get_endpoint_health",
  "test_endpoint",
  "list_ai_sessions",
  "get_ai_session",
  "get_dashboard_stats",
  "get_dashboard_activity",
  "get_usage",
  "get_signing_key",
  "create_signing_key",
  "rotate_signing_key",
  "list_devices",
  "revoke_device",
];

describe("tools/list", () => {
  let stand: StandIn;
  beforeAll(async () => {
    stand = await startCronicornStandIn();
  });
  afterAll(async () => {
    await stand?.close();
  });

  it("answers initialize and tools/list with no credential and without a single request to Cronicorn", async () => {
    const server = await startServer({ env: { CRONICORN_API_URL: stand.apiUrl, CRONICORN_WEB_URL: stand.webUrl, CRONICORN_ISSUER: stand.webUrl } });
    try {
      const { tools } = await server.client.listTools();
      expect(tools.length).toBeGreaterThanOrEqual(API_TOOLS.length + 3);
      expect(stand.requests).toEqual([]);
      assertStdoutIsJsonRpc(server.stdout());
    } finally {
      await server.close();
    }
  });

  it("exposes every API tool plus login, auth_status and logout, each titled, described and annotated", async () => {
    const server = await startServer({ env: { CRONICORN_API_URL: stand.apiUrl } });
    try {
      const { tools } = await server.client.listTools();
      const names = tools.map((t) => t.name);
      for (const name of [...API_TOOLS, "login", "auth_status", "logout"]) expect(names).toContain(name);
      for (const tool of tools) {
        expect(tool.name).toMatch(/^[a-z]+(_[a-z]+)*$/);
        expect(tool.title, tool.name).toBeTruthy();
        expect(tool.description?.length ?? 0, tool.name).toBeGreaterThan(40);
        expect(tool.outputSchema?.type, tool.name).toBe("object");
        // Hints equal to MCP's defaults are left out (src/tools/listing.ts): every tool states at least one.
        expect(Object.keys(tool.annotations ?? {}).length, tool.name).toBeGreaterThan(0);
        for (const value of Object.values(tool.annotations ?? {})) expect(typeof value, tool.name).toBe("boolean");
      }
      // The snapshot is what the model sees: any change to a name, schema or annotation shows up in review.
      expect(tools).toMatchSnapshot();
    } finally {
      await server.close();
    }
  });
});

/** The SDK's own answers for this configuration, from the zod definitions in src (no generated file). */
async function fromDefinitions(env: Record<string, string>, overrides: ConfigOverrides) {
  const server = buildServer({
    version: pkg.version,
    config: loadConfig(env, overrides),
    logger: quiet,
    loadRuntime: () => Promise.reject(new Error("not in this test")),
  });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: "definitions", version: "1" });
  await server.connect(serverSide);
  await client.connect(clientSide);
  try {
    return {
      tools: (await client.listTools()).tools,
      capabilities: client.getServerCapabilities(),
      info: client.getServerVersion(),
      instructions: client.getInstructions(),
    };
  } finally {
    await client.close();
  }
}

const quiet = { debug() {}, info() {}, warn() {}, error() {}, addSink() {} };
const NO_API = { CRONICORN_API_URL: "http://127.0.0.1:9/api" };

describe("tools/list generated at build time", () => {
  const modes: Array<{ name: string; env: Record<string, string>; args: string[]; overrides: ConfigOverrides }> = [
    { name: "the default set", env: NO_API, args: [], overrides: {} },
    { name: "--read-only", env: NO_API, args: ["--read-only"], overrides: { readOnly: true } },
    { name: "--tools jobs,runs", env: NO_API, args: ["--tools", "jobs,runs"], overrides: { toolGroups: "jobs,runs" } },
    { name: "a broken configuration", env: { ...NO_API, CRONICORN_TIMEOUT_MS: "fast" }, args: [], overrides: {} },
  ];

  for (const mode of modes) {
    it(`serves for ${mode.name} exactly what the zod definitions produce, at start-up and after the SDK takes over`, async () => {
      const expected = await fromDefinitions(mode.env, mode.overrides);
      const server = await startServer({ env: mode.env, args: mode.args });
      try {
        expect((await server.client.listTools()).tools).toEqual(expected.tools);
        await server.client.ping(); // not a start-up answer: the SDK server takes over here
        expect((await server.client.listTools()).tools).toEqual(expected.tools);
      } finally {
        await server.close();
      }
    });
  }

  it("answers initialize with the SDK server's own capabilities, server info and instructions", async () => {
    const expected = await fromDefinitions(NO_API, {});
    const server = await startServer({ env: NO_API });
    try {
      expect(server.client.getServerCapabilities()).toEqual(expected.capabilities);
      expect(server.client.getServerVersion()).toEqual(expected.info);
      expect(server.client.getInstructions()).toEqual(expected.instructions);
    } finally {
      await server.close();
    }
  });

  it("answers a client that sends everything at once, negotiating its protocol version, and hides the replayed initialize", async () => {
    const child = spawn(process.execPath, [SERVER_ENTRY], {
      stdio: ["pipe", "pipe", "ignore"],
      env: { PATH: process.env.PATH ?? "", HOME: makeHome(), ...NO_API, CRONICORN_TOKEN_STORE: "file" },
    });
    const line = (message: object) => `${JSON.stringify({ jsonrpc: "2.0", ...message })}\n`;
    const answers: Array<{ id?: unknown; result?: Record<string, unknown>; error?: unknown }> = [];
    const done = new Promise<void>((resolve) => {
      let buffered = "";
      child.stdout.on("data", (chunk: Buffer) => {
        buffered += chunk.toString("utf8");
        for (let nl = buffered.indexOf("\n"); nl >= 0; nl = buffered.indexOf("\n")) {
          answers.push(JSON.parse(buffered.slice(0, nl)) as (typeof answers)[number]);
          buffered = buffered.slice(nl + 1);
          if ([1, 2, 3, 4, 5].every((id) => answers.some((a) => a.id === id))) resolve();
        }
      });
    });
    child.stdin.write(
      line({ id: 1, method: "initialize", params: { protocolVersion: "2024-11-05", capabilities: {}, clientInfo: { name: "raw", version: "1" } } }) +
        line({ method: "notifications/initialized" }) +
        line({ id: 2, method: "tools/list" }) +
        line({ id: 3, method: "prompts/list" }) +
        line({ id: 4, method: "tools/call", params: { name: "auth_status", arguments: {} } }) +
        line({ id: 5, method: "tools/list" }),
    );
    try {
      await done;
      // Exactly one answer per request (none to the replay), none an error; the tool call may finish last.
      const byId = new Map(answers.map((a) => [a.id, a]));
      expect(
        answers
          .filter((a) => a.id !== undefined)
          .map((a) => a.id)
          .sort(),
      ).toEqual([1, 2, 3, 4, 5]);
      expect(answers.every((a) => a.error === undefined)).toBe(true);
      expect(byId.get(1)?.result?.protocolVersion).toBe("2024-11-05");
      expect(byId.get(2)?.result).toEqual(byId.get(5)?.result);
      expect(JSON.stringify(byId.get(4)?.result)).toMatch(/Not signed in/);
    } finally {
      child.kill();
    }
  });
});
