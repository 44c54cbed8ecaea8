/**
 * The device flow's own rules, in process: timing clamps, prompt validation, the JSON re-encoding for
 * better-auth, the token record, and every way a sign-in ends — against a tiny better-auth-shaped server
 * on 127.0.0.1 (JSON bodies only, RFC 8628 error codes). Polling intervals of 0 s keep it instant.
 */
import http from "node:http";
import type * as oidc from "openid-client";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { cronicornDeviceEndpoints, jsonBodyForDeviceEndpoints, saneTiming, startDeviceAuthorization, unsafePrompt } from "../../../../src/auth/flows/device.js";
import type { DeviceFlowOptions } from "../../../../src/auth/flows/device.js";
import { oauthErrorCode, recordFromTokens } from "../../../../src/auth/flows/oauth.js";
import { SignInError } from "../../../../src/auth/errors.js";
import { listenOnLoopback, stopServer } from "../../../stack/loopback.js";

const started = (over: Partial<oidc.DeviceAuthorizationResponse> = {}) =>
  ({
    device_code: "dev-code-1234567",
    user_code: "ABCD-EFGH",
    verification_uri: "https://cronicorn.example/device",
    expires_in: 600,
    interval: 5,
    ...over,
  }) as oidc.DeviceAuthorizationResponse;

describe("saneTiming", () => {
  it("keeps a sane interval and lifetime as they are", () => {
    expect(saneTiming(started(), 5)).toEqual({ intervalS: 5, expiresS: 600 });
    expect(saneTiming(started({ interval: 7 }), 5)).toEqual({ intervalS: 7, expiresS: 600 });
  });

  it("never polls faster than the floor", () => {
    expect(saneTiming(started({ interval: 1 }), 5).intervalS).toBe(5);
    expect(saneTiming(started({ interval: 0 }), 2).intervalS).toBe(2);
  });

  it("a missing or non-finite interval is RFC 8628's 5 s (above a smaller floor)", () => {
    expect(saneTiming(started({ interval: undefined }), 1).intervalS).toBe(5);
    expect(saneTiming(started({ interval: Number.POSITIVE_INFINITY }), 1).intervalS).toBe(5);
    expect(saneTiming(started({ interval: "3" as unknown as number }), 1).intervalS).toBe(5);
  });

  it("clamps the lifetime to [60, 3600] s by default, and to a given range", () => {
    expect(saneTiming(started({ expires_in: 10 }), 5).expiresS).toBe(60);
    expect(saneTiming(started({ expires_in: 60 }), 5).expiresS).toBe(60);
    expect(saneTiming(started({ expires_in: 3600 }), 5).expiresS).toBe(3600);
    expect(saneTiming(started({ expires_in: 1e308 }), 5).expiresS).toBe(3600);
    expect(saneTiming(started({ expires_in: 100 }), 5, [1, 50]).expiresS).toBe(50);
    expect(saneTiming(started({ expires_in: 0 }), 5, [1, 50]).expiresS).toBe(1);
  });

  it("a missing or non-finite lifetime is the longest allowed", () => {
    expect(saneTiming(started({ expires_in: Number.NaN }), 5).expiresS).toBe(3600);
    expect(saneTiming(started({ expires_in: "600" as unknown as number }), 5, [1, 99]).expiresS).toBe(99);
  });
});

describe("unsafePrompt", () => {
  const CODE = "its user code is not a short printable code";
  const URI = "its verification address is not an https address (or http on this machine)";

  it("accepts a short printable code and https or loopback-http addresses", () => {
    expect(unsafePrompt(started())).toBeUndefined();
    expect(unsafePrompt(started({ user_code: "x".repeat(32), verification_uri_complete: "http://127.0.0.1:9/d?c=1" }))).toBeUndefined();
    expect(unsafePrompt(started({ user_code: " ~", verification_uri: "http://localhost:3000/device" }))).toBeUndefined();
  });

  it("refuses an empty, long, non-string or control-character code", () => {
    expect(unsafePrompt(started({ user_code: "" }))).toBe(CODE);
    expect(unsafePrompt(started({ user_code: "x".repeat(33) }))).toBe(CODE);
    expect(unsafePrompt(started({ user_code: 1234 as unknown as string }))).toBe(CODE);
    expect(unsafePrompt(started({ user_code: "AB\u001b[2JCD" }))).toBe(CODE);
    expect(unsafePrompt(started({ user_code: "ABCD\n" }))).toBe(CODE);
    expect(unsafePrompt(started({ user_code: "\u00e9t\u00e9" }))).toBe(CODE);
    expect(unsafePrompt(started({ user_code: "\u007f" }))).toBe(CODE);
  });

  it("refuses plain http to another host, other schemes, non-strings and unparsable addresses, in either field", () => {
    expect(unsafePrompt(started({ verification_uri: "http://cronicorn.example/device" }))).toBe(URI);
    expect(unsafePrompt(started({ verification_uri_complete: "javascript:alert(1)" }))).toBe(URI);
    expect(unsafePrompt(started({ verification_uri: 5 as unknown as string }))).toBe(URI);
    expect(unsafePrompt(started({ verification_uri: "not a url" }))).toBe(URI);
    expect(unsafePrompt(started({ verification_uri: "file:///etc/passwd" }))).toBe(URI);
  });
});

