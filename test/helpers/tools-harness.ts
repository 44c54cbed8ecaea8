/**
 * The real server in process, for the tool and server tests of test/unit/{tools,mcp,runtime}: the
 * server factory (src/mcp/server.ts) with the real runtime (src/runtime.ts: session, API client) behind
 * it, served by the SDK's own stdio entry over an in-memory pair to a real SDK client of either era,
 * and a scripted Cronicorn on 127.0.0.1 that records every request as it arrived on the wire (method,
 * path, query, JSON body) and answers what the test says. What a test asserts is what crosses a
 * boundary: the HTTP request Cronicorn receives, and the result the model reads.
 */
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import type { CallToolResult, ClientCapabilities, ElicitRequest, ElicitResult } from "@modelcontextprotocol/client";
import { InMemoryTransport } from "@modelcontextprotocol/server";
import { serveStdio } from "@modelcontextprotocol/server/stdio";
import { afterAll, beforeAll, beforeEach } from "vitest";
import pkg from "../../package.json" with { type: "json" };
import { loadConfig, type ConfigResult } from "../../src/config/config.js";
import type { LogSink, Logger } from "../../src/core/log.js";
import { createServerFactory, type ServerOptions } from "../../src/mcp/server.js";
import { loadRuntime } from "../../src/runtime.js";
import type { ToolDefinition } from "../../src/tools/define.js";
import { listenOnLoopback, stopServer } from "../stack/loopback.js";
import { clientFor, defaultElicitAnswer, type Era } from "./mcp.js";

/** One request as Cronicorn received it. */
export interface WireRequest {
  method: string;
  /** Path below the API base (`/jobs/j1`), percent-encoding kept as sent. */
  path: string;
  query: Record<string, string>;
  /** The parsed JSON body, or undefined when none was sent. */
  body: unknown;
  headers: http.IncomingHttpHeaders;
}

/** What the scripted Cronicorn answers: JSON `body` (default status 200), `status` alone (204 when no body), or plain `text`. */
export interface Reply {
  status?: number;
  body?: unknown;
  text?: string;
}

export type Script = (request: WireRequest) => Reply | undefined;

export interface ScriptedCronicorn {
  /** "http://127.0.0.1:<port>/api" */
  apiUrl: string;
  requests: WireRequest[];
  /** Answers the next requests; a request the script leaves unanswered gets a 404 naming no route. */
  script: Script;
  close(): Promise<void>;
}

export async function startScriptedCronicorn(script: Script = () => undefined): Promise<ScriptedCronicorn> {
  const fake: ScriptedCronicorn = { apiUrl: "", requests: [], script, close: async () => {} };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      const raw = Buffer.concat(chunks).toString("utf8");
      const request: WireRequest = {
        method: req.method ?? "",
        path: url.pathname.replace(/^\/api/, ""),
        query: Object.fromEntries(url.searchParams),
        body: raw === "" ? undefined : (JSON.parse(raw) as unknown),
        headers: req.headers,
      };
      fake.requests.push(request);
      const reply = fake.script(request) ?? { status: 404, body: { message: "no such route in this test" } };
      if (reply.text !== undefined) {
        res.writeHead(reply.status ?? 200, { "content-type": "text/plain; charset=utf-8" });
        res.end(reply.text);
      } else if (reply.body === undefined) {
        res.writeHead(reply.status ?? 204);
        res.end();
      } else {
        res.writeHead(reply.status ?? 200, { "content-type": "application/json" });
        res.end(JSON.stringify(reply.body));
      }
    });
  });
  fake.apiUrl = `http://127.0.0.1:${await listenOnLoopback(server)}/api`;
  fake.close = () => stopServer(server);
  return fake;
}

/** The requests without their headers, as most tests compare them. */
export const sent = (fake: ScriptedCronicorn) => fake.requests.map(({ method, path, query, body }) => ({ method, path, query, body }));

/** A directory of its own for one test server's config and credentials. */
export function tempConfigDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "cronicorn-m3-"));
}

export const TEST_API_KEY = "m3-test-api-key-0123456789";

export interface ServedOptions {
  era?: Era;
  /** Environment on top of: the scripted API, an API key, the file store in a temporary dir, no browser. */
  env?: Record<string, string | undefined>;
  /** Replaces the configuration built from `env` (e.g. a broken one). */
  config?: ConfigResult;
  capabilities?: ClientCapabilities;
  onElicit?: (params: ElicitRequest["params"]) => ElicitResult;
  /** Replaces the real runtime (src/runtime.ts). */
  loadRuntime?: ServerOptions["loadRuntime"];
  tools?: readonly ToolDefinition[];
  script?: Script;
}

