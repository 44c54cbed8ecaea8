import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCronicornStandIn } from "../../stack/cronicorn.js";
import type { StandIn } from "../../stack/cronicorn.js";
import { assertNoSecrets, makeHome, startServer, valueOf } from "../../helpers/mcp.js";
import { writeStoredRecord } from "../../helpers/signin.js";

describe("credentials written by the official Cronicorn MCP server", () => {
  let stand: StandIn;
  beforeAll(async () => {
    stand = await startCronicornStandIn();
  });
  afterAll(async () => {
    await stand?.close();
  });

  /** A private HOME whose credentials.json holds our record of a fresh stand-in session for this API. */
  async function homeWithSession(expiresAt: number, obtainedAt: number): Promise<{ home: string; token: string }> {
    const home = makeHome();
    const token = await stand.signIn();
    fs.mkdirSync(path.join(home, ".cronicorn"), { recursive: true, mode: 0o700 });
    const record = {
      access_token: token,
      expires_at: expiresAt,
      token_type: "Bearer",
      issuer: stand.apiUrl,
      client_id: "cronicorn-mcp",
      obtained_at: obtainedAt,
      flow: "device",
    };
    writeStoredRecord(path.join(home, ".cronicorn"), new URL(stand.apiUrl).origin, record);
    return { home, token };
  }

  // The official server's own record ({access_token, refresh_token, expires_at}) counts for Cronicorn's cloud
  // only: test/unit/auth/store/file.test.ts reads it for https://cronicorn.com, test/e2e/security/origin.test.ts checks it
  // never reaches another API.
  it("uses our own record for this API from ~/.cronicorn/credentials.json", async () => {
    const now = Date.now();
    const { home, token } = await homeWithSession(now + 30 * 86_400_000, now);

    const server = await startServer({ home, env: { CRONICORN_API_URL: stand.apiUrl, HOME: home } });
    try {
      const job = valueOf<{ name: string }>(await server.call("create_job", { name: "with the saved file" }), "job");
      expect(job.name).toBe("with the saved file");
      const status = valueOf<{ signedIn: boolean; user?: { email?: string }; daysLeft?: number }>(await server.call("auth_status"), "status");
      expect(status.signedIn).toBe(true);
      expect(status.user?.email).toBe(stand.user.email);
      expect(status.daysLeft).toBeGreaterThanOrEqual(29);
      assertNoSecrets(server.stdout() + server.stderr(), [token], "server output");
    } finally {
      await server.close();
    }
  });

  it("reports a saved session that was signed out elsewhere as not signed in, saying so", async () => {
    const now = Date.now();
    const { home, token } = await homeWithSession(now + 30 * 86_400_000, now);
    // Another client ends this session on the server (better-auth then answers get-session with null).
    const signOut = await fetch(`${stand.apiUrl}/auth/sign-out`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: "{}",
    });
    expect(signOut.ok).toBe(true);

    const server = await startServer({ home, env: { CRONICORN_API_URL: stand.apiUrl, HOME: home } });
    try {
      const status = valueOf<{ signedIn: boolean; problem?: string }>(await server.call("auth_status"), "status");
      expect(status.signedIn).toBe(false);
      expect(status.problem).toMatch(/no longer has this session/);
    } finally {
      await server.close();
    }
  });

  it("reports a session past its saved expiry that Cronicorn still holds as signed in, with the expiry the server gives", async () => {
    const now = Date.now();
    const { home } = await homeWithSession(now - 60_000, now - 86_400_000);

    const server = await startServer({ home, env: { CRONICORN_API_URL: stand.apiUrl, HOME: home } });
    try {
      const status = valueOf<{ signedIn: boolean; expiresAt?: string }>(await server.call("auth_status"), "status");
      expect(status.signedIn).toBe(true);
      expect(Date.parse(status.expiresAt ?? "")).toBeGreaterThan(now);
    } finally {
      await server.close();
    }
  });

  it("without any credential a tool answers with a sign-in prompt, not a crash", async () => {
    const server = await startServer({
      env: { CRONICORN_API_URL: stand.apiUrl, CRONICORN_WEB_URL: stand.webUrl, CRONICORN_ISSUER: stand.webUrl, CRONICORN_LOGIN_WAIT_S: "0" },
    });
    try {
      const result = await server.call("list_jobs");
      expect(result.isError).toBeFalsy();
      expect(valueOf<{ verificationUrl: string }>(result, "signIn").verificationUrl).toContain("/device/approve?user_code=");
      expect(valueOf<{ signedIn: boolean }>(await server.call("auth_status"), "status").signedIn).toBe(false);
    } finally {
      await server.close();
    }
  });
});
