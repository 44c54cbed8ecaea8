/**
 * A signal during a refresh-token rotation must not lose the rotated token: the store would keep the
 * spent refresh token, the next refresh would be a reuse (`invalid_grant`) and the user signed out.
 * SIGHUP (terminal closed) ends the stdio server like SIGTERM, and `cronicorn-mcp status`, which may
 * refresh, finishes saving on Ctrl-C (SIGINT) or SIGHUP before it exits 128 + the signal's number.
 * Against the real authorization server with rotation, its token endpoint held open by the test.
 */
import { spawn } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import { setStoredExpiry } from "../../helpers/expiry.js";
import { environment, startCli } from "../../helpers/cli.js";
import { SERVER_ENTRY } from "../../helpers/mcp.js";
import { refreshGrants, startPkceStack, startSignedInServer, type PkceStack } from "../../helpers/pkce-stack.js";
import { storedRecord } from "../../helpers/signin.js";
import { until } from "../../helpers/until.js";

type Stored = { refresh_token: string; access_token: string };

describe("signals during a refresh-token rotation", () => {
  let stack: PkceStack | undefined;
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  /** The rotation of `before` happened once, and its result is what the store holds now. */
  async function expectRotatedAndSaved(home: string, before: Stored) {
    const s = stack as PkceStack;
    expect(
      refreshGrants(s)
        .filter((g) => g.refreshToken === before.refresh_token)
        .map((g) => g.outcome),
    ).toEqual(["ok"]);
    const after = storedRecord(home, s.stand.webUrl) as Stored;
    expect(after.refresh_token).not.toBe(before.refresh_token);
    expect(await s.as.verifyAccessToken(after.access_token)).not.toBeNull();
    expect(s.as.refreshTokenReuseCount()).toBe(0);
  }

  it("SIGHUP to the server during a refresh: the rotated token is saved before the process exits", async () => {
    stack = await startPkceStack();
    const signedIn = await startSignedInServer(stack);
    await signedIn.close();
    setStoredExpiry(signedIn.home, stack.stand.webUrl, Date.now() - 1_000);
    const before = storedRecord(signedIn.home, stack.stand.webUrl) as Stored;

    // Spawned without the test harness's tee, which forwards only SIGTERM and SIGINT.
    const server = spawn(process.execPath, [SERVER_ENTRY], {
      env: { ...environment(signedIn.home), CRONICORN_LOG_LEVEL: "debug", ...stack.env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stderr = "";
    server.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    server.stdout.resume();
    const exited = new Promise<number | null>((resolve) => server.on("exit", resolve));
    const held = stack.as.holdTokenRequests();
    const send = (message: object) => server.stdin.write(`${JSON.stringify({ jsonrpc: "2.0", ...message })}\n`);
    send({ id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "t", version: "1" } } });
    send({ method: "notifications/initialized" });
    send({ id: 2, method: "tools/call", params: { name: "list_jobs", arguments: {} } }); // needs a refresh
    await held.arrived;
    server.kill("SIGHUP");
    // Without a handler the process dies at once: then there is no line to wait for.
    await Promise.race([until(() => stderr.includes("Stopping: SIGHUP")), exited]);
    held.release();
    await exited;

    await expectRotatedAndSaved(signedIn.home, before);
  });

  for (const signal of ["SIGINT", "SIGHUP"] as const) {
    it(`${signal} to \`cronicorn-mcp status\` while it refreshes: it finishes saving the rotated token, then exits ${signal === "SIGINT" ? 130 : 129}`, async () => {
      stack = await startPkceStack();
      const signedIn = await startSignedInServer(stack);
      await signedIn.close();
      setStoredExpiry(signedIn.home, stack.stand.webUrl, Date.now() - 1_000);
      const before = storedRecord(signedIn.home, stack.stand.webUrl) as Stored;

      const held = stack.as.holdTokenRequests();
      const status = startCli(["status"], { ...environment(signedIn.home), ...stack.env });
      await held.arrived;
      status.child.kill(signal);
      const exit = status.exit(30_000);
      await Promise.race([until(() => status.stderr().includes("finishing saving the sign-in")), exit]);
      held.release();

      expect(await exit).toBe(signal === "SIGINT" ? 130 : 129);
      await expectRotatedAndSaved(signedIn.home, before);
    });
  }
});
