/**
 * Starts the BUILT server (dist/) as a child process over real stdio and drives it with the MCP SDK v2
 * client, in the protocol era the test names: "legacy" (the 2025 `initialize` handshake) or "modern"
 * (pinned to 2026-07-28: no handshake, `_meta` on every request, input_required rounds). Every byte
 * the server writes is copied aside, and `close()` checks it: stdout carried only JSON-RPC, and no
 * known secret (issued by a peer, stored by the server, set in its environment, or added by the test)
 * appeared on stdout or stderr. A failed check fails the test that owns the server; a server started
 * inside a test is closed (and checked) when it ends. (The 1.x SDK client, the legacy peer, has its
 * own suite: test/e2e/mcp/legacy-client.test.ts.)
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Client } from "@modelcontextprotocol/client";
import type { CallToolResult, ClientCapabilities, ElicitRequest, ElicitResult } from "@modelcontextprotocol/client";
import { StdioClientTransport } from "@modelcontextprotocol/client/stdio";
import { onTestFinished } from "vitest";
import { issuedSecrets, secretsInCredentialsFile, secretsInEnv } from "./secrets.js";

export const ROOT = path.resolve(import.meta.dirname, "../..");

/** The protocol eras a test runs in: every behaviour that applies to both is run in both (`describe.each(ERAS)`). */
export type Era = "legacy" | "modern";
export const ERAS: readonly Era[] = ["legacy", "modern"];

/** A client of the given era: legacy = the 2025 handshake; modern = pinned to 2026-07-28, no fallback. */
export function clientFor(era: Era, capabilities: ClientCapabilities = {}, name = "cronicorn-mcp-tests"): Client {
  return new Client({ name, version: "1.0.0" }, { capabilities, ...(era === "modern" ? { versionNegotiation: { mode: { pin: "2026-07-28" } } } : {}) });
}

/** What the harness's client answers an elicitation with by default: it opens URLs, and confirms forms. */
export function defaultElicitAnswer(params: ElicitRequest["params"]): ElicitResult {
  return params.mode === "url" ? { action: "accept" } : { action: "accept", content: { confirm: true } };
}
export const SERVER_ENTRY = path.join(ROOT, "bin/cronicorn-mcp.js");
const TEE = path.join(ROOT, "test/helpers/tee-server.mjs");

export interface ServerHandle {
  client: Client;
  era: Era;
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
  /** The protocol era of the client (default legacy). */
  era?: Era;
  /** Reuse an existing home (e.g. two servers sharing one store). */
  home?: string;
  /**
   * Called for every elicitation the client receives (a 2025 push, or a 2026 input_required round's
   * embedded request) when it declares elicitation; its answer, or else `defaultElicitAnswer`, is sent.
   */
  onElicit?: (params: ElicitRequest["params"]) => ElicitResult | void | Promise<ElicitResult | void>;
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
    // Device sign-ins against the stand-in (interval 1 s) poll every second instead of every 5: faster tests.
    CRONICORN_DEVICE_POLL_FLOOR_S: "1",
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
  const era = options.era ?? "legacy";
  const client = clientFor(era, options.capabilities ?? {});
  if (options.capabilities?.elicitation) {
    client.setRequestHandler("elicitation/create", async (request) => (await options.onElicit?.(request.params)) ?? defaultElicitAnswer(request.params));
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
    era,
    home,
    async call(name, args = {}, callOptions = {}) {
      try {
        const result = await client.callTool(
          { name, arguments: args },
          {
            timeout: callOptions.timeoutMs ?? 60_000,
            ...(callOptions.onprogress ? { onprogress: callOptions.onprogress, resetTimeoutOnProgress: true } : {}),
          },
        );
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
