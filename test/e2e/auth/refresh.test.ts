import { afterEach, describe, expect, it } from "vitest";
import { ERAS, makeHome, startServer, textOf, valueOf } from "../../helpers/mcp.js";
import type { ServerHandle } from "../../helpers/mcp.js";
import { setStoredExpiry } from "../../helpers/expiry.js";
import { refreshGrants as grantsOf, startPkceStack, startSignedInServer } from "../../helpers/pkce-stack.js";
import type { PkceStack } from "../../helpers/pkce-stack.js";
import { eventually, promptOf, storedRecord } from "../../helpers/signin.js";

const SHORT = { CRONICORN_REFRESH_SKEW_S: "1" };

describe.each(ERAS)("refresh: ahead of expiry, after a 401, single flight, across processes (%s era)", (era) => {
  let stack: PkceStack;
  const servers: ServerHandle[] = [];

  async function open(options: Parameters<typeof startPkceStack>[0] = {}) {
    stack = await startPkceStack(options);
    return stack;
  }
  async function signedIn(env: Record<string, string> = {}, home?: string) {
    const server = await startSignedInServer(stack, { ...SHORT, ...env }, home);
    servers.push(server);
    return server;
  }
  /**
   * Sign in, stop that server, mark its stored token as expiring at `expiresAt`, and start a server on
   * the same store: the clock moves through the record, nobody sleeps until a real expiry.
   */
  async function signedInExpiring(expiresAt: number, env: Record<string, string> = {}, home?: string) {
    const first = await signedIn(env, home);
    await first.close();
    setStoredExpiry(first.home, stack.stand.webUrl, expiresAt);
    return restarted(first.home, env);
  }
  async function restarted(home: string, env: Record<string, string> = {}) {
    const server = await startServer({ era, env: { ...stack.env, ...SHORT, ...env }, home });
    servers.push(server);
    return server;
  }
  const refreshGrants = () => grantsOf(stack);
  const apiCalls = (path: string) => stack.stand.requests.filter((r) => r.path === path).length;

  // Each server's close() checks its stdout and stderr against every token the stack issued.
  afterEach(async () => {
    for (const server of servers.splice(0)) await server.close();
    await stack.close();
  });

  it("refreshes a token that is still valid but inside the skew before the request: no 401, one refresh", async () => {
    await open();
    // Valid for 60 s more (at the authorization server, for an hour): inside the default 300 s skew.
    const server = await signedInExpiring(Date.now() + 60_000, { CRONICORN_REFRESH_SKEW_S: "300" });
    const before = storedRecord(server.home, stack.stand.webUrl) as { refresh_token: string; access_token: string };
    const grantsBefore = refreshGrants().length;
    stack.stand.resetRequests();

    expect(valueOf<unknown[]>(await server.call("list_jobs"), "jobs")).toEqual([]);
    expect(stack.stand.requests.filter((r) => r.status === 401)).toEqual([]); // the old token was never sent and rejected
    expect(stack.stand.requests.filter((r) => r.path === "/api/jobs")).toHaveLength(1);

    const grants = refreshGrants().slice(grantsBefore);
    expect(grants).toHaveLength(1);
    expect(grants.filter((g) => g.refreshToken === before.refresh_token)).toHaveLength(1);
    expect(grants.every((g) => g.outcome === "ok")).toBe(true);
    const after = storedRecord(server.home, stack.stand.webUrl) as { refresh_token: string; access_token: string };
    expect(after.refresh_token).not.toBe(before.refresh_token); // rotated, and persisted
    expect(after.access_token).not.toBe(before.access_token);
    expect(stack.as.refreshTokenReuseCount()).toBe(0);
  });

  it("after a 401 refreshes once and retries once, then succeeds", async () => {
    await open();
    const server = await signedIn();
    const token = storedRecord(server.home, stack.stand.webUrl)?.access_token as string;
    await stack.as.revokeAccessToken(token);
    const callsBefore = apiCalls("/api/jobs");

    expect(valueOf<unknown[]>(await server.call("list_jobs"), "jobs")).toEqual([]);
    expect(apiCalls("/api/jobs") - callsBefore).toBe(2);
    expect(refreshGrants()).toHaveLength(1);
  });

  it("a second 401 means sign-in is required: no loop", async () => {
    await open();
    const server = await signedIn();
    stack.accept.tokens = false;
    const callsBefore = apiCalls("/api/jobs");

    const result = await server.call("list_jobs");
    expect(promptOf(result).flow).toBe("pkce");
    expect(apiCalls("/api/jobs") - callsBefore).toBe(2);
    expect(refreshGrants()).toHaveLength(1);
  });

  it("refreshes once for 50 concurrent calls when the token has expired", async () => {
    await open();
    const server = await signedInExpiring(Date.now() - 1_000);
    const results = await Promise.all(Array.from({ length: 50 }, () => server.call("list_jobs")));
    for (const result of results) expect(result.isError, textOf(result)).toBeFalsy();
    expect(refreshGrants()).toHaveLength(1);
  });

  it("two server processes sharing one store both succeed after expiry without re-spending a refresh token", async () => {
    await open();
    const home = makeHome();
    const a = await signedInExpiring(Date.now() - 1_000, {}, home);
    const b = await restarted(home);

    const [ra, rb] = await Promise.all([a.call("list_jobs"), b.call("list_jobs")]);
    expect(ra.isError, textOf(ra)).toBeFalsy();
    expect(rb.isError, textOf(rb)).toBeFalsy();
    expect(stack.as.refreshTokenReuseCount()).toBe(0);
    expect(refreshGrants().filter((g) => g.outcome === "ok")).toHaveLength(1);
  });

  for (const fault of ["refuse", "503"] as const) {
    it(`keeps the record when the token endpoint is down (${fault}) and uses it once it is back`, async () => {
      await open();
      const server = await signedInExpiring(Date.now() - 1_000);
      const before = storedRecord(server.home, stack.stand.webUrl);

      await stack.as.setTokenEndpointFault(fault);
      const failed = await server.call("list_jobs");
      expect(failed.isError).toBe(true);
      expect(textOf(failed)).toMatch(/Could not refresh the Cronicorn sign-in.*kept/);
      expect(storedRecord(server.home, stack.stand.webUrl)).toEqual(before);

      // Not signed in while it cannot be renewed (never "signed in" with a past expiry), and it says why.
      const status = valueOf<{ signedIn: boolean; verified: boolean; reason: string }>(await server.call("auth_status"), "status");
      expect(status).toMatchObject({ signedIn: false, verified: false });
      expect(status.reason).toMatch(fault === "503" ? /unexpected HTTP response status/ : /could not be reached/);
      const attemptsWhileDown = stack.as.tokenRequests.length;

      await stack.as.setTokenEndpointFault("ok");
      // A failed refresh is retried after a short wait (1 s after the first failure): calls meanwhile fail fast, without asking.
      const back = await eventually(
        async () => {
          const result = await server.call("list_jobs");
          return result.isError ? undefined : result;
        },
        20_000,
        "a call that succeeds once the token endpoint is back",
      );
      expect(valueOf<unknown[]>(back, "jobs")).toEqual([]);
      expect(storedRecord(server.home, stack.stand.webUrl)?.refresh_token).not.toBe(before?.refresh_token);
      expect(stack.as.tokenRequests.slice(attemptsWhileDown).map((r) => r.outcome)).toEqual(["ok"]);
    });
  }

  it("invalid_grant clears the record and offers a new sign-in", async () => {
    await open();
    const server = await signedIn();
    const record = storedRecord(server.home, stack.stand.webUrl) as { refresh_token: string; access_token: string };
    // Someone else spends the refresh token first, so ours is now a reused one.
    const body = new URLSearchParams({ grant_type: "refresh_token", refresh_token: record.refresh_token, client_id: stack.as.clientId });
    const metadata = (await (await fetch(`${stack.as.issuer}/.well-known/oauth-authorization-server`)).json()) as { token_endpoint: string };
    const spent = await fetch(metadata.token_endpoint, { method: "POST", body });
    expect(spent.status).toBe(200);
    await stack.as.revokeAccessToken(record.access_token);

    const result = await server.call("list_jobs");
    expect(promptOf(result).flow).toBe("pkce");
    expect(storedRecord(server.home, stack.stand.webUrl)).toBeUndefined();
  });
});
