/**
 * `cronicorn-mcp doctor` as a whole, in this process: the configuration line, and the sign-in line that
 * asks Cronicorn whether it still accepts the saved credential — against an API root whose every answer
 * the test sets (test/helpers/terminal-fake-api.ts), so each verdict (accepted, rejected, could not say,
 * not reachable) and what doctor sent to get it can be checked. Then the report and exit code runDoctor hands the CLI.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { CredentialRecord } from "../../../src/auth/store/types.js";
import { diagnose, runDoctor } from "../../../src/terminal/doctor/command.js";
import type { CheckResult } from "../../../src/terminal/doctor/types.js";
import { removeTempDirs, tempDir } from "../../helpers/store/harness.js";
import { startFakeApi, type FakeApi } from "../../helpers/terminal-fake-api.js";
import { deviceRecord, writeStoredRecord } from "../../helpers/signin.js";

const DAY_MS = 86_400_000;
const TOKEN = "doctor-saved-token-0123456789";
const VERIFY = "Run `cronicorn-mcp doctor` again once the API is reachable, to check that Cronicorn accepts it.";

let api: FakeApi;
beforeAll(async () => {
  api = await startFakeApi();
});
afterAll(async () => {
  await api?.close();
});
beforeEach(() => {
  api.asked.length = 0;
  api.answer("/api/auth/ok", { status: 200, body: { ok: true } });
  api.answer("/api/jobs", { status: 200, body: { jobs: [] } });
  api.answer("/api/auth/get-session", { status: 200, body: { user: { id: "u1", email: "ada@example.com", name: "Ada" }, session: {} } });
});
afterEach(removeTempDirs);

/** An environment with a private config folder (file store), PATH holding only the node that runs this, pointed at `apiUrl`. */
async function envFor(extra: Record<string, string> = {}, apiUrl = api.apiUrl): Promise<NodeJS.ProcessEnv & { CRONICORN_CONFIG_DIR: string }> {
  const home = await tempDir("doctor-");
  return {
    PATH: path.dirname(process.execPath),
    HOME: home,
    CRONICORN_CONFIG_DIR: path.join(home, ".cronicorn"),
    CRONICORN_TOKEN_STORE: "file",
    CRONICORN_API_URL: apiUrl,
    ...extra,
  };
}

/** A saved sign-in for `apiUrl`, as `login` leaves it. */
function save(env: { CRONICORN_CONFIG_DIR: string }, fields: Partial<CredentialRecord> = {}, apiUrl = api.apiUrl): void {
  writeStoredRecord(env.CRONICORN_CONFIG_DIR, new URL(apiUrl).origin, deviceRecord(apiUrl, TOKEN, 20 * DAY_MS + 60_000, fields));
}

const line = (results: CheckResult[], id: string) => results.find((r) => r.id === id);
const signIn = async (env: NodeJS.ProcessEnv) => line(await diagnose(env), "sign-in");

describe("the configuration line", () => {
  it("a bad configuration fails its line, says what to fix, and ends the report after Node", async () => {
    const results = await diagnose(await envFor({ CRONICORN_API_URL: "http://example.com/api" }));
    expect(results.map((r) => r.id)).toEqual(["node", "node-path", "config"]);
    expect(results[2]).toEqual({
      id: "config",
      title: "configuration",
      status: "fail",
      detail: expect.stringMatching(/^CRONICORN_API_URL: CRONICORN_API_URL must use https/),
      fix: "Fix the environment variables named here in your MCP client's config (or your shell).",
    });
    expect(api.asked).toEqual([]);
  });

  it("joins every problem with a semicolon", async () => {
    const results = await diagnose(await envFor({ CRONICORN_API_URL: "http://example.com/api", CRONICORN_TOOLS: "nonsense" }));
    expect(line(results, "config")?.detail).toMatch(/^CRONICORN_API_URL: [^;]+; CRONICORN_TOOLS/);
  });

  it("names the tool groups, read-only and the sign-in flow", async () => {
    const config = async (extra: Record<string, string>, overrides = {}) => line(await diagnose(await envFor(extra), overrides), "config");
    expect(await config({})).toEqual({ id: "config", title: "configuration", status: "ok", detail: "tool groups: all; sign-in flow: auto" });
    expect((await config({ CRONICORN_AUTH_FLOW: "device" }, { readOnly: true, toolGroups: "jobs,runs" }))?.detail).toBe(
      "tool groups: jobs, runs, read-only; sign-in flow: device",
    );
    expect((await config({ CRONICORN_API_KEY: "doctor-key-0123456789" }))?.detail).toBe("tool groups: all; sign-in flow: API key");
  });
});

