/**
 * The device flow distrusts what a lying authorization server says: its interval, its code lifetime,
 * its user code and its verification addresses (RFC 8628 flow, in process, against fake servers on
 * 127.0.0.1). The floor and the lifetime range are injected smaller here so the tests run in seconds;
 * the shipped server uses 5 s and 60 s…1 h.
 */
import { afterEach, describe, expect, it } from "vitest";
import { startDeviceAuthorization } from "../../../../src/auth/flows/device.js";
import type { DeviceFlowOptions } from "../../../../src/auth/flows/device.js";
import { recordFromTokens } from "../../../../src/auth/flows/oauth.js";
import { SignInError } from "../../../../src/auth/errors.js";
import { eventually } from "../../../helpers/signin.js";
import { json, startFake } from "../../../helpers/net/fake.js";
import type { FakeServer } from "../../../helpers/net/fake.js";

/** A device authorization server that says `said` and then answers every poll `poll` ("authorization_pending" unless told). */
async function lyingServer(
  said: Record<string, unknown>,
  poll: { status: number; body: Record<string, unknown> } = { status: 400, body: { error: "authorization_pending" } },
): Promise<{ fake: FakeServer; polls: () => number[] }> {
  const pollTimes: number[] = [];
  const fake = await startFake((req, res) => {
    if (req.url === "/api/auth/device/code")
      return json(res, 200, {
        device_code: "device-code-secret",
        user_code: "ABCD-EFGH",
        verification_uri: "http://127.0.0.1/device",
        interval: 5,
        expires_in: 600,
        ...said,
      });
    if (req.url === "/api/auth/device/token") {
      pollTimes.push(performance.now());
      return json(res, poll.status, poll.body);
    }
    json(res, 404, {});
  });
  return { fake, polls: () => pollTimes };
}

const options = (fake: FakeServer, more: Partial<DeviceFlowOptions> = {}): DeviceFlowOptions => ({
  apiUrl: `${fake.origin}/api`,
  clientId: "cronicorn-mcp",
  scope: "openid",
  approvalUrl: undefined,
  ...more,
});

