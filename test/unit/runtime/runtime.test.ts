/**
 * What src/runtime.ts assembles (store, session, sign-in, API client, account), in process against the
 * stand-in's better-auth: a device sign-in on the first call that needs one, saved and then used; the
 * terminal's wait for the whole sign-in; a new sign-in that ends the session it replaces; and a sliding
 * session checked with get-session near its expiry. Every behaviour is read back from what crossed a
 * boundary: the API's answers, the stand-in's request log, the credentials file.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { AuthRequiredError } from "../../../src/auth/errors.js";
import type { CredentialRecord } from "../../../src/auth/store/types.js";
import type { CallContext } from "../../../src/auth/types.js";
import type { SignInUi } from "../../../src/auth/ui.js";
import { loadConfig, type Config } from "../../../src/config/config.js";
import { silentLogger } from "../../../src/core/log.js";
import { createAuthParts, loadRuntime } from "../../../src/runtime.js";
import { startScriptedCronicorn, type Reply } from "../../helpers/tools-harness.js";
import { deviceRecord, eventually, writeStoredRecord } from "../../helpers/signin.js";
import { startCronicornStandIn, type StandIn } from "../../stack/cronicorn.js";

let stand: StandIn;
beforeAll(async () => {
  stand = await startCronicornStandIn({ deviceInterval: "1s" });
});
afterAll(async () => {
  await stand?.close();
});
afterEach(() => {
  vi.unstubAllEnvs();
});

function configFor(env: Record<string, string> = {}): Config {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cronicorn-runtime-"));
  const result = loadConfig({
    CRONICORN_API_URL: stand.apiUrl,
    CRONICORN_WEB_URL: stand.webUrl,
    CRONICORN_ISSUER: stand.webUrl,
    CRONICORN_TOKEN_STORE: "file",
    CRONICORN_CONFIG_DIR: dir,
    CRONICORN_NO_BROWSER: "1",
    CRONICORN_DEVICE_POLL_FLOOR_S: "1",
    CRONICORN_LOGIN_WAIT_S: "0",
    ...env,
  });
  if (!result.ok) throw new Error(result.problems.join("; "));
  return result.config;
}

const origin = () => new URL(stand.apiUrl).origin;
const credentialsFile = (config: Config) => path.join(config.configDir, "credentials.json");

interface StoredRecord {
  access_token: string;
  expires_at: number;
  flow: string;
  refresh_token?: string;
}
function stored(config: Config): StoredRecord | undefined {
  if (!fs.existsSync(credentialsFile(config))) return undefined;
  return (JSON.parse(fs.readFileSync(credentialsFile(config), "utf8")) as { records: Record<string, StoredRecord> }).records[origin()];
}
function save(config: Config, record: CredentialRecord): void {
  writeStoredRecord(config.configDir, origin(), record);
}
/** A record of a better-auth session of the stand-in's user, as a device sign-in leaves it. */
async function sessionRecord(fields: Partial<CredentialRecord> = {}): Promise<CredentialRecord> {
  return deviceRecord(stand.apiUrl, await stand.signIn(), 3_600_000, fields);
}

function ui(noticesReachUser = false): SignInUi & { notices: string[] } {
  const notices: string[] = [];
  return { notices, noticesReachUser, notify: (m) => void notices.push(m), stateChanged: () => undefined };
}
const call = (): CallContext => ({ signal: new AbortController().signal, progress: async () => undefined });
const codeIn = (text: string) => /code ([A-Z0-9]{8})/.exec(text)?.[1] as string;
/** Whether the stand-in takes `token` as a bearer for an API call. */
const accepted = async (token: string) => (await fetch(`${stand.apiUrl}/jobs`, { headers: { authorization: `Bearer ${token}` } })).status === 200;