export interface Served {
  client: ReturnType<typeof clientFor>;
  fake: ScriptedCronicorn;
  /** Every line the server logged, as `level: message`. */
  logs: string[];
  /** The logger the server and its runtime log through (what it logs may reach the client). */
  logger: Logger;
  elicited: Array<ElicitRequest["params"]>;
  call(name: string, args?: Record<string, unknown>): Promise<CallToolResult>;
  close(): Promise<void>;
}

/** The text a model reads from a tool result. */
export function textOf(result: CallToolResult): string {
  return result.content.map((c) => (c.type === "text" ? c.text : "")).join("\n");
}

/** The summary sentence of a successful result (the text before the compact JSON). */
export function summaryOf(result: CallToolResult): string {
  if (result.isError) throw new Error(`the tool failed: ${textOf(result)}`);
  return textOf(result).split("\n\n")[0] ?? "";
}

export async function serveTools(options: ServedOptions = {}): Promise<Served> {
  const fake = await startScriptedCronicorn(options.script);
  const dir = tempConfigDir();
  const config =
    options.config ??
    loadConfig({
      CRONICORN_API_URL: fake.apiUrl,
      CRONICORN_API_KEY: TEST_API_KEY,
      CRONICORN_TOKEN_STORE: "file",
      CRONICORN_CONFIG_DIR: dir,
      CRONICORN_NO_BROWSER: "1",
      CRONICORN_LOG_LEVEL: "debug",
      ...options.env,
    });
  const logs: string[] = [];
  const sinks: LogSink[] = [];
  const emit = (level: Parameters<LogSink>[0]) => (message: string) => {
    logs.push(`${level}: ${message}`);
    for (const sink of sinks) sink(level, message);
  };
  const logger = { debug: emit("debug"), info: emit("info"), warn: emit("warn"), error: emit("error"), addSink: (sink: LogSink) => void sinks.push(sink) };
  const factory = createServerFactory({
    version: pkg.version,
    config,
    logger,
    loadRuntime:
      options.loadRuntime ??
      (async (ui) => {
        if (!config.ok) throw new Error("unreachable: a broken configuration never loads the runtime");
        return loadRuntime(config.config, logger, ui);
      }),
    ...(options.tools ? { tools: options.tools } : {}),
  });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const handle = serveStdio(factory, { transport: serverSide });
  const client = clientFor(options.era ?? "legacy", options.capabilities ?? {});
  const elicited: Array<ElicitRequest["params"]> = [];
  if (options.capabilities?.elicitation) {
    client.setRequestHandler("elicitation/create", async (request) => {
      elicited.push(request.params);
      return (options.onElicit ?? defaultElicitAnswer)(request.params);
    });
  }
  await client.connect(clientSide);
  return {
    client,
    fake,
    logs,
    logger,
    elicited,
    call: async (name, args = {}) => (await client.callTool({ name, arguments: args })) as CallToolResult,
    close: async () => {
      await client.close();
      await handle.close();
      await fake.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * One server for a whole test file (started once, closed at the end); every test starts with no request
 * recorded and `script` answering. The returned function gives the server inside a test.
 */
export function serverPerFile(script: Script = () => undefined): () => Served {
  let served: Served | undefined;
  beforeAll(async () => {
    served = await serveTools();
  });
  afterAll(() => served?.close());
  beforeEach(() => {
    if (!served) return;
    served.fake.requests.length = 0;
    served.fake.script = script;
  });
  return () => {
    if (!served) throw new Error("the server is not started yet");
    return served;
  };
}

/** Cronicorn's answer for an id it does not know. */
export const notFound = (): Reply => ({ status: 404, body: { message: "not found" } });

/** A job as Cronicorn returns it, with `fields` on top. */
export const aJob = (fields: Record<string, unknown> = {}) => ({
  id: "j1",
  name: "Nightly backups",
  status: "active",
  createdAt: "2026-01-01T00:00:00.000Z",
  ...fields,
});

/** An endpoint as Cronicorn returns it, with `fields` on top. */
export const anEndpoint = (fields: Record<string, unknown> = {}) => ({
  id: "e1",
  jobId: "j1",
  name: "Health",
  url: "https://example.com/health",
  nextRunAt: "2026-01-01T00:05:00.000Z",
  failureCount: 0,
  ...fields,
});
