import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeHome, startServer, textOf } from "../../helpers/mcp.js";
import { startHostileServer, type HostileServer } from "../../helpers/hostile-server.js";

const TOKEN = "someone_elses_tok_Pp5Oo2Ii9Uu";
const isRoot = process.getuid?.() === 0;

describe("the server refuses credentials it cannot trust, and says so instead of crashing", () => {
  let hostile: HostileServer;
  beforeAll(async () => {
    hostile = await startHostileServer(() => ({ json: { jobs: [] } }));
  });
  afterAll(async () => {
    await hostile?.close();
  });

  it.runIf(isRoot)("a credentials.json owned by another user is not used: every call reports it and nothing is sent with it", async () => {
    const home = makeHome();
    const dir = path.join(home, ".cronicorn");
    fs.mkdirSync(dir, { mode: 0o700 });
    const file = path.join(dir, "credentials.json");
    const now = Date.now();
    const record = {
      access_token: TOKEN,
      expires_at: now + 86_400_000,
      token_type: "Bearer",
      issuer: hostile.origin,
      client_id: "cronicorn-mcp",
      obtained_at: now,
    };
    fs.writeFileSync(file, JSON.stringify({ records: { [hostile.origin]: record } }), { mode: 0o600 });
    fs.chownSync(file, 65534, 65534);
    const server = await startServer({ home, env: { CRONICORN_API_URL: hostile.apiUrl, CRONICORN_LOGIN_WAIT_S: "0" } });
    try {
      const result = await server.call("list_jobs");
      expect(result.isError).toBe(true);
      expect(textOf(result)).toMatch(/belongs to another user \(uid 65534\)/);
      expect(hostile.received()).not.toContain(TOKEN);
      expect((await server.client.listTools()).tools.length).toBeGreaterThan(20);
      expect(fs.statSync(file).uid).toBe(65534);
    } finally {
      await server.close();
    }
  });

  it("a shared world-writable CRONICORN_CONFIG_DIR is refused and left as it was (sticky bit kept)", async () => {
    const shared = path.join(makeHome(), "shared");
    fs.mkdirSync(shared);
    fs.chmodSync(shared, 0o1777);
    const server = await startServer({ env: { CRONICORN_API_URL: hostile.apiUrl, CRONICORN_CONFIG_DIR: shared, CRONICORN_LOGIN_WAIT_S: "0" } });
    try {
      const result = await server.call("list_jobs");
      expect(result.isError).toBe(true);
      expect(textOf(result)).toMatch(/can be written by other users \(mode 1777\).*CRONICORN_CONFIG_DIR/);
      expect(fs.statSync(shared).mode & 0o7777).toBe(0o1777);
      expect(fs.readdirSync(shared)).toEqual([]);
    } finally {
      await server.close();
    }
  });

  it("a symlinked credentials.json is refused and its target left untouched", async () => {
    const home = makeHome();
    const dir = path.join(home, ".cronicorn");
    fs.mkdirSync(dir, { mode: 0o700 });
    const target = path.join(home, "target.json");
    fs.writeFileSync(target, "{}");
    fs.chmodSync(target, 0o644);
    fs.symlinkSync(target, path.join(dir, "credentials.json"));
    const server = await startServer({ home, env: { CRONICORN_API_URL: hostile.apiUrl, CRONICORN_LOGIN_WAIT_S: "0" } });
    try {
      const result = await server.call("list_jobs");
      expect(result.isError).toBe(true);
      expect(textOf(result)).toMatch(/symbolic link/);
      expect(fs.statSync(target).mode & 0o777).toBe(0o644);
    } finally {
      await server.close();
    }
  });
});