describe("the endpoints and the JSON re-encoding", () => {
  it("names better-auth's device endpoints under the API", () => {
    expect(cronicornDeviceEndpoints("https://api.example/api")).toEqual({
      issuer: "https://api.example/api/auth",
      deviceAuthorization: "https://api.example/api/auth/device/code",
      token: "https://api.example/api/auth/device/token",
    });
  });

  it("re-encodes a form body as JSON for the device URLs only", async () => {
    const calls: Array<{ url: string; body: unknown; headers: unknown }> = [];
    const base: oidc.CustomFetch = async (url, options) => {
      calls.push({ url, body: options.body, headers: options.headers });
      return new Response("{}");
    };
    const wrapped = jsonBodyForDeviceEndpoints(["https://a/code"], base);
    const form = new URLSearchParams({ client_id: "c", scope: "s" });
    await wrapped("https://a/code", {
      method: "POST",
      headers: { accept: "application/json", "content-type": "application/x-www-form-urlencoded" },
      body: form,
      redirect: "manual",
    } as never);
    await wrapped("https://a/other", { method: "POST", headers: {}, body: form, redirect: "manual" } as never);
    await wrapped("https://a/code", { method: "POST", headers: {}, body: "raw", redirect: "manual" } as never);
    expect(calls[0]).toEqual({
      url: "https://a/code",
      body: '{"client_id":"c","scope":"s"}',
      headers: { accept: "application/json", "content-type": "application/json" },
    });
    expect(calls[1]!.body).toBe(form);
    expect(calls[2]!.body).toBe("raw");
  });
});

describe("recordFromTokens", () => {
  const meta = { issuer: "https://i", clientId: "cid", flow: "device" as const, now: 1_000_000 };

  it("builds the stored record", () => {
    expect(
      recordFromTokens({ access_token: "at", refresh_token: "rt", expires_in: 120, token_type: "bearer", scope: "openid" } as oidc.TokenEndpointResponse, meta),
    ).toEqual({
      access_token: "at",
      refresh_token: "rt",
      expires_at: 1_000_000 + 120_000,
      token_type: "bearer",
      scope: "openid",
      issuer: "https://i",
      client_id: "cid",
      obtained_at: 1_000_000,
      flow: "device",
    });
  });

  it("defaults: an hour, Bearer, no refresh token or scope keys; keeps the previous refresh token", () => {
    const bare = recordFromTokens({ access_token: "at" } as oidc.TokenEndpointResponse, { ...meta, flow: "pkce" });
    expect(bare).toEqual({
      access_token: "at",
      expires_at: 1_000_000 + 3_600_000,
      token_type: "Bearer",
      issuer: "https://i",
      client_id: "cid",
      obtained_at: 1_000_000,
      flow: "pkce",
    });
    expect("refresh_token" in bare).toBe(false);
    expect("scope" in bare).toBe(false);
    expect(recordFromTokens({ access_token: "at" } as oidc.TokenEndpointResponse, { ...meta, previousRefreshToken: "old" }).refresh_token).toBe("old");
    expect(
      recordFromTokens({ access_token: "at", refresh_token: "new" } as oidc.TokenEndpointResponse, { ...meta, previousRefreshToken: "old" }).refresh_token,
    ).toBe("new");
  });

  it("a nonsense lifetime is an hour; zero is zero; a huge one is capped at 90 days", () => {
    const at = (expires_in: unknown) => recordFromTokens({ access_token: "a", expires_in } as oidc.TokenEndpointResponse, meta).expires_at - meta.now;
    expect(at(-1)).toBe(3_600_000);
    expect(at(Number.NaN)).toBe(3_600_000);
    expect(at(Number.POSITIVE_INFINITY)).toBe(3_600_000);
    expect(at("60")).toBe(3_600_000);
    expect(at(0)).toBe(0);
    expect(at(1e308)).toBe(90 * 24 * 3600 * 1000);
    expect(at(90 * 24 * 3600 + 1)).toBe(90 * 24 * 3600 * 1000);
  });
});

