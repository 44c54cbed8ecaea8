/**
 * Every way out of the stdio server first finishes saving credentials, and a transport the SDK
 * closes (a line over its buffer limit) ends the process with the reason on stderr.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { StdioClientTransport } from "@modelcontextprotocol/client/stdio";
import { ERAS, SERVER_ENTRY, startServer, type ServerHandle } from "../../helpers/mcp.js";
import { modernMeta } from "../../../src/build/generate-answers.js";
import { refreshGrants, startPkceStack, startSignedInServer, waitPastExpiry, type PkceStack } from "../../helpers/pkce-stack.js";
import { storedRecord } from "../../helpers/signin.js";
import { until } from "../../helpers/until.js";

/** Resolves when the server process (through its tee) has exited. */
function exitOf(server: ServerHandle): Promise<void> {
  return new Promise((resolve) => {
    const previous = server.client.onclose;
    server.client.onclose = () => {
      previous?.();
      resolve();
    };
  });
}

describe.each(ERAS)("graceful shutdown (%s era)", (era) => {
  let stack: PkceStack | undefined;
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    it(`${signal} during a refresh: the rotated token is saved before the process exits`, async () => {
      stack = await startPkceStack({ accessTokenTtlS: 2 });
      const server = await startSignedInServer(stack, { CRONICORN_REFRESH_SKEW_S: "1" }, undefined, era);
      const before = storedRecord(server.home, stack.stand.webUrl) as { refresh_token: string };
      await waitPastExpiry(server, stack);

      const held = stack.as.holdTokenRequests();
      const exited = exitOf(server);
      void server.call("list_jobs").catch(() => undefined); // needs a refresh; its answer never comes
      await held.arrived; // the refresh grant is at the token endpoint now
      process.kill((server.client.transport as StdioClientTransport).pid ?? 0, signal);
      // (Today's code would have died at once: then there is no line to wait for.)
      await Promise.race([until(() => server.stderr().includes(`Stopping: ${signal}`)), exited]);
      held.release();
      await exited;

      const grants = refreshGrants(stack).filter((g) => g.refreshToken === before.refresh_token);
      expect(grants.map((g) => g.outcome)).toEqual(["ok"]);
      const after = storedRecord(server.home, stack.stand.webUrl) as { refresh_token: string; access_token: string };
      expect(after.refresh_token).not.toBe(before.refresh_token);
      expect(await stack.as.verifyAccessToken(after.access_token)).not.toBeNull();
    });
  }

  it("stdin closed during a refresh: the rotated token is saved before the process exits", async () => {
    stack = await startPkceStack({ accessTokenTtlS: 2 });
    const signedIn = await startSignedInServer(stack, { CRONICORN_REFRESH_SKEW_S: "1" }, undefined, era);
    const home = signedIn.home;
    await closed(signedIn);
    const before = storedRecord(home, stack.stand.webUrl) as { refresh_token: string };

    // Driven by hand: the SDK client's close() ends stdin but then escalates to signals on a timer.
    const child = spawn(process.execPath, [SERVER_ENTRY], {
      env: {
        PATH: process.env.PATH,
        HOME: home,
        CRONICORN_CONFIG_DIR: path.join(home, ".cronicorn"),
        CRONICORN_TOKEN_STORE: "file",
        CRONICORN_NO_BROWSER: "1",
        CRONICORN_LOG_LEVEL: "debug",
        CRONICORN_REFRESH_SKEW_S: "1",
        ...stack.env,
      },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
    await waitPastExpiry({ home } as ServerHandle, stack);
    const held = stack.as.holdTokenRequests();
    const send = (message: object) => child.stdin.write(`${JSON.stringify({ jsonrpc: "2.0", ...message })}\n`);
    if (era === "legacy") {
      send({ id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "t", version: "1" } } });
      send({ method: "notifications/initialized" });
      send({ id: 2, method: "tools/call", params: { name: "list_jobs", arguments: {} } });
    } else {
      send({ id: 2, method: "tools/call", params: { name: "list_jobs", arguments: {}, _meta: modernMeta() } });
    }
    await held.arrived;
    child.stdin.end();
    await Promise.race([until(() => stderr.includes("Stopping: stdin closed")), exited]);
    held.release();
    expect(await exited).toBe(0);

    const after = storedRecord(home, stack.stand.webUrl) as { refresh_token: string };
    expect(after.refresh_token).not.toBe(before.refresh_token);
    expect(
      refreshGrants(stack)
        .filter((g) => g.refreshToken === before.refresh_token)
        .map((g) => g.outcome),
    ).toEqual(["ok"]);
  });

  it("a line over the SDK's 10 MB buffer ends the process, saying why on stderr", async () => {
    const server = await startServer({ era, env: { CRONICORN_LOG_LEVEL: "silent" } });
    const exited = exitOf(server);
    const call = server.call("create_job", { name: "x".repeat(11 * 1024 * 1024) }).catch((error: unknown) => error);
    await exited;
    expect(await call).toBeInstanceOf(Error);
    expect(server.stderr()).toMatch(/the MCP connection ended \(ReadBuffer exceeded maximum size of 10485760 bytes\); exiting/);
  });
});

async function closed(server: ServerHandle): Promise<void> {
  const exited = exitOf(server);
  await server.close();
  await exited;
}
