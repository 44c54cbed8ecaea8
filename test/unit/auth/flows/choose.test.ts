/**
 * Which sign-in flow starts, decided in process against real peers on 127.0.0.1: the Cronicorn
 * stand-in (no OAuth metadata: Cronicorn's own device endpoints) and an oidc-provider that publishes
 * RFC 8414 metadata with S256 (PKCE with a loopback redirect).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../../../src/config/config.js";
import type { Config } from "../../../../src/config/config.js";
import { startSignIn } from "../../../../src/auth/flows/choose.js";
import type { PendingAuthorization } from "../../../../src/auth/flows/pending.js";
import { SignInError } from "../../../../src/auth/errors.js";
import { startCronicornStandIn } from "../../../stack/cronicorn.js";
import type { StandIn } from "../../../stack/cronicorn.js";
import { startAuthorizationServer } from "../../../stack/oauth-server.js";
import type { AuthServer } from "../../../stack/oauth-server.js";

describe("startSignIn: choosing the flow", () => {
  let stand: StandIn;
  let as: AuthServer;
  const started: PendingAuthorization[] = [];

  beforeAll(async () => {
    stand = await startCronicornStandIn();
    as = await startAuthorizationServer({ account: { id: stand.user.id, email: stand.user.email, password: stand.user.password } });
  });
  afterEach(() => {
    for (const pending of started.splice(0)) {
      pending.result.catch(() => undefined);
      pending.cancel();
    }
  });
  afterAll(async () => {
    await as?.close();
    await stand?.close();
  });

  function config(env: Record<string, string>): Config {
    const result = loadConfig({ CRONICORN_API_URL: stand.apiUrl, CRONICORN_WEB_URL: stand.webUrl, ...env });
    if (!result.ok) throw new Error(result.problems.join("; "));
    return result.config;
  }
  async function start(env: Record<string, string>, browser: boolean): Promise<PendingAuthorization> {
    const pending = await startSignIn(config(env), browser);
    started.push(pending);
    return pending;
  }

  it("runs PKCE with the default scope when the issuer publishes S256 metadata and a browser can open", async () => {
    const pending = await start({ CRONICORN_ISSUER: as.issuer }, true);
    expect(pending.prompt.flow).toBe("pkce");
    const url = new URL(pending.prompt.verificationUrl);
    expect(url.origin).toBe(as.issuer);
    expect(url.searchParams.get("scope")).toBe("openid offline_access");
    expect(url.searchParams.get("code_challenge_method")).toBe("S256");
  });

  it("passes a configured scope to PKCE", async () => {
    const pending = await start({ CRONICORN_ISSUER: as.issuer, CRONICORN_SCOPE: "openid" }, true);
    expect(new URL(pending.prompt.verificationUrl).searchParams.get("scope")).toBe("openid");
  });

  it("runs PKCE without a browser when CRONICORN_AUTH_FLOW=pkce", async () => {
    const pending = await start({ CRONICORN_ISSUER: as.issuer, CRONICORN_AUTH_FLOW: "pkce" }, false);
    expect(pending.prompt.flow).toBe("pkce");
  });

  it("falls back to Cronicorn's device flow and approval page without a browser, even when PKCE is published", async () => {
    const pending = await start({ CRONICORN_ISSUER: as.issuer }, false);
    expect(pending.prompt.flow).toBe("device");
    expect(pending.prompt.userCode).toMatch(/^[A-Z0-9]{8}$/);
  });

  it("uses Cronicorn's own device endpoints and approval page when the issuer publishes no metadata", async () => {
    stand.resetRequests();
    const pending = await start({ CRONICORN_ISSUER: stand.webUrl }, true);
    expect(pending.prompt.flow).toBe("device");
    expect(pending.prompt.verificationUrl).toBe(`${stand.webUrl}/device/approve?user_code=${pending.prompt.userCode}`);
    expect(stand.requests.some((r) => r.path === "/api/auth/device/code" && r.status === 200)).toBe(true);
  });

  it("never looks for metadata when CRONICORN_AUTH_FLOW=device", async () => {
    const before = as.requests.length;
    const pending = await start({ CRONICORN_ISSUER: as.issuer, CRONICORN_AUTH_FLOW: "device" }, true);
    expect(pending.prompt.flow).toBe("device");
    expect(as.requests.length).toBe(before);
  });

  it("refuses CRONICORN_AUTH_FLOW=pkce when the issuer publishes no PKCE metadata, saying what to set", async () => {
    const error = await startSignIn(config({ CRONICORN_ISSUER: stand.webUrl, CRONICORN_AUTH_FLOW: "pkce" }), true).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SignInError);
    expect((error as Error).message).toBe(
      `CRONICORN_AUTH_FLOW=pkce, but ${stand.webUrl} publishes no OAuth authorization server metadata with PKCE (S256). Set CRONICORN_ISSUER to your authorization server, or use CRONICORN_AUTH_FLOW=device.`,
    );
  });
});
