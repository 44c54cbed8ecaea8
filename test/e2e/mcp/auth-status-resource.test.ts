/**
 * `cronicorn://auth/status`: a read-only resource with the sign-in state (no secrets), and
 * `notifications/resources/updated` to subscribers when a sign-in starts, completes, expires or ends:
 * through `resources/subscribe` in the 2025 era, a `subscriptions/listen` stream in the 2026 era.
 * Driven over stdio against the built server and the stand-in's better-auth, in both eras.
 */
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startCronicornStandIn } from "../../stack/cronicorn.js";
import { listenOnLoopback, stopServer } from "../../stack/loopback.js";
import type { StandIn } from "../../stack/cronicorn.js";
import { assertNoSecrets, assertStdoutIsJsonRpc, ERAS, makeHome, startServer, textOf, valueOf } from "../../helpers/mcp.js";
import type { Era, ServerHandle } from "../../helpers/mcp.js";
import { eventually, promptOf, storedRecord, writeStoredRecord } from "../../helpers/signin.js";

const URI = "cronicorn://auth/status";

interface StatusView {
  signedIn: boolean;
  source?: string;
  store?: string;
  user?: { email?: string };
  pendingSignIn?: { userCode?: string };
  problem?: string;
}

describe.each(ERAS)("the cronicorn://auth/status resource (%s era)", (era: Era) => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0)) await fn();
  });

  async function setup(env: Record<string, string> = {}, home?: string) {
    const stand = await startCronicornStandIn({ deviceInterval: "1s" });
    const server = await startServer({
      era,
      ...(home ? { home } : {}),
      env: { CRONICORN_API_URL: stand.apiUrl, CRONICORN_WEB_URL: stand.webUrl, CRONICORN_ISSUER: stand.webUrl, ...env },
    });
    const updates: string[] = [];
    server.client.setNotificationHandler("notifications/resources/updated", (n) => {
      updates.push(n.params.uri);
    });
    cleanup.push(async () => {
      assertStdoutIsJsonRpc(server.stdout());
      await server.close();
      await stand.close();
    });
    return { stand, server, updates };
  }

  /** Subscribe as this era does; returns the way to stop. */
  async function subscribe(server: ServerHandle): Promise<() => Promise<void>> {
    if (era === "legacy") {
      await server.client.subscribeResource({ uri: URI });
      return async () => void (await server.client.unsubscribeResource({ uri: URI }));
    }
    const subscription = await server.client.listen({ resourceSubscriptions: [URI] });
    expect(subscription.honoredFilter).toEqual({ resourceSubscriptions: [URI] });
    return () => subscription.close();
  }

  async function read(server: ServerHandle): Promise<{ view: StatusView; text: string }> {
    const result = await server.client.readResource({ uri: URI });
    const content = result.contents[0] as { text: string; mimeType?: string };
    expect(content.mimeType).toBe("application/json");
    return { view: JSON.parse(content.text) as StatusView, text: content.text };
  }

  /** Resolves once `updates` holds more than `seen` notifications for the resource. */
  const nextUpdate = (updates: string[], seen: number, what: string) =>
    eventually(() => (updates.filter((u) => u === URI).length > seen ? true : undefined), 20_000, what);

  it("is listed, declares subscriptions, and notifies subscribers when a sign-in starts, completes and ends with logout", async () => {
    const { stand, server, updates } = await setup();
    expect(server.client.getServerCapabilities()?.resources?.subscribe).toBe(true);
    const listed = await server.client.listResources();
    expect(listed.resources.find((r) => r.uri === URI)).toMatchObject({ mimeType: "application/json" });
    await subscribe(server);
    expect((await read(server)).view).toMatchObject({ signedIn: false, source: "none" });

    const prompt = promptOf(await server.call("login"));
    await nextUpdate(updates, 0, "an update when the sign-in started");
    expect((await read(server)).view.pendingSignIn?.userCode).toBe(prompt.userCode);

    const beforeApproval = updates.length;
    await stand.approveDevice(prompt.userCode as string);
    await nextUpdate(updates, beforeApproval, "an update when the sign-in completed");
    const signedIn = await read(server);
    expect(signedIn.view).toMatchObject({ signedIn: true, source: "file", user: { email: stand.user.email } });
    const token = storedRecord(server.home, new URL(stand.apiUrl).origin)?.access_token as string;
    assertNoSecrets(signedIn.text, [token], "the status resource");

    const beforeLogout = updates.length;
    valueOf(await server.call("logout"), "logout");
    await nextUpdate(updates, beforeLogout, "an update after logout");
    expect((await read(server)).view).toMatchObject({ signedIn: false, source: "none" });
  });

  it("notifies a subscriber when the saved sign-in expires", async () => {
    const home = makeHome();
    const { stand, server, updates } = await setup({}, home);
    // A record that expires in 3 s, saved before the server reads it.
    const token = await stand.signIn();
    const dir = path.join(home, ".cronicorn");
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const record = {
      access_token: token,
      expires_at: Date.now() + 3_000,
      token_type: "Bearer",
      issuer: `${stand.apiUrl}/auth`,
      client_id: "cronicorn-mcp",
      obtained_at: Date.now(),
      flow: "device",
    };
    writeStoredRecord(dir, new URL(stand.apiUrl).origin, record);

    await subscribe(server);
    const before = await read(server);
    expect(before.view.signedIn).toBe(true);
    // Cronicorn sessions slide, so a local expiry alone is not the end: the server must also have ended it.
    await fetch(`${stand.apiUrl}/auth/sign-out`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: "{}",
    });
    await nextUpdate(updates, 0, "an update at expiry");
    expect((await read(server)).view).toMatchObject({ signedIn: false, problem: "The saved sign-in has expired." });
    assertNoSecrets(before.text + server.stdout(), [token], "the status resource");
  });

  it("settles for an expired sign-in Cronicorn cannot be asked about: a few updates and a few requests, not a storm", async () => {
    // Offline, as far as the server can tell: every request to Cronicorn gets a 503.
    let requests = 0;
    const down = http.createServer((_req, res) => {
      requests++;
      res.writeHead(503, { "content-type": "text/plain" }).end("Service Unavailable");
    });
    const port = await listenOnLoopback(down);
    cleanup.push(() => stopServer(down));
    const apiUrl = `http://127.0.0.1:${port}/api`;
    const home = makeHome();
    const dir = path.join(home, ".cronicorn");
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    // A device sign-in (no refresh token, a session that slides) whose saved expiry has just passed.
    const record = {
      access_token: "expired-session-token",
      expires_at: Date.now() - 1_000,
      token_type: "Bearer",
      issuer: `${apiUrl}/auth`,
      client_id: "cronicorn-mcp",
      obtained_at: Date.now() - 86_400_000,
      flow: "device",
    };
    writeStoredRecord(dir, `http://127.0.0.1:${port}`, record);
    const server = await startServer({ era, home, env: { CRONICORN_API_URL: apiUrl, CRONICORN_WEB_URL: `http://127.0.0.1:${port}` } });
    cleanup.push(() => server.close());

    // A client that re-reads the resource at every update, as the one that met the storm did.
    const views: StatusView[] = [];
    let updates = 0;
    server.client.setNotificationHandler("notifications/resources/updated", () => {
      updates++;
      void read(server).then(
        ({ view }) => views.push(view),
        () => undefined,
      );
    });
    await subscribe(server);
    views.push((await read(server)).view);
    await new Promise((resolve) => setTimeout(resolve, 4_000));

    expect(views.every((view) => !view.signedIn)).toBe(true); // never "signed in" with a past expiry
    expect(updates).toBeLessThanOrEqual(4);
    expect(requests).toBeLessThanOrEqual(8);
  });

  it("sends no update to a client that did not subscribe (or unsubscribed)", async () => {
    const { stand, server, updates } = await setup();
    const unsubscribe = await subscribe(server);
    await unsubscribe();
    const prompt = promptOf(await server.call("login"));
    await stand.approveDevice(prompt.userCode as string);
    await eventually(async () => (await read(server)).view.signedIn || undefined, 20_000, "signed in");
    expect(updates).toEqual([]);
  });
});

describe("auth_status with CRONICORN_API_KEY", () => {
  let stand: StandIn | undefined;
  let server: ServerHandle | undefined;
  afterEach(async () => {
    await server?.close();
    await stand?.close();
  });

  it("says the API key is used, and never probes the keychain (no fallback warning)", async () => {
    stand = await startCronicornStandIn();
    server = await startServer({ env: { CRONICORN_API_URL: stand.apiUrl, CRONICORN_API_KEY: stand.apiKey, CRONICORN_TOKEN_STORE: "auto" } });
    const result = await server.call("auth_status");
    expect(valueOf(result, "status")).toMatchObject({ signedIn: true, source: "api-key", store: "not used (CRONICORN_API_KEY is set)" });
    expect(textOf(result)).toContain("with the API key from CRONICORN_API_KEY");
    expect(server.stderr()).not.toMatch(/keychain/i);
    assertNoSecrets(server.stdout() + server.stderr(), [stand.apiKey], "server output");
  });
});
