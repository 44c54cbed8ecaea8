/**
 * Discovery, refresh, revocation, the PKCE loopback flow and the choice between flows, in process,
 * against a tiny authorization server on 127.0.0.1 (RFC 8414 metadata, a token endpoint, RFC 7009
 * revocation, better-auth's sign-out). The test plays the browser for the loopback redirect.
 */
import http from "node:http";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { startSignIn } from "../../../../src/auth/flows/choose.js";
import { discoverAuthorizationServer, supportsPkce } from "../../../../src/auth/flows/discovery.js";
import { startLoopbackAuthorization } from "../../../../src/auth/flows/loopback.js";
import { createRefresher } from "../../../../src/auth/flows/refresh.js";
import { revokeOnServer } from "../../../../src/auth/flows/revoke.js";
import { SignInError } from "../../../../src/auth/errors.js";
import { RefreshRejectedError } from "../../../../src/auth/session.js";
import type { CredentialRecord } from "../../../../src/auth/store/types.js";
import { loadConfig } from "../../../../src/config/config.js";
import type { Config } from "../../../../src/config/config.js";
import { listenOnLoopback, stopServer } from "../../../stack/loopback.js";
import { startDeviceAuthorization } from "../../../../src/auth/flows/device.js";
import type { PendingAuthorization } from "../../../../src/auth/flows/pending.js";

const unexpected = (): never => {
  throw new Error("expected a rejection");
};

interface Hit {
  method: string;
  path: string;
  body: string;
  headers: http.IncomingHttpHeaders;
}

let server: http.Server;
let issuer: string;
let hits: Hit[] = [];
/** Which well-known documents exist. */
let wellKnown: { oauth2: boolean; oidc: boolean };
let metadataExtra: Record<string, unknown>;
let tokenAnswer: { status: number; body: unknown } | "drop";
let signOutStatus: number;

const metadata = () => ({
  issuer,
  token_endpoint: `${issuer}/token`,
  authorization_endpoint: `${issuer}/authorize`,
  code_challenge_methods_supported: ["S256"],
  revocation_endpoint: `${issuer}/revoke`,
  ...metadataExtra,
});

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      const path = (req.url ?? "").split("?")[0] ?? "";
      hits.push({ method: req.method ?? "", path, body, headers: req.headers });
      const json = (status: number, value: unknown) =>
        res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" }).end(JSON.stringify(value));
      if (path === "/.well-known/oauth-authorization-server" && wellKnown.oauth2) return json(200, metadata());
      if (path === "/.well-known/openid-configuration" && wellKnown.oidc) return json(200, metadata());
      if (path === "/token") {
        if (tokenAnswer === "drop") return req.socket.destroy();
        return json(tokenAnswer.status, tokenAnswer.body);
      }
      if (path === "/revoke") return res.writeHead(200).end();
      if (path === "/api/auth/sign-out") return json(signOutStatus, { success: true });
      if (path === "/api/auth/device/code") {
        return json(200, { device_code: "dev-code-123456", user_code: "CODE1234", verification_uri: `${issuer}/device`, expires_in: 60, interval: 0.01 });
      }
      if (path === "/device/token") return json(200, { access_token: "meta-device-access", token_type: "Bearer", expires_in: 60 });
      json(404, { error: "not found" });
    });
  });
  issuer = `http://127.0.0.1:${await listenOnLoopback(server)}`;
});
afterAll(async () => stopServer(server));
beforeEach(() => {
  hits = [];
  wellKnown = { oauth2: true, oidc: false };
  metadataExtra = {};
  tokenAnswer = { status: 200, body: { access_token: "new-access-token", refresh_token: "new-refresh-token", token_type: "Bearer", expires_in: 600 } };
  signOutStatus = 200;
});

const pkceRecord = (over: Partial<CredentialRecord> = {}): CredentialRecord => ({
  access_token: "old-access-token",
  refresh_token: "old-refresh-token",
  expires_at: 1,
  token_type: "Bearer",
  issuer,
  client_id: "cronicorn-mcp",
  obtained_at: 0,
  flow: "pkce",
  ...over,
});
const formOf = (hit: Hit | undefined) => Object.fromEntries(new URLSearchParams(hit?.body ?? ""));