describe("oauth helpers", () => {
  it("reads the OAuth error code of openid-client errors only", () => {
    expect(oauthErrorCode(new Error("x"))).toBeUndefined();
    expect(oauthErrorCode({ error: "access_denied" })).toBeUndefined();
  });
});

/** A better-auth-shaped device endpoint pair: JSON bodies only, the token endpoint answers from a script. */
describe("startDeviceAuthorization against a loopback server", () => {
  let server: http.Server;
  let apiUrl: string;
  let codeAnswer: { status: number; body: unknown };
  let tokenAnswers: Array<{ status: number; body: unknown }>;
  let bodies: Array<{ path: string; type: string | undefined; body: string }>;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        bodies.push({ path: req.url ?? "", type: req.headers["content-type"], body });
        if (req.headers["content-type"] !== "application/json") {
          res.writeHead(415).end();
          return;
        }
        const answer = req.url === "/api/auth/device/code" ? codeAnswer : tokenAnswers.length > 1 ? tokenAnswers.shift()! : tokenAnswers[0]!;
        res.writeHead(answer.status, { "content-type": "application/json", "cache-control": "no-store" }).end(JSON.stringify(answer.body));
      });
    });
    apiUrl = `http://127.0.0.1:${await listenOnLoopback(server)}/api`;
  });
  afterAll(async () => stopServer(server));
  beforeEach(() => {
    bodies = [];
    codeAnswer = {
      status: 200,
      body: {
        device_code: "dev-code-abcdef",
        user_code: "WXYZ1234",
        verification_uri: `${apiUrl}/device`,
        verification_uri_complete: `${apiUrl}/device?user_code=WXYZ1234`,
        expires_in: 300,
        interval: 0.01,
      },
    };
    tokenAnswers = [{ status: 200, body: { access_token: "access-abcdef", refresh_token: "refresh-abcdef", expires_in: 900, token_type: "Bearer" } }];
  });

  const options = (over: Partial<DeviceFlowOptions> = {}): DeviceFlowOptions => ({
    apiUrl,
    clientId: "cronicorn-mcp",
    scope: "openid",
    approvalUrl: undefined,
    minIntervalS: 0,
    now: () => 5_000,
    ...over,
  });

  it("posts JSON, shows the server's complete URI and code, and yields the record after pending polls", async () => {
    tokenAnswers = [{ status: 400, body: { error: "authorization_pending" } }, ...tokenAnswers];
    const pending = await startDeviceAuthorization(options());
    expect(pending.prompt).toEqual({
      verificationUrl: `${apiUrl}/device?user_code=WXYZ1234`,
      userCode: "WXYZ1234",
      flow: "device",
      expiresAt: new Date(5_000 + 300_000).toISOString(),
    });
    const record = await pending.result;
    expect(record).toMatchObject({
      access_token: "access-abcdef",
      refresh_token: "refresh-abcdef",
      expires_at: 5_000 + 900_000,
      issuer: `${apiUrl}/auth`,
      client_id: "cronicorn-mcp",
      flow: "device",
      obtained_at: 5_000,
    });
    expect(bodies[0]).toMatchObject({ path: "/api/auth/device/code", type: "application/json" });
    expect(JSON.parse(bodies[0]!.body)).toEqual({ client_id: "cronicorn-mcp", scope: "openid" });
    expect(bodies.filter((b) => b.path === "/api/auth/device/token")).toHaveLength(2);
    expect(JSON.parse(bodies[1]!.body)).toMatchObject({ device_code: "dev-code-abcdef", client_id: "cronicorn-mcp" });
  });

  it("without a complete URI shows the plain one; Cronicorn's approval page wins over both, with the code encoded", async () => {
    codeAnswer.body = { ...(codeAnswer.body as object), verification_uri_complete: undefined, user_code: "AB CD" };
    const plain = await startDeviceAuthorization(options());
    expect(plain.prompt.verificationUrl).toBe(`${apiUrl}/device`);
    await plain.result;
    const approval = await startDeviceAuthorization(options({ approvalUrl: "https://cronicorn.example/device/approve" }));
    expect(approval.prompt.verificationUrl).toBe("https://cronicorn.example/device/approve?user_code=AB%20CD");
    await approval.result;
  });

  it("clamps the code's lifetime in the prompt", async () => {
    codeAnswer.body = { ...(codeAnswer.body as object), expires_in: 99_999 };
    const long = await startDeviceAuthorization(options());
    expect(long.prompt.expiresAt).toBe(new Date(5_000 + 3_600_000).toISOString());
    await long.result;
    const ranged = await startDeviceAuthorization(options({ expiresRangeS: [1, 10] }));
    expect(ranged.prompt.expiresAt).toBe(new Date(5_000 + 10_000).toISOString());
    await ranged.result;
  });

  it("uses endpoints from metadata when given", async () => {
    const endpoints = { issuer: "https://issuer.example", deviceAuthorization: `${apiUrl}/auth/device/code`, token: `${apiUrl}/auth/device/token` };
    const pending = await startDeviceAuthorization(options({ endpoints, apiUrl: "https://unused.example/api" }));
    expect((await pending.result).issuer).toBe("https://issuer.example");
  });

  it("refuses a prompt that must not be shown, naming why", async () => {
    codeAnswer.body = { ...(codeAnswer.body as object), user_code: "\u001b]0;pwned\u0007" };
    const error = await startDeviceAuthorization(options()).catch((e: unknown) => e as Error);
    expect(error).toBeInstanceOf(SignInError);
    expect((error as Error).message).toBe(
      `The sign-in server at ${apiUrl}/auth/device/code answered with something that is not shown or opened: its user code is not a short printable code. Check CRONICORN_API_URL; if it is right, report this to the server's operator.`,
    );
    expect(bodies.filter((b) => b.path.endsWith("/token"))).toHaveLength(0);
  });

  it("a refused start names the endpoint and the OAuth error", async () => {
    codeAnswer = { status: 400, body: { error: "invalid_client", error_description: "nope" } };
    const error = await startDeviceAuthorization(options()).catch((e: unknown) => e as Error);
    expect(error).toBeInstanceOf(SignInError);
    expect((error as Error).message).toBe(
      `Could not start the Cronicorn sign-in at ${apiUrl}/auth/device/code (invalid_client). Check CRONICORN_API_URL and your connection, then try again.`,
    );
  });

  it("an unreachable server is described as a network failure", async () => {
    const closed = http.createServer();
    const port = await listenOnLoopback(closed);
    await stopServer(closed);
    const error = await startDeviceAuthorization(options({ apiUrl: `http://127.0.0.1:${port}/api` })).catch((e: unknown) => e as Error);
    expect((error as Error).message).toBe(
      `Could not start the Cronicorn sign-in at http://127.0.0.1:${port}/api/auth/device/code (the server could not be reached (ECONNREFUSED); check your network connection and proxy settings (HTTPS_PROXY, NO_PROXY)). Check CRONICORN_API_URL and your connection, then try again.`,
    );
  });

  const endsWith = async (answer: { status: number; body: unknown }, message: string) => {
    tokenAnswers = [answer];
    const pending = await startDeviceAuthorization(options());
    const error = await pending.result.catch((e: unknown) => e as Error);
    expect(error).toBeInstanceOf(SignInError);
    expect((error as Error).message).toBe(message);
  };

  it("a denial says so", () =>
    endsWith(
      { status: 400, body: { error: "access_denied" } },
      "The sign-in was denied in the browser. Try again to start a new sign-in if that was a mistake.",
    ));
  it("an expired code says so (expired_token)", () =>
    endsWith({ status: 400, body: { error: "expired_token" } }, "The sign-in code expired before it was approved. Try again to get a new code."));
  it("an expired code says so (invalid_grant)", () =>
    endsWith({ status: 400, body: { error: "invalid_grant" } }, "The sign-in code expired before it was approved. Try again to get a new code."));
  it("another OAuth error is named", () => endsWith({ status: 400, body: { error: "server_error" } }, "The sign-in failed (server_error). Try again."));

  it("cancelling ends the poll with 'cancelled'", async () => {
    tokenAnswers = [{ status: 400, body: { error: "authorization_pending" } }];
    const pending = await startDeviceAuthorization(options({ minIntervalS: 1 }));
    pending.cancel();
    const error = await pending.result.catch((e: unknown) => e as Error);
    expect(error).toBeInstanceOf(SignInError);
    expect((error as Error).message).toBe("The sign-in was cancelled.");
  });

  it("the clamped expiry ends the poll with 'expired'", async () => {
    tokenAnswers = [{ status: 400, body: { error: "authorization_pending" } }];
    codeAnswer.body = { ...(codeAnswer.body as object), expires_in: 0 };
    const pending = await startDeviceAuthorization(options({ expiresRangeS: [0.2, 0.2], minIntervalS: 0.05 }));
    const error = await pending.result.catch((e: unknown) => e as Error);
    expect((error as Error).message).toBe("The sign-in code expired before it was approved. Try again to get a new code.");
  });
});
