/**
 * The legacy peer: the 1.x MCP SDK client (`@modelcontextprotocol/sdk`, what most clients in the field
 * still ship), against the built server. It sees what it saw before SDK v2: the same handshake, the same
 * tools as a v2 client, tool calls, the sign-in link as a pushed URL elicitation, and a destructive
 * tool's confirmation as a pushed form elicitation.
 */
import path from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { ElicitRequestSchema, type CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCronicornStandIn } from "../../stack/cronicorn.js";
import type { StandIn } from "../../stack/cronicorn.js";
import { makeHome, SERVER_ENTRY, startServer } from "../../helpers/mcp.js";

type Obj = Record<string, unknown>;

describe("a 1.x SDK client (the legacy peer)", () => {
  let stand: StandIn;
  beforeAll(async () => {
    stand = await startCronicornStandIn({ deviceInterval: "1s" });
  });
  afterAll(async () => {
    await stand?.close();
  });

  async function connect(env: Record<string, string>, answer: (params: { mode?: string; url?: string; message: string }) => Obj) {
    const home = makeHome();
    const elicited: Array<{ mode?: string; url?: string; message: string }> = [];
    const client = new Client({ name: "v1-peer", version: "1.0.0" }, { capabilities: { elicitation: { form: {}, url: {} } } });
    client.setRequestHandler(ElicitRequestSchema, async (request) => {
      const params = request.params as { mode?: string; url?: string; message: string };
      elicited.push(params);
      return answer(params) as never;
    });
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [SERVER_ENTRY],
      env: {
        PATH: process.env.PATH ?? "",
        HOME: home,
        CRONICORN_CONFIG_DIR: path.join(home, ".cronicorn"),
        CRONICORN_TOKEN_STORE: "file",
        CRONICORN_NO_BROWSER: "1",
        CRONICORN_DEVICE_POLL_FLOOR_S: "1",
        CRONICORN_API_URL: stand.apiUrl,
        CRONICORN_WEB_URL: stand.webUrl,
        CRONICORN_ISSUER: stand.webUrl,
        ...env,
      },
      stderr: "ignore",
    });
    await client.connect(transport);
    const call = async (name: string, args: Obj = {}) => (await client.callTool({ name, arguments: args }, undefined, { timeout: 30_000 })) as CallToolResult;
    return { client, elicited, call };
  }

  it("connects with the 2025 handshake and lists exactly the tools a v2 client lists", async () => {
    const { client } = await connect({ CRONICORN_API_KEY: stand.apiKey }, () => ({ action: "decline" }));
    const v2 = await startServer({ env: { CRONICORN_API_URL: stand.apiUrl } });
    try {
      expect(client.getServerVersion()).toMatchObject({ name: "cronicorn-mcp" });
      expect((await client.listTools()).tools).toEqual((await v2.client.listTools()).tools);
      expect(client.getInstructions()).toBe(v2.client.getInstructions());
    } finally {
      await client.close();
      await v2.close();
    }
  });

  it("calls tools, and confirms a destructive one through a pushed form elicitation before anything is sent", async () => {
    const { client, elicited, call } = await connect({ CRONICORN_API_KEY: stand.apiKey }, (p) =>
      p.mode === "form" ? { action: "accept", content: { confirm: true } } : { action: "decline" },
    );
    try {
      const job = (await call("create_job", { name: "legacy peer" })).structuredContent as { job: { id: string } };
      const archived = (await call("archive_job", { jobId: job.job.id })).structuredContent as { job: Obj };
      expect(archived.job).toMatchObject({ id: job.job.id, status: "archived" });
      expect(elicited).toEqual([
        expect.objectContaining({ mode: "form", message: `Archive job ${job.job.id}? Its endpoints stop running; their history is kept.` }),
      ]);
    } finally {
      await client.close();
    }
  });

  it("is shown the sign-in link as a pushed URL elicitation, and the same call finishes once approved", async () => {
    const { client, elicited, call } = await connect({ CRONICORN_LOGIN_WAIT_S: "20" }, () => ({ action: "accept" }));
    try {
      const waiting = call("list_jobs");
      const link = await new Promise<{ url?: string }>((resolve) => {
        const check = setInterval(() => {
          const found = elicited.find((e) => e.mode === "url");
          if (found) {
            clearInterval(check);
            resolve(found);
          }
        }, 20);
      });
      await stand.approveDevice(new URL(link.url as string).searchParams.get("user_code") as string);
      const result = await waiting;
      expect(result.structuredContent).toEqual({ jobs: expect.any(Array) });
      expect(result.isError).toBeFalsy();
    } finally {
      await client.close();
    }
  });
});