describe("device flow against a lying authorization server", () => {
  const cleanup: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0)) await fn();
  });

  it("polls no closer than the floor when the server says interval 0.001, and stops when cancelled", async () => {
    const { fake, polls } = await lyingServer({ interval: 0.001 });
    cleanup.push(() => fake.close());
    const pending = await startDeviceAuthorization(options(fake, { minIntervalS: 0.5 }));
    cleanup.push(() => pending.cancel());
    await eventually(() => (polls().length >= 3 ? true : undefined), 10_000, "three polls");
    pending.cancel();
    await expect(pending.result).rejects.toThrow(/cancelled/);
    const times = polls();
    // Arrival times jitter a little; 0.001 s apart would be hundreds of polls, not a few.
    for (let i = 1; i < times.length; i++) expect((times[i] ?? 0) - (times[i - 1] ?? 0)).toBeGreaterThanOrEqual(400);
    const count = times.length;
    await new Promise((r) => setTimeout(r, 1500)); // three floors: a poller still running would have polled
    expect(polls().length).toBe(count);
  });

  it("clamps a huge expires_in, shows a real expiry, and the poller stops at the clamped expiry by itself", async () => {
    const { fake, polls } = await lyingServer({ expires_in: 1e308, interval: 0.001 });
    cleanup.push(() => fake.close());
    const pending = await startDeviceAuthorization(options(fake, { minIntervalS: 0.2, expiresRangeS: [0.5, 1.5] }));
    cleanup.push(() => pending.cancel());
    expect(Date.parse(pending.prompt.expiresAt) - Date.now()).toBeLessThanOrEqual(1500);
    await expect(pending.result).rejects.toThrow(/expired/);
    const count = polls().length;
    expect(count).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 1000)); // five floors
    expect(polls().length).toBe(count);
  });

  it.each([
    ["a javascript: verification_uri", { verification_uri: "javascript:alert(1)" }],
    ["a file: verification_uri", { verification_uri: "file:///etc/passwd" }],
    ["a javascript: verification_uri_complete", { verification_uri_complete: "javascript:alert(document.cookie)" }],
    ["an http verification_uri off this machine", { verification_uri: "http://evil.example/device" }],
    ["a user code with control characters", { user_code: "AB\u001b]0;pwned\u0007CD" }],
    ["a 10 kB user code", { user_code: "A".repeat(10_000) }],
  ])("refuses %s before anything is shown or polled", async (_what, said) => {
    const { fake, polls } = await lyingServer(said);
    cleanup.push(() => fake.close());
    await expect(startDeviceAuthorization(options(fake, { minIntervalS: 0.1 }))).rejects.toThrow(/not shown or opened/);
    await new Promise((r) => setTimeout(r, 300));
    expect(polls()).toEqual([]);
  });

  it("refuses an endless device authorization answer at the size cap (openid-client's traffic is capped too)", async () => {
    const fake = await startFake((_q, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      const pump = () => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once("drain", pump);
      };
      pump();
    });
    cleanup.push(() => fake.close());
    await expect(startDeviceAuthorization(options(fake))).rejects.toThrow(/larger than 8 MiB/);
  });

  it("refuses a 100 KiB device_code at the door, naming its size and never its value, and never polls", async () => {
    const code = "D".repeat(100 * 1024);
    const { fake, polls } = await lyingServer({ device_code: code });
    cleanup.push(() => fake.close());
    const error = await startDeviceAuthorization(options(fake, { minIntervalS: 0.1 })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SignInError);
    expect((error as Error).message).toBe(
      `The sign-in server at ${fake.origin}/api/auth/device/code sent a device code of 100 KiB; cronicorn-mcp accepts at most 64 KiB for a code or token, so the sign-in was stopped. Check CRONICORN_API_URL; if it is right, report this to the server's operator.`,
    );
    await new Promise((r) => setTimeout(r, 300));
    expect(polls()).toEqual([]);
  });

  it("refuses a 100 KiB access token from the device token endpoint: the sign-in fails with its size, not its value", async () => {
    const token = "T".repeat(100 * 1024);
    const { fake } = await lyingServer({ interval: 1 }, { status: 200, body: { access_token: token, token_type: "Bearer", expires_in: 600 } });
    cleanup.push(() => fake.close());
    const pending = await startDeviceAuthorization(options(fake, { minIntervalS: 0.1 }));
    cleanup.push(() => pending.cancel());
    const error = await pending.result.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SignInError);
    expect((error as Error).message).toMatch(/^The sign-in server sent an access token of 100 KiB; cronicorn-mcp accepts at most 64 KiB/);
    expect((error as Error).message).not.toContain("TTTTTT");
  });

  it("accepts an https verification address and a short printable code", async () => {
    const { fake } = await lyingServer({ verification_uri: "https://cronicorn.com/device", user_code: "WXYZ-1234" });
    cleanup.push(() => fake.close());
    const pending = await startDeviceAuthorization(options(fake, { minIntervalS: 0.1 }));
    pending.cancel();
    expect(pending.prompt).toMatchObject({ verificationUrl: "https://cronicorn.com/device", userCode: "WXYZ-1234" });
  });
});

describe("token lifetimes from the token endpoint", () => {
  it.each([1e308, Infinity, -5, Number.NaN])("never turn expires_in %s into an invalid or endless expiry", (expires_in) => {
    const now = Date.parse("2026-01-01T00:00:00Z");
    const record = recordFromTokens({ access_token: "t".repeat(20), token_type: "bearer", expires_in } as never, {
      issuer: "http://127.0.0.1",
      clientId: "c",
      flow: "device",
      now,
    });
    expect(Number.isFinite(record.expires_at)).toBe(true);
    expect(() => new Date(record.expires_at).toISOString()).not.toThrow();
    expect(record.expires_at - now).toBeLessThanOrEqual(90 * 24 * 3600 * 1000);
    expect(record.expires_at).toBeGreaterThanOrEqual(now);
  });
});

describe("token sizes from the token endpoint", () => {
  const meta = { issuer: "http://127.0.0.1", clientId: "c", flow: "pkce" as const, now: 0 };

  it.each([
    ["an access token", { access_token: "A".repeat(65 * 1024), refresh_token: "r".repeat(20) }, "access token of 65 KiB"],
    ["a refresh token", { access_token: "a".repeat(20), refresh_token: "R".repeat(65 * 1024) }, "refresh token of 65 KiB"],
  ])("refuses %s over 64 KiB with a SignInError naming the size", (_what, tokens, named) => {
    const build = () => recordFromTokens({ ...tokens, token_type: "bearer" } as never, meta);
    expect(build).toThrow(SignInError);
    expect(build).toThrow(named);
    expect(build).not.toThrow(/AAAAAA|RRRRRR/);
  });

  it("accepts a 17 KiB JWT-sized access token", () => {
    const token = "j".repeat(17 * 1024);
    expect(recordFromTokens({ access_token: token, token_type: "bearer" } as never, meta).access_token).toBe(token);
  });
});
