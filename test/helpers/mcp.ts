/**
 * Starts the BUILT server (dist/) as a child process over real stdio and drives it with the SDK's
 * Client + StdioClientTransport. Every byte the server writes is copied aside, and `close()` checks
 * it: stdout carried only JSON-RPC, and no known secret (issued by a peer, stored by the server, set
 * in its environment, or added by the test) appeared on stdout or stderr. A failed check fails the
 * test that owns the server; a server started inside a test is closed (and checked) when it ends.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { ClientCapabilities, CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { onTestFinished } from "vitest";
import { issuedSecrets, secretsInCredentialsFile, secretsInEnv } from "./secrets.js";

export const ROOT = path.resolve(import.meta.dirname, "../..");
export const SERVER_ENTRY = path.join(ROOT, "bin/cronicorn-mcp.js");
const TEE = path.join(ROOT, "test/helpers/tee-server.mjs");

export interface ServerHandle {
  client: Client;
  /** A private HOME / config dir for this server. */
  home: string;
  call(
    name: string,
    args?: Record<string, unknown>,
    options?: { timeoutMs?: number; onprogress?: (p: { progress: number; total?: number; message?: string }) => void },
  ): Promise<CallToolResult>;
  stdout(): string;
  stderr(): string;
  /** Secrets this test knows of beyond those the harness collects itself; checked at close(). */
  secrets: Set<string>;
  /** The hygiene checks close() runs, callable mid-test; throws on the first violation. */
  checkHygiene(): void;
  /** Stops the server, then runs the hygiene checks (once; later calls do nothing). */
  close(): Promise<void>;
}

export interface StartOptions {
  env?: Record<string, string | undefined>;
  args?: string[];
  capabilities?: ClientCapabilities;
  /** Reuse an existing home (e.g. two servers sharing one store). */
  home?: string;
  /** Called for elicitation/create requests when the client declares elicitation. */
  onElicit?: (params: unknown) => void;
}

export function makeHome(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "cronicorn-mcp-test-"));
}

export async function startServer(options: StartOptions = {}): Promise<ServerHandle> {
  if (!fs.existsSync(path.join(ROOT, "dist/cli.js"))) throw new Error("dist/ is missing: run `npm run build` first (npm test does).");
  const home = options.home ?? makeHome();
  const stdoutFile = path.join(home, `stdout-${process.hrtime.bigint()}.log`);
  const stderrFile = path.join(home, `stderr-${process.hrtime.bigint()}.log`);
  fs.writeFileSync(stdoutFile, "");
  fs.writeFileSync(stderrFile, "");

  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: home,
    CRONICORN_CONFIG_DIR: path.join(home, ".cronicorn"),
    CRONICORN_TOKEN_STORE: "file",
    CRONICORN_NO_BROWSER: "1",
    CRONICORN_LOG_LEVEL: "debug",
    TEE_STDOUT_FILE: stdoutFile,
    TEE_STDERR_FILE: stderrFile,
  };
  for (const [key, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }

  const transport = new StdioClientTransport({ command: process.execPath, args: [TEE, SERVER_ENTRY, ...(options.args ?? [])], env, stderr: "pipe" });
  transport.stderr?.on("data", () => undefined); // drained; the tee keeps the copy
  const client = new Client({ name: "cronicorn-mcp-tests", version: "1.0.0" }, { capabilities: options.capabilities ?? {} });
  if (options.capabilities?.elicitation) {
    const { ElicitRequestSchema } = await import("@modelcontextprotocol/sdk/types.js");
    client.setRequestHandler(ElicitRequestSchema, async (request) => {
      options.onElicit?.(request.params);
      return { action: "accept" };
    });
  }
  await client.connect(transport);

  const configDir = env.CRONICORN_CONFIG_DIR ?? path.join(home, ".cronicorn");
  const secrets = new Set<string>(secretsInEnv(env));
  // Tokens the server stored: sampled after every call, as a refresh may rotate them away later.
  const sampleStore = () => {
    for (const secret of secretsInCredentialsFile(configDir)) secrets.add(secret);
  };
  sampleStore();
  const stdout = () => fs.readFileSync(stdoutFile, "utf8");
  const stderr = () => fs.readFileSync(stderrFile, "utf8");
  const checkHygiene = () => {
    sampleStore();
    const known = [...secrets, ...issuedSecrets()];
    assertStdoutIsJsonRpc(stdout());
    assertNoSecrets(stdout(), known, "the server's stdout (results and notifications included)");
    assertNoSecrets(stderr(), known, "the server's stderr");
  };
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      await client.close();
      checkHygiene();
    })());
  try {
    onTestFinished(async () => {
      await close();
    });
  } catch {
    // Started outside a test (beforeAll): the suite's afterAll closes it, and a failed check fails the suite.
  }

  return {
    client,
    home,
    async call(name, args = {}, callOptions = {}) {
      try {
        const result = await client.callTool({ name, arguments: args }, undefined, {
          timeout: callOptions.timeoutMs ?? 60_000,
          ...(callOptions.onprogress ? { onprogress: callOptions.onprogress, resetTimeoutOnProgress: true } : {}),
        });
        return result as CallToolResult;
      } finally {
        sampleStore();
      }
    },
    stdout,
    stderr,
    secrets,
    checkHygiene,
    close,
  };
}

/** The text of a tool result. */
export function textOf(result: CallToolResult): string {
  return result.content.map((c) => (c.type === "text" ? c.text : "")).join("\n");
}

/** structuredContent[key] of a successful result, failing loudly otherwise. */
export function valueOf<T = Record<string, unknown>>(result: CallToolResult, key: string): T {
  if (result.isError) throw new Error(`tool failed: ${textOf(result)}`);
  const value = (result.structuredContent as Record<string, unknown> | undefined)?.[key];
  if (value === undefined) throw new Error(`no structuredContent.${key} in ${JSON.stringify(result)}`);
  return value as T;
}

/** Every line the server wrote to stdout must be one JSON-RPC 2.0 message. */
export function assertStdoutIsJsonRpc(stdout: string): number {
  const lines = stdout.split("\n").filter((l) => l.length > 0);
  for (const line of lines) {
    let message: unknown;
    try {
      message = JSON.parse(line);
    } catch {
      throw new Error(`stdout carried a non-JSON line: ${line.slice(0, 200)}`);
    }
    if (!message || typeof message !== "object" || (message as { jsonrpc?: unknown }).jsonrpc !== "2.0") {
      throw new Error(`stdout carried a non-JSON-RPC message: ${line.slice(0, 200)}`);
    }
  }
  return lines.length;
}

/** Fails when any of `secrets` occurs in `haystack`. */
export function assertNoSecrets(haystack: string, secrets: Array<string | undefined>, where: string): void {
  for (const secret of secrets) {
    if (secret && secret.length >= 6 && haystack.includes(secret)) {
      throw new Error(`a secret (${secret.slice(0, 3)}…, ${secret.length} chars) appeared in ${where}`);
    }
  }
}
