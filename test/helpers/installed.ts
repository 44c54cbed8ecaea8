/** The packed tarball's bin, started as an MCP client starts it, and the answers it gives. Shared by the package and Node-version tests. */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult, Implementation } from "@modelcontextprotocol/sdk/types.js";
import { expect } from "vitest";
import type { StandIn } from "../stack/cronicorn.js";
import { eventually } from "./signin.js";

export interface InstalledServer {
  call(name: string, args?: Record<string, unknown>): Promise<CallToolResult>;
  toolNames(): Promise<string[]>;
  /** What the server said of itself in the handshake. */
  serverInfo(): Implementation | undefined;
  /** The spawned process (the wrapper, when `command` wraps the bin). */
  pid(): number | null;
  stderr(): string;
  close(): Promise<void>;
}

/** Spawn the installed bin (shebang + npm's bin link, as `npx` runs it), or `command`, and complete the MCP handshake. */
export async function startInstalledServer(
  bin: string,
  env: Record<string, string>,
  command: { command: string; args: string[] } = { command: bin, args: [] },
): Promise<InstalledServer> {
  const transport = new StdioClientTransport({ ...command, env, stderr: "pipe" });
  let stderr = "";
  transport.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8");
  });
  const client = new Client({ name: "cronicorn-mcp-package-tests", version: "1.0.0" }, { capabilities: {} });
  await client.connect(transport);
  return {
    call: async (name, args = {}) => (await client.callTool({ name, arguments: args }, undefined, { timeout: 60_000 })) as CallToolResult,
    toolNames: async () => (await client.listTools()).tools.map((t) => t.name),
    serverInfo: () => client.getServerVersion(),
    pid: () => transport.pid,
    stderr: () => stderr,
    close: () => client.close(),
  };
}

/** `structuredContent[key]` of a successful result (the test fails with the result's text otherwise). */
export function structured<T>(result: CallToolResult, key: string): T {
  const text = result.content.map((c) => (c.type === "text" ? c.text : "")).join("\n");
  expect(result.isError, text).toBeFalsy();
  const value = (result.structuredContent as Record<string, unknown> | undefined)?.[key];
  expect(value, `structuredContent.${key} of ${text}`).toBeDefined();
  return value as T;
}

/** A credential as the server stores it, for a fresh bearer session of the stand-in's user. */
export async function freshRecord(stand: StandIn): Promise<Record<string, unknown>> {
  const now = Date.now();
  return {
    access_token: await stand.signIn(),
    expires_at: now + 30 * 86_400_000,
    token_type: "Bearer",
    issuer: stand.apiUrl,
    client_id: "cronicorn-mcp",
    obtained_at: now,
    flow: "device",
  };
}

/** Sign in as a user does through a tool: the first call answers with a device code, the user approves it, a later call goes through. */
export async function signInThroughTool(server: InstalledServer, stand: StandIn): Promise<void> {
  const prompt = structured<{ userCode: string }>(await server.call("list_jobs"), "signIn");
  await stand.approveDevice(prompt.userCode);
  await eventually(async () => (await server.call("list_jobs")).structuredContent?.jobs as unknown[] | undefined);
}

export interface SecretServiceSession {
  /** Starts the bin inside the session. */
  command: { command: string; args: string[] };
  /** HOME and XDG folders under `home`, and where the session script writes its address. */
  env: Record<string, string>;
  /** The session's D-Bus address, for secret-tool or a second process while the server runs. */
  busAddress(): string;
}

/**
 * Run `then` (by default: exec "$BIN") inside a private D-Bus session with an unlocked gnome-keyring, its
 * keyring under the throwaway `home`; the session's address is written aside so other processes reach
 * the same keyring while it runs.
 */
export function secretServiceSession(home: string, then = 'exec "$BIN"'): SecretServiceSession {
  const missing = ["dbus-run-session", "gnome-keyring-daemon", "secret-tool"].filter((tool) => spawnSync("sh", ["-c", `command -v ${tool}`]).status !== 0);
  expect(missing, `${missing.join(", ")} not found: run npm run setup:system`).toEqual([]);
  fs.mkdirSync(path.join(home, "run"), { mode: 0o700, recursive: true });
  const busFile = path.join(home, "bus-address");
  const script = `echo -n pass | gnome-keyring-daemon --unlock --components=secrets >/dev/null\necho "$DBUS_SESSION_BUS_ADDRESS" > "$BUS_FILE"\n${then}`;
  return {
    command: { command: "dbus-run-session", args: ["--", "sh", "-c", script] },
    env: { HOME: home, XDG_RUNTIME_DIR: path.join(home, "run"), XDG_DATA_HOME: path.join(home, "data"), BUS_FILE: busFile },
    busAddress: () => fs.readFileSync(busFile, "utf8").trim(),
  };
}
