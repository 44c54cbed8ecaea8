/**
 * Cronicorn's device sessions have no refresh token but slide: better-auth moves a session's expiry
 * to now + expiresIn when it is used after updateAge. The server must follow that expiry instead of
 * asking for a sign-in when the first one passes.
 */
import fs from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startCronicornStandIn, type StandIn } from "../../stack/cronicorn.js";
import { ERAS, makeHome, startServer, textOf, type ServerHandle, valueOf } from "../../helpers/mcp.js";
import { storedRecord, writeStoredRecord } from "../../helpers/signin.js";

const SESSION_S = 6;

function writeDeviceRecord(home: string, stand: StandIn, token: string, expiresAt: number): void {
  const dir = path.join(home, ".cronicorn");
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const record = {
    access_token: token,
    expires_at: expiresAt,
    token_type: "Bearer",
    issuer: `${stand.apiUrl}/auth`,
    client_id: "cronicorn-mcp",
    obtained_at: Date.now(),
    flow: "device",
  };
  writeStoredRecord(dir, stand.webUrl, record);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(ERAS)("sliding sessions (no refresh token) (%s era)", (era) => {
  let stand: StandIn | undefined;
  let server: ServerHandle | undefined;
  afterEach(async () => {
    await server?.close();
    await stand?.close();
  });

  it("keeps a device session working past its original lifetime without a sign-in, and stores the moved expiry", async () => {
    // updateAge 0: every use slides the session, as a 30-day session does once it is older than 7 days.
    stand = await startCronicornStandIn({ sessionExpiresInS: SESSION_S, sessionUpdateAgeS: 0 });
    const token = await stand.signIn();
    const originalExpiry = Date.now() + SESSION_S * 1000;
    const home = makeHome();
    writeDeviceRecord(home, stand, token, originalExpiry);
    // The whole (short) session is within the skew, so every call checks get-session, as the last 5 minutes of a real one do.
    server = await startServer({
      era,
      home,
      env: { CRONICORN_API_URL: stand.apiUrl, CRONICORN_LOGIN_WAIT_S: "0", CRONICORN_REFRESH_SKEW_S: String(SESSION_S) },
    });

    // Use the token (each use slides the session on the server) until its original lifetime has passed.
    while (Date.now() <= originalExpiry + 1000) {
      const result = await server.call("list_jobs");
      expect(result.isError, textOf(result)).toBeFalsy();
      expect(result.structuredContent).not.toHaveProperty("signIn");
      await sleep(1000);
    }
    expect(valueOf<unknown[]>(await server.call("list_jobs"), "jobs")).toEqual([]);
    expect(stand.requests.filter((r) => r.path === "/api/auth/get-session").length).toBeGreaterThan(0);
    const stored = storedRecord(home, stand.webUrl) as { access_token: string; expires_at: number };
    expect(stored.access_token).toBe(token);
    expect(stored.expires_at).toBeGreaterThan(originalExpiry);
  });

  it("renews a locally expired session the server still holds, and asks for a sign-in once the server says it is gone", async () => {
    stand = await startCronicornStandIn();
    const token = await stand.signIn();
    const home = makeHome();
    writeDeviceRecord(home, stand, token, Date.now() - 60_000);
    server = await startServer({ era, home, env: { CRONICORN_API_URL: stand.apiUrl, CRONICORN_WEB_URL: stand.webUrl, CRONICORN_LOGIN_WAIT_S: "0" } });

    expect(valueOf<unknown[]>(await server.call("list_jobs"), "jobs")).toEqual([]);
    const stored = storedRecord(home, stand.webUrl) as { expires_at: number };
    expect(stored.expires_at).toBeGreaterThan(Date.now() + 29 * 86_400_000);

    // A session the server does not know (a token it never issued) is gone: sign-in prompt, not an error.
    writeDeviceRecord(home, stand, "not-a-session-token-abcdef", Date.now() - 60_000);
    await server.close();
    server = await startServer({ era, home, env: { CRONICORN_API_URL: stand.apiUrl, CRONICORN_WEB_URL: stand.webUrl, CRONICORN_LOGIN_WAIT_S: "0" } });
    const result = await server.call("list_jobs");
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toHaveProperty("signIn");
  });
});
