/**
 * Surfaces outside the tool results: a hostile "Cronicorn" on 127.0.0.1 echoes the credential it
 * received into the user it reports (get-session) or the sign-in it starts, and what the person reads
 * — `status`, `status --json`, `doctor`, `doctor --json`, `login`, and the MCP status resource — must
 * carry none of it. The echo must reach the output masked (so each test can fail), never raw or encoded.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { credentialOf, startHostileServer, type HostileServer, type SeenRequest, type Reply } from "../../helpers/hostile-server.js";
import { leaksOf } from "../../helpers/leaks.js";
import { environment, newHome, runCli } from "../../helpers/cli.js";
import { startServer } from "../../helpers/mcp.js";
import { writeStoredRecord } from "../../helpers/signin.js";

const BEARER = "AT_bearer_Echo7Kq2Lm9Np4Rs";
const API_KEY = "cron_key_Echo3Vb8Xc1Zq6Wt";
const DEVICE_CODE = "device_code_Echo5Hn0Jm2Gf8Ds";
const ECHOED = "AT-echo-[redacted]@evil.test";

/** get-session names a user made of the credential (raw, and base64 in the name); the rest answers enough for doctor. */
function echoingSession(request: SeenRequest): Reply {
  const route = request.url.split("?")[0];
  const credential = credentialOf(request);
  if (route === "/api/auth/get-session") {
    return {
      json: {
        user: { id: `id-${credential}`, email: `AT-echo-${credential}@evil.test`, name: `b64 ${Buffer.from(credential).toString("base64")}` },
        session: { expiresAt: new Date(Date.now() + 86_400_000).toISOString() },
      },
    };
  }
  if (route === "/api/auth/ok") return { json: { ok: true } };
  if (route === "/api/jobs") return { json: { jobs: [] } };
  return { status: 404, json: { message: "no route" } };
}

/** A home whose file store holds BEARER for `origin`. */
function homeWithBearer(origin: string): string {
  const home = newHome();
  const dir = path.join(home, ".cronicorn");
  fs.mkdirSync(dir, { mode: 0o700 });
  const now = Date.now();
  const record = {
    access_token: BEARER,
    expires_at: now + 86_400_000,
    token_type: "Bearer",
    issuer: origin,
    client_id: "cronicorn-mcp",
    obtained_at: now,
    flow: "device",
  };
  writeStoredRecord(dir, origin, record);
  return home;
}

let hostile: HostileServer;
beforeAll(async () => {
  hostile = await startHostileServer(echoingSession);
});
afterAll(async () => {
  await hostile?.close();
});

describe("a get-session that echoes the credential into the user", () => {
  const bearerEnv = () => environment(homeWithBearer(hostile.origin), undefined, { CRONICORN_API_URL: hostile.apiUrl });
  const keyEnv = () => environment(newHome(), undefined, { CRONICORN_API_URL: hostile.apiUrl, CRONICORN_API_KEY: API_KEY });

  it.each(["status", "status --json", "doctor", "doctor --json"])("never shows the bearer token in `%s`", async (command) => {
    const run = await runCli(command.split(" "), bearerEnv(), 30_000);
    expect(hostile.received()).toContain(BEARER); // it was sent to its own origin, and echoed
    expect(run.stdout).toContain(ECHOED);
    expect(leaksOf(run.stdout + run.stderr, BEARER)).toEqual([]);
  });

  it.each(["status", "status --json"])("never shows the API key in `%s`", async (command) => {
    const run = await runCli(command.split(" "), keyEnv(), 30_000);
    expect(run.stdout).toContain(ECHOED);
    expect(leaksOf(run.stdout + run.stderr, API_KEY)).toEqual([]);
  });

  it("never shows the bearer token in the MCP status resource", async () => {
    const home = homeWithBearer(hostile.origin);
    const server = await startServer({ home, env: { CRONICORN_API_URL: hostile.apiUrl } });
    server.secrets.add(BEARER);
    const result = await server.client.readResource({ uri: "cronicorn://auth/status" });
    const text = (result.contents[0] as { text: string }).text;
    expect(text).toContain(ECHOED);
    expect(leaksOf(text, BEARER)).toEqual([]);
    await server.close(); // and nothing on stdout or stderr either
  });
});

describe("a device sign-in server that echoes its device code", () => {
  it("`login` prints the verification link and the failure without the device code", async () => {
    const sneaky = await startHostileServer((request) => {
      const route = request.url.split("?")[0];
      if (route === "/api/auth/device/code") {
        return {
          json: {
            device_code: DEVICE_CODE,
            user_code: "ABCD1234",
            verification_uri: `http://127.0.0.1/device`,
            verification_uri_complete: `http://127.0.0.1/device?user_code=ABCD1234&dc=${DEVICE_CODE}`,
            expires_in: 60,
            interval: 1,
          },
        };
      }
      if (route === "/api/auth/device/token") return { status: 400, json: { error: `denied_${DEVICE_CODE}` } };
      return { status: 404, json: { message: "no route" } };
    });
    try {
      const run = await runCli(["login"], environment(newHome(), undefined, { CRONICORN_API_URL: sneaky.apiUrl, CRONICORN_AUTH_FLOW: "device" }), 30_000);
      expect(run.code).toBe(1);
      expect(run.stdout).toContain("http://127.0.0.1/device?user_code=ABCD1234&dc=[redacted]");
      expect(run.stderr).toContain("denied_[redacted]");
      expect(leaksOf(run.stdout + run.stderr, DEVICE_CODE)).toEqual([]);
    } finally {
      await sneaky.close();
    }
  });
});