describe("discovery", () => {
  it("reads RFC 8414 metadata first", async () => {
    const config = await discoverAuthorizationServer(issuer, "cid");
    expect(config?.serverMetadata().token_endpoint).toBe(`${issuer}/token`);
    expect(hits.map((h) => h.path)).toEqual(["/.well-known/oauth-authorization-server"]);
  });

  it("falls back to OpenID discovery, and is null when neither exists", async () => {
    wellKnown = { oauth2: false, oidc: true };
    expect((await discoverAuthorizationServer(issuer, "cid"))?.serverMetadata().issuer).toBe(issuer);
    wellKnown = { oauth2: false, oidc: false };
    expect(await discoverAuthorizationServer(issuer, "cid")).toBeNull();
  });

  it("PKCE needs an authorization endpoint and S256", async () => {
    expect(supportsPkce((await discoverAuthorizationServer(issuer, "cid"))!)).toBe(true);
    metadataExtra = { code_challenge_methods_supported: ["plain"] };
    expect(supportsPkce((await discoverAuthorizationServer(issuer, "cid"))!)).toBe(false);
    metadataExtra = { code_challenge_methods_supported: undefined };
    expect(supportsPkce((await discoverAuthorizationServer(issuer, "cid"))!)).toBe(false);
    metadataExtra = { authorization_endpoint: undefined };
    expect(supportsPkce((await discoverAuthorizationServer(issuer, "cid"))!)).toBe(false);
  });
});

describe("refresh", () => {
  it("exchanges the refresh token and builds a pkce record at the injected time", async () => {
    const refresh = createRefresher(() => 42_000);
    const next = await refresh(pkceRecord());
    expect(next).toEqual({
      access_token: "new-access-token",
      refresh_token: "new-refresh-token",
      expires_at: 42_000 + 600_000,
      token_type: "bearer",
      issuer,
      client_id: "cronicorn-mcp",
      obtained_at: 42_000,
      flow: "pkce",
    });
    const token = hits.find((h) => h.path === "/token");
    expect(formOf(token)).toMatchObject({ grant_type: "refresh_token", refresh_token: "old-refresh-token", client_id: "cronicorn-mcp" });
  });

  it("refuses a refreshed access token over 64 KiB, naming its size and never its value", async () => {
    tokenAnswer = { status: 200, body: { access_token: "T".repeat(100 * 1024), token_type: "Bearer", expires_in: 600 } };
    const error = await createRefresher(() => 0)(pkceRecord()).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/access token of 100 KiB; cronicorn-mcp accepts at most 64 KiB/);
    expect((error as Error).message).not.toContain("TTTTTT");
  });

  it("keeps the old refresh token when the server does not rotate it", async () => {
    tokenAnswer = { status: 200, body: { access_token: "a2", token_type: "Bearer" } };
    expect((await createRefresher(() => 0)(pkceRecord())).refresh_token).toBe("old-refresh-token");
  });

  it("asks for the metadata once per issuer and client", async () => {
    const refresh = createRefresher();
    await refresh(pkceRecord());
    await refresh(pkceRecord());
    await refresh(pkceRecord({ client_id: "other" }));
    expect(hits.filter((h) => h.path.startsWith("/.well-known")).length).toBe(2);
  });

  it("does not remember a failed discovery", async () => {
    const refresh = createRefresher();
    wellKnown = { oauth2: false, oidc: false };
    await expect(refresh(pkceRecord())).rejects.toThrow(`the authorization server ${issuer} could not be reached`);
    wellKnown = { oauth2: true, oidc: false };
    await expect(refresh(pkceRecord())).resolves.toMatchObject({ access_token: "new-access-token" });
  });

  it("a record without a refresh token, or an invalid_grant, is rejected for good", async () => {
    const refresh = createRefresher();
    await expect(refresh(pkceRecord({ refresh_token: undefined }))).rejects.toBeInstanceOf(RefreshRejectedError);
    expect(hits).toHaveLength(0);
    tokenAnswer = { status: 400, body: { error: "invalid_grant" } };
    const error = await refresh(pkceRecord()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RefreshRejectedError);
    expect((error as Error).message).toBe("invalid_grant");
  });

  it("another OAuth error is passed on as it is, not as a rejection", async () => {
    tokenAnswer = { status: 400, body: { error: "invalid_client" } };
    const error = await createRefresher()(pkceRecord()).catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(RefreshRejectedError);
    expect((error as { error?: string }).error).toBe("invalid_client");
  });

  it("a broken connection is named by its cause", async () => {
    tokenAnswer = "drop";
    const error = await createRefresher()(pkceRecord()).then(unexpected, (e: unknown) => e as Error);
    expect(error).not.toBeInstanceOf(RefreshRejectedError);
    expect(error.message).toMatch(/^the server could not be reached \((ECONNRESET|UND_ERR_SOCKET)\); check your network connection and proxy settings/);
    expect(error.cause).toBeDefined();
  });
});

