/**
 * The demo's world: a local Cronicorn stand-in, a private temp HOME with a file credential store, and
 * the BUILT server spawned over stdio by the SDK's Client, which accepts URL elicitation (it shows the
 * sign-in link, so the server keeps the call open for the approval; a client that cannot show it gets
 * the link at once). Logging and progress notifications are collected for the transcript.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { ElicitRequestSchema, LoggingMessageNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { startCronicornStandIn } from "../stack/cronicorn.js";
import type { StandIn } from "../stack/cronicorn.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
export const SERVER_ENTRY = path.join(ROOT, "bin/cronicorn-mcp.js");
/** How long the demo's server holds a tool call open while the user approves a sign-in. */
export const LOGIN_WAIT_S = 20;

export interface DemoSession {
  stand: StandIn;
  client: Client;
  home: string;
  credentialsFile: string;
  /** Logging notifications the server sent, in order. */
  logs: string[];
  call(tool: string, args?: Record<string, unknown>, onProgress?: (message: string) => void): Promise<CallToolResult>;
  /** Everything the server wrote to stderr. */
  stderr(): string;
  /** Stops the server and the stand-in and deletes the temp HOME; never throws, never waits long. */
  close(): Promise<void>;
}

/** Resolves with `work`, or with undefined after `ms` (cleanup must not hang the demo). */
async function bounded(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([work.catch(() => undefined), new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

export async function startDemoSession(): Promise<DemoSession> {
  if (!fs.existsSync(path.join(ROOT, "dist/cli.js"))) throw new Error("dist/ is missing: run `npm run build` first (`npm run demo` does).");
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "cronicorn-mcp-demo-"));
  const cleanups: Array<() => Promise<void>> = [async () => fs.rmSync(home, { recursive: true, force: true })];
  const close = async () => {
    for (const fn of cleanups.splice(0).reverse()) await bounded(fn(), 5_000);
  };

  try {
    const stand = await startCronicornStandIn({ deviceInterval: "1s" });
    cleanups.push(() => stand.close());

    const configDir = path.join(home, ".cronicorn");
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [SERVER_ENTRY],
      env: {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        HOME: home,
        CRONICORN_CONFIG_DIR: configDir,
        CRONICORN_TOKEN_STORE: "file",
        CRONICORN_NO_BROWSER: "1",
        CRONICORN_LOGIN_WAIT_S: String(LOGIN_WAIT_S),
        CRONICORN_API_URL: stand.apiUrl,
        CRONICORN_WEB_URL: stand.webUrl,
        CRONICORN_ISSUER: stand.webUrl,
      },
      stderr: "pipe",
    });
    let stderr = "";
    transport.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));

    const client = new Client({ name: "cronicorn-mcp-demo", version: "1.0.0" }, { capabilities: { elicitation: { url: {} } } });
    client.setRequestHandler(ElicitRequestSchema, async () => ({ action: "accept" }));
    const logs: string[] = [];
    client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
      logs.push(typeof n.params.data === "string" ? n.params.data : JSON.stringify(n.params.data));
    });
    cleanups.push(() => client.close());
    await client.connect(transport);

    return {
      stand,
      client,
      home,
      credentialsFile: path.join(configDir, "credentials.json"),
      logs,
      async call(tool, args = {}, onProgress) {
        const result = await client.callTool({ name: tool, arguments: args }, undefined, {
          timeout: (LOGIN_WAIT_S + 10) * 1000,
          ...(onProgress ? { onprogress: (p: { message?: string }) => onProgress(p.message ?? ""), resetTimeoutOnProgress: false } : {}),
        });
        return result as CallToolResult;
      },
      stderr: () => stderr,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
