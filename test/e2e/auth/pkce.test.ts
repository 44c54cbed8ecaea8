import net from "node:net";
import os from "node:os";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { signInWithBrowser } from "../../stack/browser.js";
import { assertNoSecrets, assertStdoutIsJsonRpc, startServer, textOf, valueOf } from "../../helpers/mcp.js";
import type { ServerHandle } from "../../helpers/mcp.js";
import { startPkceStack } from "../../helpers/pkce-stack.js";
import type { PkceStack } from "../../helpers/pkce-stack.js";
import { eventually, promptOf, storedRecord, untilSignedIn } from "../../helpers/signin.js";

function refused(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", () => resolve(true));
  });
}

function redirectPort(authorizationUrl: string): number {
  const redirect = new URL(new URL(authorizationUrl).searchParams.get("redirect_uri") as string);
  expect(redirect.hostname).toBe("127.0.0.1");
  expect(redirect.pathname).toBe("/callback");
  return Number(redirect.port);
}

describe("authorization code + PKCE with a loopback redirect, against oidc-provider", () => {
  let stack: PkceStack;
  let server: ServerHandle | undefined;
  beforeEach(async () => {
    stack = await startPkceStack();
  });
  afterEach(async () => {
    if (server) {
      assertStdoutIsJsonRpc(server.stdout());
      const record = storedRecord(server.home, stack.stand.webUrl);
      assertNoSecrets(server.stdout() + server.stderr(), [record?.access_token as string, record?.refresh_token as string], "server output");
      await server.close();
      server = undefined;
    }
    await stack.close();
  });

  it("signs in through a real headless Chromium, shows our closing page, then tools work", async () => {
    server = await startServer({ env: stack.env });
    await server.client.listTools();
    expect(stack.as.requests).toEqual([]); // initialize and tools/list reached neither peer
    expect(stack.stand.requests).toEqual([]);
    const prompt = promptOf(await server.call("list_jobs"));
    expect(prompt.flow).toBe("pkce");
    const url = new URL(prompt.verificationUrl);
    expect(url.origin).toBe(stack.as.issuer);
    expect(url.searchParams.get("code_challenge_method")).toBe("S256");
    expect(url.searchParams.get("state")).toBeTruthy();

    const page = await signInWithBrowser(prompt.verificationUrl, stack.stand.user);
    expect(page.finalUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback\?/);
    expect(page.text).toMatch(/Signed in to Cronicorn/);
    expect(page.text).toMatch(/close this tab/);

    await untilSignedIn(server);
    expect(valueOf<unknown[]>(await server.call("list_jobs"), "jobs")).toEqual([]);
    const job = valueOf<{ name: string }>(await server.call("create_job", { name: "via PKCE" }), "job");
    expect(job.name).toBe("via PKCE");
    expect(storedRecord(server.home, stack.stand.webUrl)).toMatchObject({ flow: "pkce", issuer: stack.as.issuer });
    expect(storedRecord(server.home, stack.stand.webUrl)?.refresh_token).toBeTruthy();
  });

  it("rejects a callback with the wrong state, keeps waiting, and listens on 127.0.0.1 only, closing afterwards", async () => {
    server = await startServer({ env: stack.env });
    const prompt = promptOf(await server.call("login"));
    const port = redirectPort(prompt.verificationUrl);

    const forged = await fetch(`http://127.0.0.1:${port}/callback?code=stolen&state=not-ours`);
    expect(forged.status).toBe(400);
    expect(await forged.text()).toMatch(/does not match/);

    const external = Object.values(os.networkInterfaces())
      .flat()
      .find((i) => i && i.family === "IPv4" && !i.internal);
    if (external) expect(await refused(external.address, port)).toBe(true);
    expect(await refused("::1", port)).toBe(true);

    const callback = await stack.as.completeLoginHeadless(prompt.verificationUrl);
    expect(callback.status).toBe(200);
    await untilSignedIn(server);
    await eventually(async () => (await refused("127.0.0.1", port)) || undefined, 5_000, "listener closed");
  });

  it("reports a denied consent clearly", async () => {
    // A client that accepts URL elicitation: the user sees the link, so the call waits for the outcome.
    server = await startServer({ env: { ...stack.env, CRONICORN_LOGIN_WAIT_S: "20" }, capabilities: { elicitation: { url: {} } } });
    const waiting = server.call("login");
    const authUrl = await eventually(
      async () => {
        const status = valueOf<{ pendingSignIn?: { verificationUrl: string } }>(await server!.call("auth_status"), "status");
        return status.pendingSignIn?.verificationUrl;
      },
      10_000,
      "a pending sign-in",
    );
    const callback = await stack.as.completeLoginHeadless(authUrl, { deny: true });
    expect(callback.status).toBe(400);
    const result = await waiting;
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/denied/);
  });

  it("times out a sign-in that is never completed, with a clear message", async () => {
    server = await startServer({
      env: { ...stack.env, CRONICORN_SIGNIN_TIMEOUT_S: "2", CRONICORN_LOGIN_WAIT_S: "20" },
      capabilities: { elicitation: { url: {} } },
    });
    const result = await server.call("list_jobs");
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/not completed within/);
  });
});