describe("the node-path line reads the PATH it is given", () => {
  it("fails when the first node on that PATH is too old", async () => {
    const env = await envFor();
    const bin = path.join(env.HOME as string, "old-node");
    fs.mkdirSync(bin);
    fs.writeFileSync(path.join(bin, "node"), "#!/bin/sh\necho v18.19.0\n", { mode: 0o755 });
    const results = await diagnose({ ...env, PATH: `${bin}${path.delimiter}${env.PATH}` });
    expect(line(results, "node-path")).toMatchObject({ status: "fail", detail: expect.stringContaining(`${bin}/node (v18.19.0)`) });
  });
});

describe("the sign-in line asks Cronicorn about the saved credential", () => {
  it("signed out: warns with the command to run, and asks Cronicorn nothing about a credential", async () => {
    expect(await signIn(await envFor())).toMatchObject({ status: "warn", detail: `not signed in to ${api.apiUrl}` });
    expect(api.paths()).toEqual(["/api/auth/ok"]);
  });

  it("accepted: sends the saved token to an authenticated read, then names the user by email", async () => {
    const env = await envFor();
    save(env);
    expect(await signIn(env)).toEqual({
      id: "sign-in",
      title: "sign-in",
      status: "ok",
      detail: expect.stringMatching(/^signed in via device until \S+ \(20 day\(s\) left\); as ada@example\.com$/),
    });
    const read = api.asked.find((a) => a.url.startsWith("/api/jobs"));
    expect(read).toMatchObject({ method: "GET", url: "/api/jobs?status=archived", headers: { authorization: `Bearer ${TOKEN}`, accept: "application/json" } });
    expect(api.paths()).toContain("/api/auth/get-session");
  });

  it("names the user by name when get-session gives no email, and not at all when it gives neither", async () => {
    const env = await envFor();
    save(env);
    api.answer("/api/auth/get-session", { status: 200, body: { user: { id: "u1", name: "Ada" }, session: {} } });
    expect((await signIn(env))?.detail).toMatch(/left\); as Ada$/);
    api.answer("/api/auth/get-session", { status: 200, body: { user: { id: "u1" }, session: {} } });
    expect((await signIn(env))?.detail).toMatch(/left\)$/);
    api.answer("/api/auth/get-session", { status: 500 });
    expect(await signIn(env)).toMatchObject({ status: "ok", detail: expect.stringMatching(/left\)$/) });
  });

  it("any 2xx is accepted", async () => {
    const env = await envFor();
    save(env);
    for (const status of [204, 299]) {
      api.answer("/api/jobs", { status });
      expect((await signIn(env))?.status, String(status)).toBe("ok");
    }
  });

  it("rejected (401): fails, saying to sign in again", async () => {
    const env = await envFor();
    save(env);
    api.answer("/api/jobs", { status: 401 });
    expect(await signIn(env)).toEqual({
      id: "sign-in",
      title: "sign-in",
      status: "fail",
      detail: "Cronicorn no longer accepts the saved sign-in",
      fix: "Run `cronicorn-mcp login --force` to sign in again.",
    });
    expect(api.paths()).not.toContain("/api/auth/get-session");
  });

  it("an answer that does not say (3xx, 5xx, a dropped connection): warns that the saved sign-in is unverified", async () => {
    const env = await envFor();
    save(env);
    for (const answer of [{ status: 300 }, { status: 500 }, { drop: true }]) {
      api.answer("/api/jobs", answer);
      expect(await signIn(env), JSON.stringify(answer)).toEqual({
        id: "sign-in",
        title: "sign-in",
        status: "warn",
        detail: expect.stringMatching(/^saved locally: signed in via device until \S+ \(20 day\(s\) left\); not verified: Cronicorn's answer did not say$/),
        fix: VERIFY,
      });
    }
  });

  it("an unverified sign-in keeps its own advice before the advice to check again", async () => {
    const env = await envFor();
    save(env, { expires_at: Date.now() + DAY_MS + 60_000 });
    api.answer("/api/jobs", { status: 503 });
    expect(await signIn(env)).toMatchObject({
      status: "warn",
      detail: expect.stringMatching(/^saved locally: signed in via device until \S+ \(1 day\(s\) left\); not verified: Cronicorn's answer did not say$/),
      fix: `Run \`cronicorn-mcp login --force\` before then to avoid an interruption. ${VERIFY}`,
    });
  });

  it("waits at most CRONICORN_TIMEOUT_MS for the answer", async () => {
    const env = await envFor({ CRONICORN_TIMEOUT_MS: "300" });
    save(env);
    api.answer("/api/jobs", { status: 200, delayMs: 1_500 });
    expect((await signIn(env))?.detail).toMatch(/not verified: Cronicorn's answer did not say$/);
  });

  it("API not reachable (its liveness route does not answer 200): warns unverified without asking", async () => {
    const env = await envFor();
    save(env);
    api.answer("/api/auth/ok", { status: 404 });
    expect(await signIn(env)).toMatchObject({ status: "warn", detail: expect.stringMatching(/; not verified: Cronicorn could not be reached$/), fix: VERIFY });
    expect(api.paths()).toEqual(["/api/auth/ok"]);
  });

  it("API down: warns unverified", async () => {
    const down = await startFakeApi();
    const apiUrl = down.apiUrl;
    await down.close();
    const env = await envFor({}, apiUrl);
    save(env, {}, apiUrl);
    expect((await signIn(env))?.detail).toMatch(/^saved locally: signed in via device until .*; not verified: Cronicorn could not be reached$/);
  });

  it("a saved sign-in that has expired fails without asking Cronicorn", async () => {
    const env = await envFor();
    save(env, { expires_at: Date.now() - 60_000 });
    expect(await signIn(env)).toMatchObject({ status: "fail", detail: expect.stringContaining("expired at") });
    expect(api.paths()).not.toContain("/api/jobs");
  });
});

describe("the sign-in line with CRONICORN_API_KEY", () => {
  const KEY = "doctor-api-key-0123456789";

  it("accepted: OK, sent as x-api-key, and get-session is not asked (it never names a key's owner)", async () => {
    const env = await envFor({ CRONICORN_API_KEY: KEY });
    expect(await signIn(env)).toEqual({
      id: "sign-in",
      title: "sign-in",
      status: "ok",
      detail: "CRONICORN_API_KEY is set: requests use the API key, no sign-in needed",
    });
    expect(api.asked.find((a) => a.url.startsWith("/api/jobs"))?.headers).toMatchObject({ "x-api-key": KEY });
    expect(api.paths()).not.toContain("/api/auth/get-session");
  });

  it("rejected: fails, saying to create a new key", async () => {
    const env = await envFor({ CRONICORN_API_KEY: KEY });
    api.answer("/api/jobs", { status: 401 });
    expect(await signIn(env)).toEqual({
      id: "sign-in",
      title: "sign-in",
      status: "fail",
      detail: "Cronicorn rejects CRONICORN_API_KEY",
      fix: "Create a new API key in the Cronicorn dashboard and put it in CRONICORN_API_KEY.",
    });
  });

  it("not reachable: warns that the key is set but unverified", async () => {
    const env = await envFor({ CRONICORN_API_KEY: KEY });
    api.answer("/api/auth/ok", { status: 500 });
    expect(await signIn(env)).toEqual({
      id: "sign-in",
      title: "sign-in",
      status: "warn",
      detail: "CRONICORN_API_KEY is set; not verified: Cronicorn could not be reached",
      fix: VERIFY,
    });
  });
});

describe("runDoctor (what the CLI prints, and its exit code)", () => {
  it("exits 0 when nothing failed, with the text report or JSON", async () => {
    const env = await envFor();
    const text = await runDoctor(env, {}, false);
    expect(text.exitCode).toBe(0);
    expect(text.output).toMatch(/^OK {4}Node\.js /);
    expect(text.output).toMatch(/^WARN {2}sign-in /m);
    const json = await runDoctor(env, {}, true);
    expect(json.exitCode).toBe(0);
    expect(JSON.parse(json.output)).toMatchObject({ ok: true, checks: expect.arrayContaining([expect.objectContaining({ id: "api", status: "ok" })]) });
  });

  it("exits 1 when a check failed", async () => {
    const env = await envFor();
    save(env);
    api.answer("/api/jobs", { status: 401 });
    const run = await runDoctor(env, {}, true);
    expect(run.exitCode).toBe(1);
    expect(JSON.parse(run.output)).toMatchObject({ ok: false });
  });

  it("passes the overrides on to the configuration it checks", async () => {
    const run = await runDoctor(await envFor(), { readOnly: true }, true);
    expect((JSON.parse(run.output) as { checks: CheckResult[] }).checks.find((c) => c.id === "config")?.detail).toContain("read-only");
  });
});
