/**
 * Edges of the OAuth flows the main suites leave open, in process: the loopback redirect listener (the
 * address it binds, every page's words, escaping and headers, and that it stops listening once signed
 * in); plain http to another host, refused before anything is sent (a forward proxy from the
 * environment stands in for the network and records what would have left this machine); a start
 * answer that is no device authorization; and the refresher's reason for a record it cannot refresh.
 */
import http from "node:http";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startDeviceAuthorization } from "../../src/auth/flows/device.js";
import { discoverAuthorizationServer } from "../../src/auth/flows/discovery.js";
import { startLoopbackAuthorization } from "../../src/auth/flows/loopback.js";
import type { PendingAuthorization } from "../../src/auth/flows/pending.js";
import { createRefresher } from "../../src/auth/flows/refresh.js";
import { SignInError } from "../../src/auth/errors.js";
import { RefreshRejectedError } from "../../src/auth/session.js";
import { listenOnLoopback, stopServer } from "../stack/loopback.js";

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
      const json = (status: number, value: unknown) => res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" }).end(JSON.stringify(value));
      if (path === "/.well-known/oauth-authorization-server") {
        return json(200, { issuer, authorization_endpoint: `${issuer}/authorize`, token_endpoint: metadataTokenEndpoint ?? `${issuer}/token`, code_challenge_methods_supported: ["S256"] });
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
const refuses = (url: string) => visit(url).then(() => false, () => true);

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
    expectPage(await visit(`${redirect}?code=c&state=${state}`), 200, "Signed in to Cronicorn", "You are signed in. You can close this tab and return to your AI assistant.");
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
    const endpoints = { issuer: "http://cronicorn.example", deviceAuthorization: "http://cronicorn.example/device/code", token: "http://cronicorn.example/token" };
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
    const record = { access_token: "a", refresh_token: "edge-refresh-secret", expires_at: 1, token_type: "Bearer", issuer, client_id: "cronicorn-mcp", obtained_at: 0, flow: "pkce" as const };
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
