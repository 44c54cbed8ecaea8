/**
 * `cronicorn-mcp doctor [--json]` as a person runs it, against the stand-in and against hostile or
 * broken peers started here: the API down, a certificate from an unknown CA, a server whose clock is
 * two hours off, a keychain with no D-Bus session, a node from a version manager that is too old,
 * a folder others can read, a saved sign-in the server no longer accepts. Each finding must fail
 * its own line with something to do, set the exit code, and never print a token.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import https from "node:https";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertNoSecrets } from "../../helpers/mcp.js";
import { listenOnLoopback, stopServer } from "../../stack/loopback.js";
import { startCronicornStandIn } from "../../stack/cronicorn.js";
import type { StandIn } from "../../stack/cronicorn.js";
import { environment, newHome, runCli } from "../../helpers/cli.js";
import { startSilentBus } from "../../helpers/store/silent-bus.js";
import { writeStoredRecord } from "../../helpers/signin.js";

interface Check {
  id: string;
  status: "ok" | "warn" | "fail" | "skip";
  detail: string;
  fix?: string;
}

async function doctor(env: Record<string, string>): Promise<{ code: number | null; checks: Map<string, Check>; ok: boolean; stdout: string; stderr: string }> {
  const run = await runCli(["doctor", "--json"], env, 30_000);
  const parsed = JSON.parse(run.stdout) as { ok: boolean; checks: Check[] };
  return { code: run.code, ok: parsed.ok, checks: new Map(parsed.checks.map((c) => [c.id, c])), stdout: run.stdout, stderr: run.stderr };
}

/** A fake API root answering better-auth's /api/auth/ok, with whatever Date header `date()` gives. */
function okHandler(date?: () => string): http.RequestListener {
  return (req, res) => {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (date) headers.date = date();
    res.writeHead(req.url === "/api/auth/ok" ? 200 : 404, headers);
    res.end(req.url === "/api/auth/ok" ? '{"ok":true}' : '{"message":"Not found"}');
  };
}

const servers: http.Server[] = [];
async function serve(server: http.Server): Promise<number> {
  servers.push(server);
  return listenOnLoopback(server);
}

let stand: StandIn;
let dir: string;
beforeAll(async () => {
  stand = await startCronicornStandIn();
  dir = newHome();
});
afterAll(async () => {
  for (const server of servers.splice(0)) await stopServer(server);
  await stand?.close();
});

