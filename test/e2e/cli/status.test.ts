/**
 * `cronicorn-mcp status [--json]`: terminal wording speaks of commands (never "the login tool"),
 * `--json` is for scripts (exit code = signed in or not, no token, JSON even when the configuration is
 * bad), with CRONICORN_API_KEY set it says so without touching the keychain, and it says only what it
 * knows: Cronicorn's verdict, or `verified: false` and why.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listenOnLoopback, stopServer } from "../../stack/loopback.js";
import { assertNoSecrets, startServer, textOf } from "../../helpers/mcp.js";
import { storedRecord, writeStoredRecord } from "../../helpers/signin.js";
import { startCronicornStandIn } from "../../stack/cronicorn.js";
import type { StandIn } from "../../stack/cronicorn.js";
import { environment, newHome, runCli, startCli } from "../../helpers/cli.js";

interface StatusJson {
  signedIn: boolean;
  verified?: boolean;
  reason?: string;
  userUnknownReason?: string;
  problem?: string;
  apiUrl: string;
  source: string;
  store: string;
  flow?: string;
  user?: { email?: string };
  expiresAt?: string;
  daysLeft?: number;
}

let stand: StandIn;
beforeAll(async () => {
  stand = await startCronicornStandIn({ deviceInterval: "1s" });
});
afterAll(async () => {
  await stand?.close();
});

describe("cronicorn-mcp status", () => {
  it("in a terminal, tells a signed-out user the command to run, not a tool", async () => {
    const run = await runCli(["status"], environment(newHome(), stand));
    expect(run.code).toBe(1);
    expect(run.stdout).toContain("Sign in with `cronicorn-mcp login`");
    expect(run.stdout).not.toMatch(/tool/);
  });

  it("--json prints the status as JSON for scripts and exits 1 when signed out", async () => {
    const run = await runCli(["status", "--json"], environment(newHome(), stand));
    expect(run.code).toBe(1);
    const status = JSON.parse(run.stdout) as StatusJson;
    expect(status).toMatchObject({ signedIn: false, apiUrl: stand.apiUrl, source: "none", store: "file ~/.cronicorn/credentials.json" });
  });

  it("--json after a terminal login: signed in, as whom, until when, exit 0, and no token", async () => {
    const home = newHome();
    const env = environment(home, stand);
    const login = startCli(["login"], env);
    const [, code] = await login.waitFor(/confirm the code ([A-Z0-9]{8})/);
    await stand.approveDevice(code as string);
    expect(await login.exit(20_000)).toBe(0);
    const token = String(storedRecord(home, new URL(stand.apiUrl).origin)?.access_token);

    const run = await runCli(["status", "--json"], env);
    expect(run.code).toBe(0);
    const status = JSON.parse(run.stdout) as StatusJson;
    expect(status).toMatchObject({ signedIn: true, source: "file", flow: "device", user: { email: stand.user.email }, daysLeft: 29 });
    expect(Date.parse(status.expiresAt as string)).toBe(Number(storedRecord(home, new URL(stand.apiUrl).origin)?.expires_at));
    assertNoSecrets(run.stdout + run.stderr + login.stdout() + login.stderr(), [token], "status and login output");
  });

  it("with CRONICORN_API_KEY set, says the key is used and never opens the keychain (even CRONICORN_TOKEN_STORE=keychain without D-Bus)", async () => {
    const env = environment(newHome(), stand, { CRONICORN_API_KEY: stand.apiKey, CRONICORN_TOKEN_STORE: "keychain", CRONICORN_LOG_LEVEL: "debug" });
    const text = await runCli(["status"], env);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`Signed in to ${stand.apiUrl} with the API key from CRONICORN_API_KEY`);
    expect(text.stdout + text.stderr).not.toMatch(/keychain|D-Bus/i);
    const json = JSON.parse((await runCli(["status", "--json"], env)).stdout) as StatusJson;
    expect(json).toMatchObject({ signedIn: true, source: "api-key", flow: "api-key", store: "not used (CRONICORN_API_KEY is set)" });
    assertNoSecrets(text.stdout + text.stderr, [stand.apiKey], "status output");
  });

  it("--json with an API key Cronicorn rejects: not signed in, verified, exit 1", async () => {
    const env = environment(newHome(), stand, { CRONICORN_API_KEY: "cronicorn_not_a_key_0123456789" });
    const run = await runCli(["status", "--json"], env);
    expect(run.code).toBe(1);
    const status = JSON.parse(run.stdout) as StatusJson;
    expect(status).toMatchObject({ signedIn: false, verified: true, source: "api-key" });
    expect(status.problem).toMatch(/^Cronicorn rejected CRONICORN_API_KEY/);
  });

  it("--json with an API key Cronicorn takes: signed in, verified, and why the user is not named", async () => {
    const run = await runCli(["status", "--json"], environment(newHome(), stand, { CRONICORN_API_KEY: stand.apiKey }));
    expect(run.code).toBe(0);
    const status = JSON.parse(run.stdout) as StatusJson;
    expect(status).toMatchObject({ signedIn: true, verified: true, source: "api-key" });
    expect(status.userUnknownReason).toMatch(/API key/);
    assertNoSecrets(run.stdout + run.stderr, [stand.apiKey], "status output");
  });

  it("--json when Cronicorn cannot be reached: not verified, and why", async () => {
    const closed = http.createServer();
    const apiUrl = `http://127.0.0.1:${await listenOnLoopback(closed)}/api`;
    await stopServer(closed);
    const home = newHome();
    const dir = path.join(home, ".cronicorn");
    fs.mkdirSync(dir, { mode: 0o700 });
    const record = {
      access_token: "device_session_token_0123456789",
      expires_at: Date.now() + 20 * 86_400_000,
      token_type: "Bearer",
      issuer: `${apiUrl}/auth`,
      client_id: "cronicorn-mcp",
      obtained_at: Date.now(),
      flow: "device",
    };
    writeStoredRecord(dir, new URL(apiUrl).origin, record);

    const run = await runCli(["status", "--json"], environment(home, undefined, { CRONICORN_API_URL: apiUrl }));
    const status = JSON.parse(run.stdout) as StatusJson;
    expect(status).toMatchObject({ signedIn: true, verified: false, flow: "device" });
    expect(status.reason).toMatch(/could not be reached \(ECONNREFUSED\)/);
    const text = await runCli(["status"], environment(home, undefined, { CRONICORN_API_URL: apiUrl }));
    expect(text.stdout).toMatch(/extended while it is used; not verified by Cronicorn \(the server could not be reached \(ECONNREFUSED\)/);
    assertNoSecrets(run.stdout + run.stderr + text.stdout + text.stderr, [record.access_token], "status output");
  });

  it("--json with a bad configuration prints JSON naming the problem, and exits 2", async () => {
    const run = await runCli(["status", "--json"], environment(newHome(), undefined, { CRONICORN_API_URL: "http://example.com/api" }));
    expect(run.code).toBe(2);
    const status = JSON.parse(run.stdout) as StatusJson;
    expect(status.signedIn).toBe(false);
    expect(status.problem).toMatch(/^Configuration problem: CRONICORN_API_URL/);
  });

  it("a FIFO where credentials.json should be: status, doctor and a tool call answer at once with an error naming the file", async () => {
    const home = newHome();
    const dir = path.join(home, ".cronicorn");
    fs.mkdirSync(dir, { mode: 0o700 });
    const fifo = path.join(dir, "credentials.json");
    expect(spawnSync("mkfifo", ["-m", "600", fifo]).status).toBe(0);
    const env = environment(home, stand);

    const text = await runCli(["status"], env);
    expect(text.code).toBe(1);
    expect(text.stderr).toContain(`${fifo} is not a regular file (a FIFO)`);
    const json = await runCli(["status", "--json"], env);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ signedIn: false, problem: expect.stringContaining(`${fifo} is not a regular file (a FIFO)`) });

    // doctor's store check reads the same file: it finishes, and its credential line names the FIFO.
    const doctor = await runCli(["doctor", "--json"], env, 30_000);
    expect(doctor.code).toBe(1);
    expect(doctor.stdout).toContain(`${fifo} is not a regular file (a FIFO)`);

    // And a tool call of the server answers, with the same reason, instead of waiting on the FIFO.
    const server = await startServer({ era: "modern", home, env: { CRONICORN_API_URL: stand.apiUrl, CRONICORN_WEB_URL: stand.webUrl } });
    try {
      const result = await server.call("list_jobs");
      expect(result.isError).toBe(true);
      expect(textOf(result)).toContain(`${fifo} is not a regular file (a FIFO)`);
    } finally {
      await server.close();
    }
  });
});
