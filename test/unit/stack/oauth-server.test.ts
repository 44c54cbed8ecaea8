import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import * as oauth from "openid-client";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { signInWithBrowser } from "../../stack/browser.js";
import { completeLoginHeadless } from "../../stack/oauth/headless-login.js";
import { startAuthorizationServer } from "../../stack/oauth-server.js";
import type { AuthServer, AuthServerOptions } from "../../stack/oauth-server.js";

const account = { id: "user-ada", email: "ada@example.test", password: "correct horse battery staple", name: "Ada" };
const SCOPE = "openid offline_access";

/** Stands in for the client's 127.0.0.1 listener: answers every callback with a small page. */
async function startLoopbackCallback(): Promise<{ redirectUri: string; close(): Promise<void> }> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/html" });
    res.end("<!doctype html><p>ok — signed in. You can close this tab.</p>");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    redirectUri: `http://127.0.0.1:${port}/callback`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function discover(as: AuthServer): Promise<oauth.Configuration> {
  return oauth.discovery(new URL(as.issuer), as.clientId, undefined, oauth.None(), {
    algorithm: "oauth2",
    execute: [oauth.allowInsecureRequests],
  });
}

interface PendingAuthorization {
  url: URL;
  verifier: string;
  state: string;
}

async function authorizationRequest(config: oauth.Configuration, redirectUri: string): Promise<PendingAuthorization> {
  const verifier = oauth.randomPKCECodeVerifier();
  const state = oauth.randomState();
  const url = oauth.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope: SCOPE,
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
    code_challenge_method: "S256",
    state,
  });
  return { url, verifier, state };
}