describe("the runtime", () => {
  it("signs in with the device flow when a call needs it, saves the sign-in, and the next call uses it", async () => {
    const config = configFor();
    const said = ui();
    const runtime = await loadRuntime(config, silentLogger, said);
    await expect(runtime.api.request({ method: "GET", path: "/jobs" })).rejects.toBeInstanceOf(AuthRequiredError);
    const outcome = await runtime.gate.awaitSignIn(call());
    if (outcome.state !== "pending") throw new Error("expected a pending sign-in");
    expect(outcome.prompt).toMatchObject({ flow: "device", verificationUrl: expect.stringContaining(`${stand.webUrl}/device/approve`) });
    expect(said.notices.at(-1)).toContain(outcome.prompt.userCode);
    expect(said.notices.at(-1)).not.toContain("A browser window was opened");
    await stand.approveDevice(outcome.prompt.userCode as string);
    await eventually(async () => (await runtime.account.status()).signedIn || undefined, 20_000, "signed in");
    expect(stored(config)).toMatchObject({ flow: "device" });
    expect(await runtime.api.request({ method: "GET", path: "/jobs", response: undefined })).toBeUndefined();
    const status = await runtime.account.status();
    expect(status).toMatchObject({ signedIn: true, source: "file", user: { email: stand.user.email } });
  });

  it("waits for the whole sign-in in a terminal, saying the command continues by itself", async () => {
    const config = configFor();
    const said = ui(true);
    const { runtime } = createAuthParts(config, silentLogger, said, { waitMs: 20_000, whileWaiting: "and this command continues by itself" });
    const login = runtime.account.login(call(), false);
    const notice = await eventually(() => said.notices.find((n) => /code [A-Z0-9]{8}/.test(n)), 10_000, "the sign-in notice");
    expect(notice).toContain("and this command continues by itself");
    await stand.approveDevice(codeIn(notice));
    expect(await login).toMatchObject({ state: "ready", status: { signedIn: true } });
  });

  it("answers at once in an MCP call, with the link to open and the instruction to ask again", async () => {
    const config = configFor();
    const { runtime } = createAuthParts(config, silentLogger, ui(true));
    const started = Date.now();
    const outcome = await runtime.account.login(call(), false);
    expect(outcome.state).toBe("pending");
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(outcome.state === "pending" && outcome.message).not.toContain("continues by itself");
  });

  it("ends the replaced session on the server when a new sign-in replaces it, but leaves the official server's record alone", async () => {
    for (const [flow, ended] of [
      ["device", true],
      ["legacy", false],
    ] as const) {
      const config = configFor();
      const old = await sessionRecord({ flow });
      save(config, old);
      const logged: string[] = [];
      const logger = { ...silentLogger, info: (m: string) => void logged.push(m) };
      const { runtime } = createAuthParts(config, logger, ui());
      const outcome = await runtime.account.login(call(), true);
      if (outcome.state !== "pending") throw new Error("expected a pending sign-in");
      await stand.approveDevice(outcome.prompt.userCode as string);
      // Logged once the new sign-in is saved and the one it replaced is dealt with.
      await eventually(() => logged.includes("Signed in to Cronicorn.") || undefined, 20_000, "the sign-in completed");
      expect(stored(config)?.access_token).not.toBe(old.access_token);
      expect(await accepted(old.access_token)).toBe(!ended);
      expect(await accepted(stored(config)?.access_token as string)).toBe(true);
    }
  });

  describe("a session that slides (no refresh token), near its expiry", () => {
    it("asks Cronicorn, which extends it, and saves the new expiry", async () => {
      const config = configFor();
      const record = await sessionRecord({ expires_at: Date.now() + 60_000 });
      save(config, record);
      const { runtime } = createAuthParts(config, silentLogger, ui());
      await runtime.api.request({ method: "GET", path: "/jobs" });
      expect(stored(config)?.expires_at).toBeGreaterThan(Date.now() + 86_400_000);
      expect(stand.requests.some((r) => r.path === "/api/auth/get-session" && r.auth === "bearer")).toBe(true);
    });

    it("asks for a new sign-in when Cronicorn no longer has it", async () => {
      const config = configFor();
      const record = await sessionRecord({ expires_at: Date.now() + 60_000 });
      await fetch(`${stand.apiUrl}/auth/sign-out`, {
        method: "POST",
        headers: { authorization: `Bearer ${record.access_token}`, "content-type": "application/json" },
        body: "{}",
      });
      save(config, record);
      const { runtime } = createAuthParts(config, silentLogger, ui());
      await expect(runtime.api.request({ method: "GET", path: "/jobs" })).rejects.toThrow("Your Cronicorn sign-in has ended");
    });

    it("asks for a new sign-in when the token is no session Cronicorn knows", async () => {
      const config = configFor();
      save(config, await sessionRecord({ access_token: "not-a-session-token-0123456789", expires_at: Date.now() + 60_000 }));
      const { runtime } = createAuthParts(config, silentLogger, ui());
      await expect(runtime.api.request({ method: "GET", path: "/jobs" })).rejects.toThrow("Your Cronicorn sign-in has ended");
    });

    it("uses the session as it is when Cronicorn cannot say, keeping the saved expiry", async () => {
      const config = configFor();
      const record = await sessionRecord({ expires_at: Date.now() + 60_000 });
      save(config, record);
      stand.faults.set({ kind: "status", status: 503, match: /get-session/ });
      try {
        const { runtime } = createAuthParts(config, silentLogger, ui());
        await runtime.api.request({ method: "GET", path: "/jobs" });
        expect(stored(config)?.expires_at).toBe(record.expires_at);
      } finally {
        stand.faults.clear();
      }
    });
  });

  describe("get-session's verdict on a sliding session, as a scripted Cronicorn gives it", () => {
    const later = Date.now() + 30 * 86_400_000;
    async function slideWith(getSession: Reply) {
      const fake = await startScriptedCronicorn((request) => (request.path === "/auth/get-session" ? getSession : { body: { jobs: [] } }));
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cronicorn-runtime-"));
      const result = loadConfig({ CRONICORN_API_URL: fake.apiUrl, CRONICORN_TOKEN_STORE: "file", CRONICORN_CONFIG_DIR: dir, CRONICORN_NO_BROWSER: "1" });
      if (!result.ok) throw new Error(result.problems.join("; "));
      const record = { access_token: "sliding-session-token-0123456789", expires_at: Date.now() + 60_000, flow: "device" };
      const file = path.join(dir, "credentials.json");
      fs.writeFileSync(
        file,
        JSON.stringify({
          records: { [new URL(fake.apiUrl).origin]: { ...record, token_type: "Bearer", issuer: "x", client_id: "cronicorn-mcp", obtained_at: Date.now() } },
        }),
      );
      const { runtime } = createAuthParts(result.config, silentLogger, ui());
      try {
        const outcome = await runtime.api.request({ method: "GET", path: "/jobs" }).then(
          () => "used",
          (error: unknown) => (error instanceof Error ? error.message : String(error)),
        );
        const saved = (JSON.parse(fs.readFileSync(file, "utf8")) as { records: Record<string, StoredRecord> }).records[new URL(fake.apiUrl).origin];
        return { outcome, expiresAt: saved?.expires_at, original: record.expires_at, asked: fake.requests.map((r) => r.path) };
      } finally {
        await fake.close();
      }
    }

    it("a 401 ends it", async () => {
      const { outcome } = await slideWith({ status: 401, body: { error: "Unauthorized" } });
      expect(outcome).toMatch(/^Your Cronicorn sign-in has ended/);
    });

    it("no session (null) ends it", async () => {
      const { outcome } = await slideWith({ body: null });
      expect(outcome).toMatch(/^Your Cronicorn sign-in has ended/);
    });

    it("a server fault leaves it in use, with its saved expiry", async () => {
      const result = await slideWith({ status: 503, body: { error: "down" } });
      expect(result).toMatchObject({ outcome: "used", asked: ["/auth/get-session", "/jobs"] });
      expect(result.expiresAt).toBe(result.original);
    });

    it("a live session with an expiry extends it; one without keeps the saved expiry", async () => {
      const extended = await slideWith({ body: { user: { id: "u1" }, session: { expiresAt: new Date(later).toISOString() } } });
      expect(extended.outcome).toBe("used");
      expect(extended.expiresAt).toBe(later);
      const kept = await slideWith({ body: { user: { id: "u1" }, session: {} } });
      expect(kept.outcome).toBe("used");
      expect(kept.expiresAt).toBe(kept.original);
    });
  });

  it("answers every API call with a bug of its own when the test seam asks for one", async () => {
    vi.stubEnv("CRONICORN_TEST_INJECT_BUG", "1");
    const runtime = await loadRuntime(configFor(), silentLogger, ui());
    expect(() => runtime.api.request({ method: "GET", path: "/jobs" })).toThrow(TypeError);
    vi.stubEnv("CRONICORN_TEST_INJECT_BUG", "0");
    const plain = await loadRuntime(configFor({ CRONICORN_API_KEY: stand.apiKey }), silentLogger, ui());
    expect(await plain.api.request({ method: "GET", path: "/jobs", response: undefined })).toBeUndefined();
  });
});