describe("cronicorn-mcp doctor", () => {
  it("passes against a healthy API: Node, store, folder, DNS, reachability and clock all OK, exit 0", async () => {
    const run = await doctor(environment(newHome(), stand));
    expect(run.code).toBe(0);
    expect(run.ok).toBe(true);
    for (const id of ["node", "config", "config-dir", "store", "api-url", "proxy", "dns", "api", "clock"]) expect(run.checks.get(id)?.status, id).toBe("ok");
    expect(run.checks.get("api")?.detail).toContain(`${stand.apiUrl}/auth/ok → 200`);
    expect(run.checks.get("tls")?.status).toBe("skip"); // plain http on loopback
    expect(run.checks.get("sign-in")).toMatchObject({ status: "warn", fix: expect.stringContaining("cronicorn-mcp login") });
  });

  it("prints one line per check in a terminal, each OK or with what to do", async () => {
    const run = await runCli(["doctor"], environment(newHome(), stand, { CRONICORN_API_URL: "http://127.0.0.1:9/api" }), 30_000);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^OK {4}Node\.js/m);
    expect(run.stdout).toMatch(/^FAIL {2}API reachable .*ECONNREFUSED/m);
    expect(run.stdout).toMatch(/→ Nothing answers at 127\.0\.0\.1:9: the API is down, or CRONICORN_API_URL is wrong\./);
  });

  it("fails when the API is down, saying what to check, and exits 1", async () => {
    const closed = http.createServer();
    const port = await serve(closed);
    await stopServer(closed);
    const run = await doctor(environment(newHome(), stand, { CRONICORN_API_URL: `http://127.0.0.1:${port}/api` }));
    expect(run.code).toBe(1);
    expect(run.checks.get("api")).toMatchObject({ status: "fail", fix: expect.stringContaining("the API is down, or CRONICORN_API_URL is wrong") });
    expect(run.checks.get("clock")?.status).toBe("skip");
  });

  describe("a certificate from a CA this Node.js does not trust", () => {
    let certFile: string;
    let url: string;
    beforeAll(async () => {
      const key = path.join(dir, "key.pem");
      certFile = path.join(dir, "cert.pem");
      execFileSync(
        "openssl",
        [
          "req",
          "-x509",
          "-newkey",
          "rsa:2048",
          "-nodes",
          "-keyout",
          key,
          "-out",
          certFile,
          "-days",
          "1",
          "-subj",
          "/CN=127.0.0.1/O=Doctor Test CA",
          "-addext",
          "subjectAltName=IP:127.0.0.1",
        ],
        { stdio: "ignore" },
      );
      const port = await serve(https.createServer({ key: fs.readFileSync(key), cert: fs.readFileSync(certFile) }, okHandler()));
      url = `https://127.0.0.1:${port}/api`;
    });

    it("fails TLS naming NODE_EXTRA_CA_CERTS as the fix, and exits 1", async () => {
      const run = await doctor(environment(newHome(), undefined, { CRONICORN_API_URL: url }));
      expect(run.code).toBe(1);
      expect(run.checks.get("tls")).toMatchObject({
        status: "fail",
        detail: expect.stringMatching(/self[- ]signed/i),
        fix: expect.stringContaining("NODE_EXTRA_CA_CERTS"),
      });
      expect(run.checks.get("api")?.status).toBe("fail");
    });

    it("passes once that CA is given in NODE_EXTRA_CA_CERTS (the fix it names works)", async () => {
      const run = await doctor(environment(newHome(), undefined, { CRONICORN_API_URL: url, NODE_EXTRA_CA_CERTS: certFile }));
      expect(run.checks.get("tls")).toMatchObject({ status: "ok", detail: expect.stringContaining("Doctor Test CA") });
      expect(run.checks.get("api")?.status).toBe("ok");
    });
  });

  it("fails the clock when the server's Date is two hours off, and exits 1", async () => {
    const port = await serve(http.createServer(okHandler(() => new Date(Date.now() - 2 * 3_600_000).toUTCString())));
    const run = await doctor(environment(newHome(), undefined, { CRONICORN_API_URL: `http://127.0.0.1:${port}/api` }));
    expect(run.code).toBe(1);
    expect(run.checks.get("api")?.status).toBe("ok");
    expect(run.checks.get("clock")).toMatchObject({
      status: "fail",
      detail: expect.stringMatching(/clock is 7\d{3} s ahead of the server's/),
      fix: expect.stringContaining("time sync"),
    });
  });

  it("fails the store when CRONICORN_TOKEN_STORE=keychain and there is no D-Bus session, naming the file store as the way out", async () => {
    const env = environment(newHome(), stand, { CRONICORN_TOKEN_STORE: "keychain" });
    expect(env.DBUS_SESSION_BUS_ADDRESS).toBeUndefined();
    const run = await doctor(env);
    expect(run.code).toBe(1);
    expect(run.checks.get("store")).toMatchObject({
      status: "fail",
      detail: expect.stringContaining("CRONICORN_TOKEN_STORE=keychain"),
      fix: expect.stringContaining("CRONICORN_TOKEN_STORE=file"),
    });
    expect(run.checks.get("sign-in")?.status).toBe("skip");
  });

  it("warns in auto mode when the keychain is unavailable and the file is used instead", async () => {
    const run = await doctor(environment(newHome(), stand, { CRONICORN_TOKEN_STORE: "auto" }));
    const store = run.checks.get("store");
    expect(store).toMatchObject({ status: "warn", detail: expect.stringContaining("OS keychain unavailable") });
    // The way out is given once, not in the detail and again in the fix.
    expect(`${store?.detail} ${store?.fix}`.match(/CRONICORN_TOKEN_STORE=file/g)).toHaveLength(1);
    expect(run.code).toBe(0);
  });

  it("fails when the first node on PATH is older than engines (a client would start that one)", async () => {
    const home = newHome();
    const bin = path.join(home, "old-node");
    fs.mkdirSync(bin);
    fs.writeFileSync(path.join(bin, "node"), "#!/bin/sh\necho v18.19.0\n", { mode: 0o755 });
    const env = environment(home, stand);
    const run = await doctor({ ...env, PATH: `${bin}${path.delimiter}${env.PATH}` });
    expect(run.code).toBe(1);
    expect(run.checks.get("node")?.status).toBe("ok");
    expect(run.checks.get("node-path")).toMatchObject({
      status: "fail",
      detail: expect.stringContaining(`${bin}/node (v18.19.0)`),
      fix: expect.stringContaining(`"${path.dirname(process.execPath)}/npx"`),
    });
  });

  it("fails when the config folder or credentials file is readable by others, with the chmod to run", async () => {
    const home = newHome();
    const configDir = path.join(home, ".cronicorn");
    fs.mkdirSync(configDir, { mode: 0o755 });
    fs.chmodSync(configDir, 0o755);
    const run = await doctor(environment(home, stand));
    expect(run.code).toBe(1);
    expect(run.checks.get("config-dir")).toMatchObject({ status: "fail", fix: `Run chmod 700 "${configDir}".` });
  });

  it("reports a saved sign-in the server no longer accepts, with its expiry but never the token", async () => {
    const home = newHome();
    const token = "doctor-test-token-that-must-never-be-printed";
    const configDir = path.join(home, ".cronicorn");
    fs.mkdirSync(configDir, { mode: 0o700 });
    const expiresAt = Date.now() + 10 * 86_400_000;
    const record = {
      access_token: token,
      expires_at: expiresAt,
      token_type: "Bearer",
      issuer: `${stand.apiUrl}/auth`,
      client_id: "cronicorn-mcp",
      obtained_at: Date.now(),
      flow: "device",
    };
    writeStoredRecord(configDir, new URL(stand.apiUrl).origin, record);
    const run = await doctor(environment(home, stand));
    expect(run.code).toBe(1);
    expect(run.checks.get("sign-in")).toMatchObject({
      status: "fail",
      detail: "Cronicorn no longer accepts the saved sign-in",
      fix: expect.stringContaining("cronicorn-mcp login --force"),
    });
    assertNoSecrets(run.stdout + run.stderr, [token], "doctor's output");
  });

  it("names the user of a valid sign-in and its days left; with an API key it skips the store and checks the key", async () => {
    const home = newHome();
    const token = await stand.signIn();
    const configDir = path.join(home, ".cronicorn");
    fs.mkdirSync(configDir, { mode: 0o700 });
    const record = {
      access_token: token,
      expires_at: Date.now() + 20 * 86_400_000 + 60_000,
      token_type: "Bearer",
      issuer: `${stand.apiUrl}/auth`,
      client_id: "cronicorn-mcp",
      obtained_at: Date.now(),
      flow: "device",
    };
    writeStoredRecord(configDir, new URL(stand.apiUrl).origin, record);
    const signedIn = await doctor(environment(home, stand));
    expect(signedIn.code).toBe(0);
    expect(signedIn.checks.get("sign-in")).toMatchObject({
      status: "ok",
      detail: expect.stringMatching(new RegExp(`via device until .*\\(20 day\\(s\\) left\\); as ${stand.user.email.replace(".", "\\.")}`)),
    });

    const withKey = await doctor(environment(newHome(), stand, { CRONICORN_API_KEY: stand.apiKey, CRONICORN_TOKEN_STORE: "keychain" }));
    expect(withKey.checks.get("store")?.status).toBe("skip");
    expect(withKey.checks.get("sign-in")).toMatchObject({ status: "ok", detail: expect.stringContaining("CRONICORN_API_KEY") });
    expect(withKey.code).toBe(0);
    const badKey = await doctor(environment(newHome(), stand, { CRONICORN_API_KEY: "not-a-real-key-123456" }));
    expect(badKey.checks.get("sign-in")).toMatchObject({ status: "fail", detail: "Cronicorn rejects CRONICORN_API_KEY" });
    assertNoSecrets(
      signedIn.stdout + withKey.stdout + badKey.stdout + signedIn.stderr + withKey.stderr,
      [token, stand.apiKey, "not-a-real-key-123456"],
      "doctor's output",
    );
  });

  it("finishes with a D-Bus that accepts and never answers, saying the keychain is not answering, with its advice once", async () => {
    const bus = await startSilentBus();
    try {
      const env = environment(newHome(), stand, {
        CRONICORN_TOKEN_STORE: "auto",
        DBUS_SESSION_BUS_ADDRESS: bus.address,
        CRONICORN_KEYCHAIN_TIMEOUT_MS: "1000",
      });
      const run = await doctor(env);
      expect(bus.accepted()).toBeGreaterThan(0);
      const store = run.checks.get("store");
      expect(store).toMatchObject({ status: "warn", detail: expect.stringContaining("keychain not answering") });
      expect(`${store?.detail} ${store?.fix}`.match(/CRONICORN_TOKEN_STORE=file/g)).toHaveLength(1);
      expect(run.code).toBe(0);

      const strict = await doctor({ ...env, CRONICORN_TOKEN_STORE: "keychain" });
      expect(strict.checks.get("store")).toMatchObject({ status: "fail", detail: expect.stringContaining("keychain not answering") });
      expect(strict.code).toBe(1);
    } finally {
      await bus.close();
    }
  });

  it("with the API down, does not call a saved sign-in OK: it says it could not verify it", async () => {
    const home = newHome();
    const configDir = path.join(home, ".cronicorn");
    fs.mkdirSync(configDir, { mode: 0o700 });
    const closed = http.createServer();
    const port = await serve(closed);
    await stopServer(closed);
    const apiUrl = `http://127.0.0.1:${port}/api`;
    const record = {
      access_token: "doctor-unverified-token-0123456789",
      expires_at: Date.now() + 20 * 86_400_000,
      token_type: "Bearer",
      issuer: `${apiUrl}/auth`,
      client_id: "cronicorn-mcp",
      obtained_at: Date.now(),
      flow: "device",
    };
    writeStoredRecord(configDir, new URL(apiUrl).origin, record);
    const run = await doctor(environment(home, undefined, { CRONICORN_API_URL: apiUrl }));
    expect(run.checks.get("api")?.status).toBe("fail");
    expect(run.checks.get("sign-in")).toMatchObject({
      status: "warn",
      detail: expect.stringMatching(/^saved locally: signed in via device until .*; not verified: Cronicorn could not be reached$/),
      fix: expect.stringContaining("cronicorn-mcp doctor"),
    });
    const withKey = await doctor(environment(newHome(), undefined, { CRONICORN_API_URL: apiUrl, CRONICORN_API_KEY: "doctor-unverified-key-0123" }));
    expect(withKey.checks.get("sign-in")).toMatchObject({ status: "warn", detail: expect.stringContaining("not verified: Cronicorn could not be reached") });
  });

  it("says every finding in words that stand alone in JSON (no 'see above', no 'the line above')", async () => {
    const runs = [
      await doctor(environment(newHome(), stand, { CRONICORN_TOKEN_STORE: "keychain" })),
      await doctor(environment(newHome(), stand, { CRONICORN_TOKEN_STORE: "auto" })),
      await doctor(environment(newHome(), undefined, { CRONICORN_API_URL: "http://example.com/api" })),
      await doctor(environment(newHome(), undefined, { CRONICORN_API_URL: "http://127.0.0.1:9/api", HTTP_PROXY: "http://127.0.0.1:9" })),
    ];
    for (const run of runs) {
      for (const check of run.checks.values()) expect(`${check.detail} ${check.fix ?? ""}`, check.id).not.toMatch(/\b(above|below)\b/);
    }
  });

  it("reports a bad configuration as a failed line (and still checks Node)", async () => {
    const run = await doctor(environment(newHome(), undefined, { CRONICORN_API_URL: "http://example.com/api" }));
    expect(run.code).toBe(1);
    expect(run.checks.get("node")?.status).toBe("ok");
    expect(run.checks.get("config")).toMatchObject({ status: "fail", detail: expect.stringContaining("CRONICORN_API_URL must use https") });
  });
});