async function signIn(as: AuthServer, config: oauth.Configuration, redirectUri: string) {
  const pending = await authorizationRequest(config, redirectUri);
  const callback = await as.completeLoginHeadless(pending.url.href);
  return oauth.authorizationCodeGrant(config, new URL(callback.callbackUrl), {
    pkceCodeVerifier: pending.verifier,
    expectedState: pending.state,
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("test authorization server (oidc-provider)", () => {
  const started: AuthServer[] = [];
  let loopback: Awaited<ReturnType<typeof startLoopbackCallback>>;

  async function start(options: Partial<AuthServerOptions> = {}) {
    const as = await startAuthorizationServer({ account, ...options });
    started.push(as);
    return { as, config: await discover(as) };
  }

  beforeAll(async () => {
    loopback = await startLoopbackCallback();
  });
  afterAll(() => loopback.close());
  afterEach(async () => {
    await Promise.all(started.splice(0).map((as) => as.close()));
  });

  it("receives no request until a client calls it", async () => {
    const as = await startAuthorizationServer({ account });
    started.push(as);
    expect(as.requests).toEqual([]);
    expect(as.issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(as.clientId).toBe("cronicorn-mcp");
  });

  it("publishes RFC 8414 metadata with the endpoints a native PKCE client needs", async () => {
    const { as, config } = await start();
    const metadata = config.serverMetadata();
    expect(metadata).toMatchObject({
      issuer: as.issuer,
      authorization_endpoint: `${as.issuer}/auth`,
      token_endpoint: `${as.issuer}/token`,
      revocation_endpoint: `${as.issuer}/token/revocation`,
      introspection_endpoint: `${as.issuer}/token/introspection`,
      code_challenge_methods_supported: ["S256"],
      authorization_response_iss_parameter_supported: true,
      response_types_supported: ["code"],
      grant_types_supported: ["authorization_code", "refresh_token"],
    });
    expect(as.requests.map((r) => r.path)).toEqual(["/.well-known/oauth-authorization-server"]);
    const oidc = await fetch(`${as.issuer}/.well-known/openid-configuration`);
    expect(await oidc.json()).toMatchObject({ issuer: as.issuer, token_endpoint: metadata.token_endpoint });
  });

  it("issues access and refresh tokens for auth code + PKCE S256 on a random loopback port", async () => {
    const { as, config } = await start();
    const pending = await authorizationRequest(config, loopback.redirectUri);
    const callback = await as.completeLoginHeadless(pending.url.href);
    expect(callback.status).toBe(200);
    expect(callback.body).toMatch(/ok/);
    const returned = new URL(callback.callbackUrl);
    expect(returned.origin + returned.pathname).toBe(loopback.redirectUri);
    expect(returned.searchParams.get("iss")).toBe(as.issuer);

    const tokens = await oauth.authorizationCodeGrant(config, returned, { pkceCodeVerifier: pending.verifier, expectedState: pending.state });
    expect(tokens.refresh_token).toBeTruthy();
    // OIDC ignores offline_access without prompt=consent; the refresh token is issued regardless.
    expect(tokens.scope).toBe("openid");
    expect(await as.verifyAccessToken(tokens.access_token)).toEqual({ userId: account.id, scope: "openid" });
    expect(await as.verifyAccessToken("not-a-token")).toBeNull();
    expect(as.tokenRequests).toEqual([{ grantType: "authorization_code", outcome: "ok", at: expect.any(Number) }]);
  });

  it("rejects a code redeemed with the wrong PKCE verifier with invalid_grant", async () => {
    const { as, config } = await start();
    const pending = await authorizationRequest(config, loopback.redirectUri);
    const callback = await as.completeLoginHeadless(pending.url.href);
    const redeem = oauth.authorizationCodeGrant(config, new URL(callback.callbackUrl), {
      pkceCodeVerifier: oauth.randomPKCECodeVerifier(),
      expectedState: pending.state,
    });
    await expect(redeem).rejects.toMatchObject({ error: "invalid_grant" });
    expect(as.tokenRequests.map((r) => r.outcome)).toEqual(["invalid_grant"]);
  });

  it("re-shows the login page with an error for a wrong password", async () => {
    const { as, config } = await start();
    const pending = await authorizationRequest(config, loopback.redirectUri);
    const login = completeLoginHeadless(pending.url.href, { issuer: as.issuer, account: { ...account, password: "wrong" } });
    await expect(login).rejects.toThrow(/login rejected: .*Wrong email or password/);
  });

  it("sends error=access_denied to the callback when the user presses Deny", async () => {
    const { as, config } = await start();
    const pending = await authorizationRequest(config, loopback.redirectUri);
    const callback = await as.completeLoginHeadless(pending.url.href, { deny: true });
    const returned = new URL(callback.callbackUrl);
    expect(returned.searchParams.get("error")).toBe("access_denied");
    expect(returned.searchParams.get("state")).toBe(pending.state);
    expect(returned.searchParams.get("code")).toBeNull();
  });

  it("rotates refresh tokens, and a re-used one fails with invalid_grant, is counted and kills the grant", async () => {
    const { as, config } = await start();
    const first = await signIn(as, config, loopback.redirectUri);
    const second = await oauth.refreshTokenGrant(config, first.refresh_token!);
    expect(second.refresh_token).toBeTruthy();
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect(await as.verifyAccessToken(second.access_token)).toMatchObject({ userId: account.id });
    expect(as.refreshTokenReuseCount()).toBe(0);

    await expect(oauth.refreshTokenGrant(config, first.refresh_token!)).rejects.toMatchObject({ error: "invalid_grant" });
    expect(as.refreshTokenReuseCount()).toBe(1);
    // oidc-provider revokes the whole grant on reuse: the legitimate holder is signed out too.
    await expect(oauth.refreshTokenGrant(config, second.refresh_token!)).rejects.toMatchObject({ error: "invalid_grant" });
    expect(as.refreshTokenReuseCount()).toBe(1);
    expect(await as.verifyAccessToken(second.access_token)).toBeNull();
    expect(as.tokenRequests.map((r) => [r.grantType, r.outcome, r.refreshToken])).toEqual([
      ["authorization_code", "ok", undefined],
      ["refresh_token", "ok", first.refresh_token],
      ["refresh_token", "invalid_grant", first.refresh_token],
      ["refresh_token", "invalid_grant", second.refresh_token],
    ]);
  });

  it("keeps one refresh token when rotation is off", async () => {
    const { as, config } = await start({ rotateRefreshTokens: false });
    const first = await signIn(as, config, loopback.redirectUri);
    const again = await oauth.refreshTokenGrant(config, first.refresh_token!);
    await oauth.refreshTokenGrant(config, first.refresh_token!);
    expect(again.refresh_token).toBe(first.refresh_token);
    expect(as.refreshTokenReuseCount()).toBe(0);
  });

  it("expires access tokens after accessTokenTtlS", async () => {
    const { as, config } = await start({ accessTokenTtlS: 2 });
    const tokens = await signIn(as, config, loopback.redirectUri);
    expect(tokens.expires_in).toBe(2);
    expect(await as.verifyAccessToken(tokens.access_token)).not.toBeNull();
    await sleep(2_100);
    expect(await as.verifyAccessToken(tokens.access_token)).toBeNull();
    const refreshed = await oauth.refreshTokenGrant(config, tokens.refresh_token!);
    expect(await as.verifyAccessToken(refreshed.access_token)).not.toBeNull();
  });

  it("revokes one access token on demand while its refresh token keeps working", async () => {
    const { as, config } = await start();
    const tokens = await signIn(as, config, loopback.redirectUri);
    await as.revokeAccessToken(tokens.access_token);
    expect(await as.verifyAccessToken(tokens.access_token)).toBeNull();
    const refreshed = await oauth.refreshTokenGrant(config, tokens.refresh_token!);
    expect(await as.verifyAccessToken(refreshed.access_token)).toMatchObject({ userId: account.id });
  });

  it("revokes a public client's refresh token at the RFC 7009 endpoint, and introspects its tokens", async () => {
    const { as, config } = await start();
    const tokens = await signIn(as, config, loopback.redirectUri);
    expect(await oauth.tokenIntrospection(config, tokens.access_token)).toMatchObject({ active: true, sub: account.id });
    await oauth.tokenRevocation(config, tokens.refresh_token!);
    await expect(oauth.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({ error: "invalid_grant" });
    expect(await as.verifyAccessToken(tokens.access_token)).toBeNull();
    expect(await oauth.tokenIntrospection(config, tokens.access_token)).toMatchObject({ active: false });
  });

  it("answers 503, then refuses connections, then serves again on the same port", async () => {
    const { as, config } = await start();
    const tokens = await signIn(as, config, loopback.redirectUri);

    await as.setTokenEndpointFault("503");
    const unavailable = await fetch(`${as.issuer}/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: tokens.refresh_token!, client_id: as.clientId }),
    });
    expect(unavailable.status).toBe(503);
    expect(await unavailable.json()).toMatchObject({ error: "temporarily_unavailable" });
    expect(as.tokenRequests.at(-1)).toMatchObject({ grantType: "refresh_token", outcome: "temporarily_unavailable" });

    await as.setTokenEndpointFault("refuse");
    await expect(fetch(`${as.issuer}/token`, { method: "POST" })).rejects.toMatchObject({ cause: { code: "ECONNREFUSED" } });

    await as.setTokenEndpointFault("ok");
    const refreshed = await oauth.refreshTokenGrant(config, tokens.refresh_token!);
    expect(await as.verifyAccessToken(refreshed.access_token)).not.toBeNull();
    expect(as.refreshTokenReuseCount()).toBe(0); // the refused and the 503 attempts spent nothing
  });

  it("signs in through real headless Chromium and returns the client's callback page", async () => {
    const { as, config } = await start();
    const pending = await authorizationRequest(config, loopback.redirectUri);
    const page = await signInWithBrowser(pending.url.href, account);
    expect(page.finalUrl.startsWith(`${loopback.redirectUri}?`)).toBe(true);
    expect(page.text).toMatch(/You can close this tab/);
    const tokens = await oauth.authorizationCodeGrant(config, new URL(page.finalUrl), {
      pkceCodeVerifier: pending.verifier,
      expectedState: pending.state,
    });
    expect(await as.verifyAccessToken(tokens.access_token)).toMatchObject({ userId: account.id });
  });
});
