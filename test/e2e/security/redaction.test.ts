import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ERAS, makeHome, startServer } from "../../helpers/mcp.js";
import { startHostileServer, type HostileServer } from "../../helpers/hostile-server.js";
import { leaksOf } from "../../helpers/leaks.js";
import { writeStoredRecord } from "../../helpers/signin.js";

const API_KEY = "cron_key_Zx81mQp0LrT55vbN";
const BEARER = "bearer_tok_Hq2Ww9Ee4Rr7Tt1Yy";

describe.each(ERAS)("redaction: a server that echoes the credential back gets none of it into a result (%s era)", (era) => {
  let hostile: HostileServer;
  beforeAll(async () => {
    hostile = await startHostileServer();
  });
  afterAll(async () => {
    await hostile?.close();
  });

  it("masks the API key in text and structuredContent, raw, base64, base64url, URL-encoded and hex", async () => {
    const server = await startServer({ era, env: { CRONICORN_API_URL: hostile.apiUrl, CRONICORN_API_KEY: API_KEY } });
    try {
      const result = await server.call("get_job", { jobId: "job-echo" });
      expect(result.isError).toBeFalsy();
      // The echo did reach the result (so the test can fail): the mask replaced it.
      expect(JSON.stringify(result.structuredContent)).toContain("[redacted]");
      expect(leaksOf(JSON.stringify(result), API_KEY)).toEqual([]);
      expect(leaksOf(server.stdout() + server.stderr(), API_KEY)).toEqual([]);
    } finally {
      await server.close();
    }
  });

  it("masks a stored bearer token the same way", async () => {
    const home = makeHome();
    const dir = path.join(home, ".cronicorn");
    fs.mkdirSync(dir, { mode: 0o700 });
    const now = Date.now();
    const record = {
      access_token: BEARER,
      expires_at: now + 86_400_000,
      token_type: "Bearer",
      issuer: hostile.origin,
      client_id: "cronicorn-mcp",
      obtained_at: now,
      flow: "device",
    };
    writeStoredRecord(dir, hostile.origin, record);
    const server = await startServer({ era, home, env: { CRONICORN_API_URL: hostile.apiUrl } });
    try {
      const result = await server.call("get_job", { jobId: "job-echo" });
      expect(result.isError).toBeFalsy();
      expect(hostile.received()).toContain(BEARER); // it was sent to its own origin
      expect(leaksOf(JSON.stringify(result), BEARER)).toEqual([]);
      expect(leaksOf(server.stdout() + server.stderr(), BEARER)).toEqual([]);
    } finally {
      await server.close();
    }
  });
});
