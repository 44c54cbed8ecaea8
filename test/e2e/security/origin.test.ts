import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeHome, startServer, valueOf } from "../../helpers/mcp.js";
import { startHostileServer, type HostileServer } from "../../helpers/hostile-server.js";

const CLOUD_TOKEN = "cloud_access_Kk3Jj8Hh1Gg6Ff0Dd";

describe("origin binding: a credential goes only to the origin it was issued for", () => {
  let hostile: HostileServer;
  beforeAll(async () => {
    hostile = await startHostileServer(() => ({ json: null }));
  });
  afterAll(async () => {
    await hostile?.close();
  });

  it("never sends the official server's (cloud) record to another CRONICORN_API_URL, and logout leaves it in place", async () => {
    const home = makeHome();
    const dir = path.join(home, ".cronicorn");
    fs.mkdirSync(dir, { mode: 0o700 });
    const file = path.join(dir, "credentials.json");
    const official = JSON.stringify({ access_token: CLOUD_TOKEN, refresh_token: "", expires_at: Math.floor(Date.now() / 1000) + 30 * 86_400 });
    fs.writeFileSync(file, official, { mode: 0o600 });

    const server = await startServer({ home, env: { CRONICORN_API_URL: hostile.apiUrl, CRONICORN_LOGIN_WAIT_S: "0", CRONICORN_AUTH_FLOW: "device" } });
    try {
      expect(valueOf<{ signedIn: boolean }>(await server.call("auth_status"), "status").signedIn).toBe(false);
      await server.call("list_jobs");
      const logout = valueOf<{ revokedOnServer: unknown; deletedLocal: string[] }>(await server.call("logout"), "logout");
      expect(logout).toMatchObject({ revokedOnServer: "not-applicable", deletedLocal: [] });
      expect(hostile.received()).not.toContain(CLOUD_TOKEN);
      expect(fs.readFileSync(file, "utf8")).toBe(official);
    } finally {
      await server.close();
    }
  });
});