describe("revokeOnServer", () => {
  it("revokes both pkce tokens with their hints", async () => {
    expect(await revokeOnServer(pkceRecord(), `${issuer}/api`, 5000)).toBe(true);
    const revokes = hits.filter((h) => h.path === "/revoke").map(formOf);
    expect(revokes).toEqual([
      expect.objectContaining({ token: "old-refresh-token", token_type_hint: "refresh_token" }),
      expect.objectContaining({ token: "old-access-token", token_type_hint: "access_token" }),
    ]);
  });

  it("revokes only the access token when there is no refresh token", async () => {
    expect(await revokeOnServer(pkceRecord({ refresh_token: undefined }), `${issuer}/api`, 5000)).toBe(true);
    expect(hits.filter((h) => h.path === "/revoke").map(formOf)).toEqual([
      expect.objectContaining({ token: "old-access-token", token_type_hint: "access_token" }),
    ]);
  });

  it("cannot revoke without a revocation endpoint or metadata", async () => {
    metadataExtra = { revocation_endpoint: undefined };
    expect(await revokeOnServer(pkceRecord(), `${issuer}/api`, 5000)).toBe(false);
    wellKnown = { oauth2: false, oidc: false };
    expect(await revokeOnServer(pkceRecord(), `${issuer}/api`, 5000)).toBe(false);
    expect(hits.filter((h) => h.path === "/revoke")).toHaveLength(0);
  });

  it("signs a device session out with better-auth, as a JSON POST with the bearer; only a 2xx confirms it", async () => {
    const device = pkceRecord({ flow: "device", refresh_token: undefined });
    expect(await revokeOnServer(device, `${issuer}/api`, 5000)).toBe(true);
    const hit = hits.find((h) => h.path === "/api/auth/sign-out");
    expect(hit).toMatchObject({ method: "POST", body: "{}" });
    expect(hit?.headers.authorization).toBe("Bearer old-access-token");
    expect(hit?.headers["content-type"]).toBe("application/json");
    expect(hits.filter((h) => h.path.startsWith("/.well-known"))).toHaveLength(0);
    for (const [status, confirmed] of [
      [204, true],
      [299, true],
      [300, false],
      [302, false],
      [401, false],
      [500, false],
    ] as const) {
      signOutStatus = status;
      expect(await revokeOnServer(device, `${issuer}/api`, 5000)).toBe(confirmed);
    }
  });

  it("an unreachable server is no confirmation", async () => {
    const closed = http.createServer();
    const port = await listenOnLoopback(closed);
    await stopServer(closed);
    expect(await revokeOnServer(pkceRecord({ flow: "legacy" }), `http://127.0.0.1:${port}/api`, 5000)).toBe(false);
  });
});

