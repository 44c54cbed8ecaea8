/**
 * A D-Bus session bus that accepts connections and never answers: the keyring module's D-Bus client
 * waits forever for the bus's first reply. The built server must stay responsive (ping, tool calls),
 * fall back to the private file in auto mode, end on SIGTERM, and leave no keychain helper behind.
 */
import type { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, textOf, valueOf, type ServerHandle } from "../../helpers/mcp.js";
import { startSilentBus, type SilentBus } from "../../helpers/store/silent-bus.js";
import { until } from "../../helpers/until.js";

/** Resolves with the process's exit once the server (through its tee) has gone. */
function exitOf(server: ServerHandle): Promise<void> {
  return new Promise((resolve) => {
    const previous = server.client.onclose;
    server.client.onclose = () => {
      previous?.();
      resolve();
    };
  });
}

let bus: SilentBus;
beforeAll(async () => {
  bus = await startSilentBus();
});
afterAll(async () => {
  await bus?.close();
});

const silentBusEnv = () => ({ DBUS_SESSION_BUS_ADDRESS: bus.address, CRONICORN_KEYCHAIN_TIMEOUT_MS: "1500" });

describe("a D-Bus that accepts and never answers", () => {
  it("answers ping while a tool call waits on the keychain, then the call answers from the file store", async () => {
    const server = await startServer({ env: { ...silentBusEnv(), CRONICORN_TOKEN_STORE: "auto" } });
    const status = server.call("auth_status", {}, { timeoutMs: 20_000 });
    await until(() => bus.accepted() > 0); // the keychain is being asked now
    await server.client.ping({ timeout: 5_000 });
    const answered = valueOf<{ signedIn: boolean; store: string }>(await status, "status");
    expect(answered).toMatchObject({ signedIn: false, store: expect.stringContaining("OS keychain not answering") });
    expect(server.stderr()).toMatch(/Credentials are kept in file .* because the OS keychain did not answer within 1500 ms/);
    await server.client.ping({ timeout: 5_000 });
  });

  it("in keychain mode reports the keychain as not answering in the tool's result, and stays responsive", async () => {
    const server = await startServer({ env: { ...silentBusEnv(), CRONICORN_TOKEN_STORE: "keychain" } });
    const result = await server.call("list_jobs", {}, { timeoutMs: 20_000 });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/OS keychain did not answer within 1500 ms.*CRONICORN_TOKEN_STORE=file/);
    await server.client.ping({ timeout: 5_000 });
  });

  it("ends on SIGTERM while a keychain call is stuck, and leaves no process connected to the bus", async () => {
    const server = await startServer({ env: { ...silentBusEnv(), CRONICORN_TOKEN_STORE: "keychain", CRONICORN_KEYCHAIN_TIMEOUT_MS: "60000" } });
    const exited = exitOf(server);
    const before = bus.open();
    void server.call("auth_status", {}, { timeoutMs: 60_000 }).catch(() => undefined);
    await until(() => bus.open() > before); // a keychain call is stuck on the bus now
    process.kill((server.client.transport as StdioClientTransport).pid ?? 0, "SIGTERM");
    await exited;
    await until(() => bus.open() === before);
    expect(server.stderr()).toContain("Stopping: SIGTERM");
  });
});
