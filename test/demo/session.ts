/**
 * The demo's world: a local Cronicorn stand-in, a private temp HOME with a file credential store, and
 * the BUILT server spawned over stdio by the MCP SDK v2 client pinned to protocol revision 2026-07-28,
 * with URL and form elicitation (as a client with a sign-in UI declares them): it shows the sign-in link the server returns
 * in an input_required round (so the retried call waits for the approval) and answers confirmations.
 * Elicitations and progress notifications are collected for the transcript.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Client } from "@modelcontextprotocol/client";
import type { CallToolResult, ElicitRequest, ElicitResult } from "@modelcontextprotocol/client";
import { StdioClientTransport } from "@modelcontextprotocol/client/stdio";
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
  /** Elicitations the client received (sign-in links, confirmations), in order. */
  elicitations: Array<ElicitRequest["params"]>;
  /** How the client (the user) answers the next elicitations; by default it opens links and confirms. */
  answer: (params: ElicitRequest["params"]) => ElicitResult;
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

    const client = new Client(
      { name: "cronicorn-mcp-demo", version: "1.0.0" },
      { capabilities: { elicitation: { url: {}, form: {} } }, versionNegotiation: { mode: { pin: "2026-07-28" } } },
    );
    const elicitations: Array<ElicitRequest["params"]> = [];
    const session: Pick<DemoSession, "answer"> = {
      answer: (params) => (params.mode === "url" ? { action: "accept" } : { action: "accept", content: { confirm: true } }),
    };
    client.setRequestHandler("elicitation/create", async (request) => {
      elicitations.push(request.params);
      return session.answer(request.params);
    });
    cleanups.push(() => client.close());
    await client.connect(transport);

    return {
      stand,
      client,
      home,
      credentialsFile: path.join(configDir, "credentials.json"),
      elicitations,
      get answer() {
        return session.answer;
      },
      set answer(answer) {
        session.answer = answer;
      },
      async call(tool, args = {}, onProgress) {
        const result = await client.callTool(
          { name: tool, arguments: args },
          {
            timeout: (LOGIN_WAIT_S + 10) * 1000,
            ...(onProgress ? { onprogress: (p: { message?: string }) => onProgress(p.message ?? ""), resetTimeoutOnProgress: false } : {}),
          },
        );
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