describe("the PKCE loopback flow (the test plays the browser)", () => {
  async function start(timeoutMs = 60_000, now?: () => number) {
    const config = (await discoverAuthorizationServer(issuer, "cronicorn-mcp"))!;
    return startLoopbackAuthorization({ config, clientId: "cronicorn-mcp", scope: "offline_access", timeoutMs, ...(now ? { now } : {}) });
  }
  const params = (url: string) => new URL(url).searchParams;
  const browse = async (url: string) => {
    const response = await fetch(url);
    return { status: response.status, text: await response.text() };
  };

  it("builds the authorization URL and redeems the code sent to the loopback redirect", async () => {
    const pending = await start(120_000, () => 7_000);
    const url = params(pending.prompt.verificationUrl);
    expect(pending.prompt.verificationUrl.startsWith(`${issuer}/authorize?`)).toBe(true);
    expect(pending.prompt).toMatchObject({ flow: "pkce", expiresAt: new Date(7_000 + 120_000).toISOString() });
    expect(url.get("code_challenge_method")).toBe("S256");
    expect(url.get("scope")).toBe("offline_access");
    expect(url.get("client_id")).toBe("cronicorn-mcp");
    const redirect = url.get("redirect_uri")!;
    expect(redirect).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/);

    const page = await browse(`${redirect}?code=the-code&state=${url.get("state")}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain("<title>Signed in to Cronicorn</title>");
    expect(await pending.result).toMatchObject({
      access_token: "new-access-token",
      refresh_token: "new-refresh-token",
      flow: "pkce",
      issuer,
      obtained_at: 7_000,
      expires_at: 7_000 + 600_000,
    });
    const token = formOf(hits.find((h) => h.path === "/token"));
    expect(token).toMatchObject({ grant_type: "authorization_code", code: "the-code", redirect_uri: redirect });
    expect(token.code_verifier).toMatch(/^[\w-]{43,}$/);
  });

  it("refuses a redirect without its state and keeps waiting; other paths are not found", async () => {
    const pending = await start();
    const redirect = params(pending.prompt.verificationUrl).get("redirect_uri")!;
    const forged = await browse(`${redirect}?code=x&state=forged`);
    expect(forged.status).toBe(400);
    expect(forged.text).toContain("Sign-in link not recognised");
    const other = await browse(redirect.replace("/callback", "/elsewhere"));
    expect(other.status).toBe(404);
    expect(other.text).toContain("This address is only used to finish signing in to Cronicorn.");
    pending.cancel();
    await expect(pending.result).rejects.toThrow("The sign-in was cancelled.");
    pending.cancel(); // a second cancel changes nothing
  });

  it("a denial in the browser says so, and escapes the page", async () => {
    const pending = await start();
    const url = params(pending.prompt.verificationUrl);
    const page = await browse(`${url.get("redirect_uri")}?error=access_denied&state=${url.get("state")}`);
    expect(page.status).toBe(400);
    expect(page.text).toContain("<title>Sign-in failed</title>");
    await expect(pending.result).rejects.toThrow("The sign-in was denied in the browser. Try again if that was a mistake.");
  });

  it("a token endpoint error is named", async () => {
    tokenAnswer = { status: 400, body: { error: "invalid_grant" } };
    const pending = await start();
    const url = params(pending.prompt.verificationUrl);
    await browse(`${url.get("redirect_uri")}?code=c&state=${url.get("state")}`);
    const error = await pending.result.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SignInError);
    expect((error as Error).message).toBe("The sign-in could not be completed (invalid_grant). Try again.");
  });

  it("refuses a 100 KiB access token: the browser is told the sign-in failed, and the error names its size, not its value", async () => {
    tokenAnswer = { status: 200, body: { access_token: "T".repeat(100 * 1024), refresh_token: "fine-refresh-token", token_type: "Bearer", expires_in: 600 } };
    const pending = await start();
    const url = params(pending.prompt.verificationUrl);
    const page = await browse(`${url.get("redirect_uri")}?code=c&state=${url.get("state")}`);
    expect(page.status).toBe(400);
    expect(page.text).toContain("<title>Sign-in failed</title>");
    expect(page.text).toContain("access token of 100 KiB");
    const error = await pending.result.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SignInError);
    expect((error as Error).message).toMatch(/^The sign-in server sent an access token of 100 KiB; cronicorn-mcp accepts at most 64 KiB/);
    expect((error as Error).message).not.toContain("TTTTTT");
  });

  it.each(["http://evil.example/authorize", "http://192.168.1.20/authorize", "javascript:alert(1)"])(
    "refuses an authorization endpoint at %s before listening or building a link, saying what to do",
    async (endpoint) => {
      metadataExtra = { authorization_endpoint: endpoint };
      const error = await start().then(unexpected, (e: unknown) => e as Error);
      expect(error).toBeInstanceOf(SignInError);
      expect(error.message).toBe(
        `The authorization server ${issuer} sends the browser to a sign-in page that is not https (or http on this machine), so it was not opened. Have its operator serve the authorization endpoint over https, or set CRONICORN_AUTH_FLOW=device.`,
      );
    },
  );

  it("gives up after its timeout, in whole minutes (at least one)", async () => {
    const pending = await start(50);
    await expect(pending.result).rejects.toThrow("The browser sign-in was not completed within 1 minute(s). Try again to start a new sign-in.");
    const redirect = params(pending.prompt.verificationUrl).get("redirect_uri")!;
    await expect(fetch(redirect)).rejects.toThrow(); // the listener is gone
  });
});

describe("choosing the flow", () => {
  // openid-client waits out the 5 s poll floor in setTimeout steps and sees a cancel only between
  // them: these tests move that clock on instead of waiting (network I/O runs in real time).
  beforeEach(() => void vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"], shouldAdvanceTime: true }));
  afterEach(() => void vi.useRealTimers());
  const settled = async (...results: Array<Promise<unknown>>) => {
    await vi.advanceTimersByTimeAsync(5_000);
    return Promise.allSettled(results);
  };

  const configWith = (env: Record<string, string>): Config => {
    const result = loadConfig({ CRONICORN_API_URL: `${issuer}/api`, CRONICORN_ISSUER: issuer, ...env });
    if (!result.ok) throw new Error(result.problems.join("; "));
    return result.config;
  };

  it("device: no discovery, Cronicorn's endpoints, scope openid, Cronicorn's approval page", async () => {
    const pending = await startSignIn(configWith({ CRONICORN_AUTH_FLOW: "device", CRONICORN_WEB_URL: "http://localhost:5173" }), true);
    expect(pending.prompt.flow).toBe("device");
    expect(pending.prompt.verificationUrl).toBe("http://localhost:5173/device/approve?user_code=CODE1234");
    expect(hits.filter((h) => h.path.startsWith("/.well-known"))).toHaveLength(0);
    expect(JSON.parse(hits.find((h) => h.path === "/api/auth/device/code")?.body ?? "{}")).toEqual({ client_id: "cronicorn-mcp", scope: "openid" });
    pending.cancel();
    await settled(pending.result);
  });

  it.each([
    ["the default 5 s", {}, 5_000],
    ["CRONICORN_DEVICE_POLL_FLOOR_S=1", { CRONICORN_DEVICE_POLL_FLOOR_S: "1" }, 1_000],
  ])("device: polls no sooner, and no later, than %s (the server asks for 0.01 s)", async (_name, env, floorMs) => {
    // The clock moves only when the test moves it (the suite's clock also follows real time).
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const pending = await startSignIn(configWith({ CRONICORN_AUTH_FLOW: "device", ...env }), false);
    const polls = () => hits.filter((h) => h.path === "/api/auth/device/token").length;
    await vi.advanceTimersByTimeAsync(floorMs - 1);
    expect(polls()).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    // The poll is due now: only its network round trip is left (turns of the event loop, no clock).
    for (let turn = 0; turn < 5_000 && polls() === 0; turn++) await new Promise((resolve) => setImmediate(resolve));
    expect(polls()).toBe(1);
    pending.cancel();
    await settled(pending.result);
  });

  it("a configured scope is used", async () => {
    const pending = await startSignIn(configWith({ CRONICORN_AUTH_FLOW: "device", CRONICORN_SCOPE: "jobs" }), false);
    expect(JSON.parse(hits.find((h) => h.path === "/api/auth/device/code")?.body ?? "{}")).toMatchObject({ scope: "jobs" });
    pending.cancel();
    await settled(pending.result);
  });

  it("pkce without PKCE metadata is refused with the fix", async () => {
    wellKnown = { oauth2: false, oidc: false };
    const error = await startSignIn(configWith({ CRONICORN_AUTH_FLOW: "pkce" }), true).then(unexpected, (e: unknown) => e as Error);
    expect(error).toBeInstanceOf(SignInError);
    expect(error.message).toBe(
      `CRONICORN_AUTH_FLOW=pkce, but ${issuer} publishes no OAuth authorization server metadata with PKCE (S256). Set CRONICORN_ISSUER to your authorization server, or use CRONICORN_AUTH_FLOW=device.`,
    );
    wellKnown = { oauth2: true, oidc: false };
    metadataExtra = { code_challenge_methods_supported: ["plain"] };
    await expect(startSignIn(configWith({ CRONICORN_AUTH_FLOW: "pkce" }), true)).rejects.toThrow("publishes no OAuth authorization server metadata with PKCE");
  });

  it("auto with PKCE metadata: PKCE when a browser can open, with scope openid offline_access; forced pkce without a browser too", async () => {
    const withBrowser = await startSignIn(configWith({}), true);
    expect(withBrowser.prompt.flow).toBe("pkce");
    expect(new URL(withBrowser.prompt.verificationUrl).searchParams.get("scope")).toBe("openid offline_access");
    withBrowser.cancel();
    const forced = await startSignIn(configWith({ CRONICORN_AUTH_FLOW: "pkce" }), false);
    expect(forced.prompt.flow).toBe("pkce");
    forced.cancel();
    await Promise.allSettled([withBrowser.result, forced.result]);
  });

  it("auto with a browser refuses PKCE metadata whose authorization endpoint is plain http to another host: no prompt to open", async () => {
    metadataExtra = { authorization_endpoint: "http://evil.example/authorize" };
    const error = await startSignIn(configWith({}), true).then(unexpected, (e: unknown) => e as Error);
    expect(error).toBeInstanceOf(SignInError);
    expect(error.message).toMatch(/sends the browser to a sign-in page that is not https \(or http on this machine\), so it was not opened/);
  });

  it("auto without a browser: the device flow, on the metadata's device endpoints when it publishes them", async () => {
    metadataExtra = { device_authorization_endpoint: `${issuer}/api/auth/device/code`, token_endpoint: `${issuer}/device/token` };
    const pending = await startSignIn(configWith({ CRONICORN_WEB_URL: "http://localhost:5173" }), false);
    expect(pending.prompt.flow).toBe("device");
    // The metadata's endpoints: the server's own verification address, not Cronicorn's approval page.
    expect(pending.prompt.verificationUrl).toBe(`${issuer}/device`);
    const [outcome] = await settled(pending.result);
    expect(outcome).toMatchObject({ status: "fulfilled", value: { issuer } });
    expect(hits.some((h) => h.path === "/device/token")).toBe(true);
  });

  it("auto, metadata without a device endpoint and no browser: Cronicorn's device endpoints and approval page", async () => {
    const pending = await startSignIn(configWith({ CRONICORN_WEB_URL: "http://localhost:5173" }), false);
    expect(pending.prompt.verificationUrl).toBe("http://localhost:5173/device/approve?user_code=CODE1234");
    metadataExtra = { device_authorization_endpoint: `${issuer}/api/auth/device/code`, token_endpoint: undefined }; // a device endpoint alone is not enough
    const again = await startSignIn(configWith({ CRONICORN_WEB_URL: "http://localhost:5173" }), false);
    expect(again.prompt.verificationUrl).toBe("http://localhost:5173/device/approve?user_code=CODE1234");
    pending.cancel();
    again.cancel();
    await settled(pending.result, again.result);
  });
});

/**
 * Edges of the OAuth flows the main suites leave open, in process: the loopback redirect listener (the
 * address it binds, every page's words, escaping and headers, and that it stops listening once signed
 * in); plain http to another host, refused before anything is sent (a forward proxy from the
 * environment stands in for the network and records what would have left this machine); a start
 * answer that is no device authorization; and the refresher's reason for a record it cannot refresh.
 */
describe("OAuth flows at their edges", () => {
  /** Request lines the forward proxy received: anything here went towards "another host". */
  let proxied: string[] = [];
  let proxy: http.Server;
  const PROXY_VARS = ["http_proxy", "HTTP_PROXY", "no_proxy", "NO_PROXY"] as const;
  const savedEnv = new Map<string, string | undefined>();

  /** The authorization server on 127.0.0.1: RFC 8414 metadata, a token endpoint, a device endpoint. */
  let server: http.Server;
  let issuer: string;
  let hits: string[] = [];
  let deviceCodeAnswer: unknown;
  /** The token endpoint the metadata names (default: this server's own). */
  let metadataTokenEndpoint: string | undefined;

  beforeAll(async () => {
    // The shared dispatcher reads the proxy variables once, on this file's first request: set them first.
    proxy = http.createServer((req, res) => {
      proxied.push(`${req.method} ${req.url}`);
      res.writeHead(502).end();
    });
    const proxyPort = await listenOnLoopback(proxy);
    for (const name of PROXY_VARS) savedEnv.set(name, process.env[name]);
    process.env.http_proxy = process.env.HTTP_PROXY = `http://127.0.0.1:${proxyPort}`;
    process.env.no_proxy = process.env.NO_PROXY = "127.0.0.1";

    server = http.createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        const path = (req.url ?? "").split("?")[0];
        hits.push(path ?? "");
        const json = (status: number, value: unknown) =>
          res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" }).end(JSON.stringify(value));
        if (path === "/.well-known/oauth-authorization-server") {
          return json(200, {
            issuer,
            authorization_endpoint: `${issuer}/authorize`,
            token_endpoint: metadataTokenEndpoint ?? `${issuer}/token`,
            code_challenge_methods_supported: ["S256"],
          });
        }
        if (path === "/token") return json(200, { access_token: "edge-access", refresh_token: "edge-refresh", token_type: "Bearer", expires_in: 600 });
        if (path === "/api/auth/device/code") return json(200, deviceCodeAnswer);
        json(404, { error: "not found" });
      });
    });
    issuer = `http://127.0.0.1:${await listenOnLoopback(server)}`;
  });
  afterAll(async () => {
    for (const [name, value] of savedEnv) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await stopServer(server);
    await stopServer(proxy);
  });
  beforeEach(() => {
    hits = [];
    proxied = [];
    deviceCodeAnswer = {};
    metadataTokenEndpoint = undefined;
  });

  interface Visit {
    status: number;
    headers: http.IncomingHttpHeaders;
    body: string;
  }

  /** The browser's visit, over node:http so that every response header (connection too) is seen as sent. */
  const visit = (url: string) =>
    new Promise<Visit>((resolve, reject) => {
      http
        .get(url, (res) => {
          let body = "";
          res.on("data", (c: Buffer) => (body += c.toString()));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        })
        .on("error", reject);
    });

  /** True when nothing accepts a connection at `url`. */
  const refuses = (url: string) =>
    visit(url).then(
      () => false,
      () => true,
    );

  /** What the browser shows (as sent, entities and all), and the headers that make it a private HTML page. */
  function expectPage(page: Visit, status: number, title: string, message: string): void {
    expect(page.status).toBe(status);
    expect([page.headers["content-type"], page.headers["cache-control"], page.headers.connection]).toEqual(["text/html; charset=utf-8", "no-store", "close"]);
    expect(/<title>(.*)<\/title>/.exec(page.body)?.[1]).toBe(title);
    expect(/<h1>(.*)<\/h1>/.exec(page.body)?.[1]).toBe(title);
    expect(/<p>(.*)<\/p>/.exec(page.body)?.[1]).toBe(message);
  }

  describe("the loopback redirect listener", () => {
    const started: PendingAuthorization[] = [];
    afterEach(() => {
      for (const pending of started.splice(0)) pending.cancel();
    });

    /** A PKCE sign-in against the local server; the redirect address and state the browser would get. */
    async function begin() {
      const config = await discoverAuthorizationServer(issuer, "cronicorn-mcp");
      const pending = await startLoopbackAuthorization({ config: config!, clientId: "cronicorn-mcp", scope: "offline_access", timeoutMs: 60_000 });
      started.push(pending);
      const params = new URL(pending.prompt.verificationUrl).searchParams;
      return { pending, redirect: params.get("redirect_uri")!, state: params.get("state")! };
    }

    it("listens on 127.0.0.1 only: the machine's other addresses refuse the redirect", async () => {
      const { redirect } = await begin();
      const port = new URL(redirect).port;
      expect(await refuses(`http://[::1]:${port}/callback`)).toBe(true);
      expect(await refuses(`http://127.0.0.2:${port}/callback`)).toBe(true);
      expect(await refuses(redirect)).toBe(false);
    });

    it("answers any other path with a 'Not found' page", async () => {
      const { redirect } = await begin();
      expectPage(await visit(redirect.replace("/callback", "/favicon.ico")), 404, "Not found", "This address is only used to finish signing in to Cronicorn.");
    });

    it("refuses a redirect with another state, saying to start again", async () => {
      const { redirect } = await begin();
      expectPage(
        await visit(`${redirect}?code=c&state=stale`),
        400,
        "Sign-in link not recognised",
        "This sign-in response does not match the one cronicorn-mcp started. Start the sign-in again from your AI assistant.",
      );
    });

    it("tells the browser it is signed in, then stops listening", async () => {
      const { pending, redirect, state } = await begin();
      expectPage(
        await visit(`${redirect}?code=c&state=${state}`),
        200,
        "Signed in to Cronicorn",
        "You are signed in. You can close this tab and return to your AI assistant.",
      );
      expect(await pending.result).toMatchObject({ access_token: "edge-access", flow: "pkce" });
      // The listener closes once the page has been sent; give that a few turns of the event loop.
      let closed = false;
      for (let attempt = 0; attempt < 20 && !closed; attempt++) {
        closed = await refuses(redirect);
        if (!closed) await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect(closed).toBe(true);
    });

    it("escapes what the redirect carried before showing it, and reports it unescaped", async () => {
      const { pending, redirect, state } = await begin();
      const error = `<img src=x onerror="alert('1')">&`;
      const page = await visit(`${redirect}?${new URLSearchParams({ error, state })}`);
      expectPage(page, 400, "Sign-in failed", "The sign-in could not be completed (&#60;img src=x onerror=&#34;alert(&#39;1&#39;)&#34;&#62;&#38;). Try again.");
      await expect(pending.result).rejects.toThrow(`The sign-in could not be completed (${error}). Try again.`);
    });
  });

  /** Starts a device sign-in that must fail; its SignInError's message. */
  async function deviceStartFailure(options: { apiUrl: string; endpoints?: { issuer: string; deviceAuthorization: string; token: string } }): Promise<string> {
    const error = await startDeviceAuthorization({ clientId: "cronicorn-mcp", scope: "openid", approvalUrl: undefined, ...options }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SignInError);
    return (error as Error).message;
  }

  describe("plain http to another host is refused before anything is sent", () => {
    it("discovery does not ask an http issuer that is not this machine", async () => {
      expect(await discoverAuthorizationServer("http://cronicorn.example", "cronicorn-mcp")).toBeNull();
      expect(proxied).toEqual([]);
    });

    it("the device flow refuses plain-http endpoints on another host", async () => {
      const endpoints = {
        issuer: "http://cronicorn.example",
        deviceAuthorization: "http://cronicorn.example/device/code",
        token: "http://cronicorn.example/token",
      };
      expect(await deviceStartFailure({ apiUrl: issuer, endpoints })).toBe(
        "Could not start the Cronicorn sign-in at http://cronicorn.example/device/code (only requests to HTTPS are allowed). Check CRONICORN_API_URL and your connection, then try again.",
      );
      expect(proxied).toEqual([]);
    });

    it("the device flow refuses a plain-http device endpoint on another host even when its token endpoint is this machine", async () => {
      const endpoints = { issuer, deviceAuthorization: "http://cronicorn.example/device/code", token: `${issuer}/token` };
      expect(await deviceStartFailure({ apiUrl: issuer, endpoints })).toBe(
        "Could not start the Cronicorn sign-in at http://cronicorn.example/device/code (plain http to http://cronicorn.example was refused: only https, or http to this machine, may carry a sign-in). Check CRONICORN_API_URL and your connection, then try again.",
      );
      expect(proxied).toEqual([]);
    });

    it("a refresh token is never sent over plain http to another host that a local issuer's metadata names", async () => {
      metadataTokenEndpoint = "http://cronicorn.example/token";
      const record = {
        access_token: "a",
        refresh_token: "edge-refresh-secret",
        expires_at: 1,
        token_type: "Bearer",
        issuer,
        client_id: "cronicorn-mcp",
        obtained_at: 0,
        flow: "pkce" as const,
      };
      const error = await createRefresher()(record).catch((e: unknown) => e);
      expect(error).not.toBeInstanceOf(RefreshRejectedError);
      expect((error as Error).message).toBe("plain http to http://cronicorn.example was refused: only https, or http to this machine, may carry a sign-in");
      expect(proxied).toEqual([]);
    });
  });

  describe("a device start answer that is not a device authorization", () => {
    it("is named as an invalid response", async () => {
      deviceCodeAnswer = { user_code: "ABCD1234", verification_uri: `${issuer}/device`, expires_in: 300 };
      expect(await deviceStartFailure({ apiUrl: `${issuer}/api` })).toBe(
        `Could not start the Cronicorn sign-in at ${issuer}/api/auth/device/code (invalid response encountered). Check CRONICORN_API_URL and your connection, then try again.`,
      );
    });
  });

  describe("the refresher", () => {
    it("rejects a record without a refresh token for good, saying so, without asking the server", async () => {
      const record = { access_token: "a", expires_at: 1, token_type: "Bearer", issuer, client_id: "cronicorn-mcp", obtained_at: 0, flow: "pkce" as const };
      const error = await createRefresher()(record).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RefreshRejectedError);
      expect((error as Error).message).toBe("no refresh token");
      expect(hits).toEqual([]);
    });
  });
});
