/**
 * doctor's local lines: the credential store (which one opened, how long it took, what it said, and
 * the way out when it fails), the config folder's permissions with the chmod to run, and the saved
 * sign-in's expiry — against real folders and the real file store, with the keychain handed in.
 */
import fs from "node:fs";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { freshly } from "../../helpers/fresh-module.js";
import type * as Stores from "../../../src/auth/store/index.js";
import type * as Keychain from "../../../src/auth/store/keychain.js";
import type { KeytarLike } from "../../../src/auth/store/keychain.js";
import { loadConfig, type Config } from "../../../src/config/config.js";
import type * as LocalChecks from "../../../src/terminal/doctor/store.js";
import { makeRecord, removeTempDirs, tempDir } from "../../helpers/store/harness.js";

type OpenTokenStoreOptions = Stores.OpenTokenStoreOptions;

// A fresh copy of the checks (and of the store modules, whose error classes they test against) for each
// test: the checks' constants are read when the module loads, so a change to them shows only in a copy
// loaded after the change.
let checkConfigFolder: typeof LocalChecks.checkConfigFolder;
let checkSignedIn: typeof LocalChecks.checkSignedIn;
let checkStore: typeof LocalChecks.checkStore;
let openTokenStore: typeof Stores.openTokenStore;
let KeychainError: typeof Keychain.KeychainError;
beforeEach(async () => {
  ({ checkConfigFolder, checkSignedIn, checkStore } = await freshly(() => import("../../../src/terminal/doctor/store.js")));
  ({ openTokenStore } = await import("../../../src/auth/store/index.js"));
  ({ KeychainError } = await import("../../../src/auth/store/keychain.js"));
});
afterEach(removeTempDirs);

const API = "https://cronicorn.com/api";
const ORIGIN = "https://cronicorn.com";

async function configWith(extra: Record<string, string> = {}): Promise<Config> {
  const loaded = loadConfig({ CRONICORN_TOKEN_STORE: "file", CRONICORN_CONFIG_DIR: path.join(await tempDir("doctor-local-"), "cfg"), ...extra });
  if (!loaded.ok) throw new Error(loaded.problems.join("; "));
  return loaded.config;
}

function writeCredentials(config: Config, records: Record<string, unknown>, mode = 0o600): string {
  fs.mkdirSync(config.configDir, { recursive: true, mode: 0o700 });
  const file = path.join(config.configDir, "credentials.json");
  fs.writeFileSync(file, JSON.stringify({ records }), { mode });
  fs.chmodSync(file, mode);
  return file;
}

const withKeychain = (keychain: KeytarLike) => (options: OpenTokenStoreOptions) => openTokenStore({ ...options, loadBackend: async () => keychain });
const never = () => new Promise<never>(() => undefined);
const failing = (message: string): KeytarLike => ({
  getPassword: () => Promise.reject(new Error(message)),
  setPassword: never,
  deletePassword: never,
});

const TIMING = /opened in \d+ ms, read in \d+ ms/;
const KEYCHAIN_FIX =
  "Make the OS keychain reachable by the MCP client (on Linux: a D-Bus session with a Secret Service such as gnome-keyring), or set CRONICORN_TOKEN_STORE=file to keep credentials in the private file without asking the keychain.";

describe("checkStore", () => {
  it("with CRONICORN_API_KEY set, skips the store without opening it", async () => {
    let opened = false;
    const result = await checkStore(await configWith({ CRONICORN_API_KEY: "doctor-key-0123456789" }), async () => {
      opened = true;
      throw new Error("must not open");
    });
    expect(result).toEqual({
      result: { id: "store", title: "credential store", status: "skip", detail: "not used: CRONICORN_API_KEY is set, so no sign-in is saved or read" },
      record: undefined,
    });
    expect(opened).toBe(false);
  });

  it("the file store, private: OK, names the file and the time it took, and hands on the saved record", async () => {
    const config = await configWith({ CRONICORN_API_URL: API });
    const record = makeRecord();
    const file = writeCredentials(config, { [ORIGIN]: record });
    const { result, record: read } = await checkStore(config);
    expect(result).toEqual({ id: "store", title: "credential store", status: "ok", detail: expect.stringMatching(TIMING) });
    expect(result.detail.startsWith(`file ${file}; `)).toBe(true);
    expect(read).toEqual(record);
  });

  it("nothing saved: OK, and the record handed on is null (not signed in), not undefined (not read)", async () => {
    const { result, record } = await checkStore(await configWith());
    expect(result.status).toBe("ok");
    expect(record).toBeNull();
  });

  it("shows what the store said while reading (a credentials file others could read, made private)", async () => {
    const config = await configWith({ CRONICORN_API_URL: API });
    const file = writeCredentials(config, { [ORIGIN]: makeRecord() }, 0o644);
    const { result, record } = await checkStore(config);
    expect(result).toEqual({
      id: "store",
      title: "credential store",
      status: "warn",
      detail: expect.stringMatching(new RegExp(`${TIMING.source}\\. ${file} was readable by other users; made it private \\(0600\\)\\.$`)),
    });
    expect(record).toMatchObject({ access_token: makeRecord().access_token });
  });

  it("shows everything the store said, one sentence after another (a file others could read, with a corrupt record)", async () => {
    const config = await configWith({ CRONICORN_API_URL: API });
    const file = writeCredentials(config, { [ORIGIN]: makeRecord(), "https://other.example": { access_token: 42 } }, 0o644);
    const { result } = await checkStore(config);
    expect(result.status).toBe("warn");
    expect(result.detail).toMatch(
      new RegExp(`${TIMING.source}\\. ${file} was readable by other users; made it private \\(0600\\)\\. Dropped the record for https://other\\.example `),
    );
  });

  it("a keychain that failed in auto mode: says why once (a trailing full stop not doubled), and what the read said too", async () => {
    const config = await configWith({ CRONICORN_TOKEN_STORE: "auto", CRONICORN_API_URL: API, CRONICORN_KEYCHAIN_TIMEOUT_MS: "200" });
    const file = writeCredentials(config, { [ORIGIN]: makeRecord(), "https://other.example": { access_token: 42 } }, 0o644);
    const { result } = await checkStore(config, withKeychain(failing("No D-Bus. Try later.")));
    expect(result).toMatchObject({ id: "store", title: "credential store", status: "warn", fix: KEYCHAIN_FIX });
    expect(result.detail).toMatch(
      new RegExp(
        `\\(OS keychain unavailable\\); ${TIMING.source}\\. Why: the OS keychain failed to look up a test item: No D-Bus\\. Try later\\. ${file} was readable by other users; made it private \\(0600\\)\\. Dropped the record for https://other\\.example `,
      ),
    );
  });

  it("a store that cannot be opened: fails, naming the mode, with the keychain's way out for a keychain failure", async () => {
    const config = await configWith({ CRONICORN_TOKEN_STORE: "keychain", CRONICORN_KEYCHAIN_TIMEOUT_MS: "200" });
    const { result, record } = await checkStore(config, async () => {
      throw new KeychainError("the OS keychain refused");
    });
    expect(result).toEqual({
      id: "store",
      title: "credential store",
      status: "fail",
      detail: "CRONICORN_TOKEN_STORE=keychain: the OS keychain refused",
      fix: KEYCHAIN_FIX,
      ms: expect.any(Number),
    });
    expect(record).toBeUndefined();
  });

  it("a store that cannot be opened for another reason: says the reason with its code, and no keychain advice", async () => {
    const config = await configWith();
    const { result } = await checkStore(config, async () => {
      throw Object.assign(new Error("cannot open the folder"), { code: "EACCES" });
    });
    expect(result).toEqual({
      id: "store",
      title: "credential store",
      status: "fail",
      detail: "CRONICORN_TOKEN_STORE=file: EACCES: cannot open the folder",
      ms: expect.any(Number),
    });
  });

  it("a credentials file that cannot be read fails the line with the file store's own advice, not the keychain's", async () => {
    const config = await configWith();
    fs.mkdirSync(config.configDir, { mode: 0o700 });
    const fifo = path.join(config.configDir, "credentials.json");
    expect(spawnSync("mkfifo", ["-m", "600", fifo]).status).toBe(0);
    const { result, record } = await checkStore(config);
    expect(result).toMatchObject({ id: "store", title: "credential store", status: "fail" });
    expect(result.detail).toMatch(
      new RegExp(`^file ${fifo}; ${TIMING.source}: ${fifo} is not a regular file \\(a FIFO\\), so it cannot hold credentials: move it away`),
    );
    expect(`${result.detail} ${result.fix ?? ""}`).not.toMatch(/keychain/i);
    expect(record).toBeUndefined();
  });

  it("a keychain that answers slowly (over half its timeout): warns, and suggests the file store", async () => {
    const config = await configWith({ CRONICORN_KEYCHAIN_TIMEOUT_MS: "60" });
    const slow = async (options: OpenTokenStoreOptions) => {
      const store = await openTokenStore(options);
      return Object.assign(Object.create(store) as typeof store, {
        read: async (origin: string) => {
          await new Promise((resolve) => setTimeout(resolve, 45));
          return store.read(origin);
        },
      });
    };
    const { result } = await checkStore(config, slow);
    expect(result).toEqual({
      id: "store",
      title: "credential store",
      status: "warn",
      detail: expect.stringMatching(new RegExp(`${TIMING.source}: slow$`)),
      fix: "A keychain that answers slowly delays every first tool call; set CRONICORN_TOKEN_STORE=file if it stays slow.",
    });
  });
});

describe("checkConfigFolder", () => {
  it("a folder that does not exist yet is fine", async () => {
    const config = await configWith();
    expect(await checkConfigFolder(config)).toEqual({
      id: "config-dir",
      title: "config folder",
      status: "ok",
      detail: `${config.configDir} does not exist yet (created, private, at the first sign-in)`,
    });
  });

  it("on Windows, permissions are not read", async () => {
    const config = await configWith();
    fs.mkdirSync(config.configDir, { mode: 0o777 });
    fs.chmodSync(config.configDir, 0o777);
    expect(await checkConfigFolder(config, "win32")).toEqual({
      id: "config-dir",
      title: "config folder",
      status: "ok",
      detail: `${config.configDir} (permissions follow your Windows user profile)`,
    });
  });

  it("private folder, with or without a private credentials file: OK, with the modes", async () => {
    const config = await configWith();
    fs.mkdirSync(config.configDir, { mode: 0o700 });
    expect(await checkConfigFolder(config, "linux")).toEqual({
      id: "config-dir",
      title: "config folder",
      status: "ok",
      detail: `${config.configDir} 0700, no credentials file`,
    });
    writeCredentials(config, {}, 0o600);
    expect(await checkConfigFolder(config, "linux")).toMatchObject({ status: "ok", detail: `${config.configDir} 0700, credentials.json 0600` });
  });

  it("a folder or file others can read fails, with the chmod that fixes each", async () => {
    const config = await configWith();
    const file = writeCredentials(config, {}, 0o644);
    expect(await checkConfigFolder(config, "linux")).toEqual({
      id: "config-dir",
      title: "config folder",
      status: "fail",
      detail: `readable by other users: ${file} is 0644`,
      fix: `Run chmod 600 "${file}".`,
    });
    fs.chmodSync(config.configDir, 0o750);
    expect(await checkConfigFolder(config, "linux")).toMatchObject({
      status: "fail",
      detail: `readable by other users: ${config.configDir} is 0750, ${file} is 0644`,
      fix: `Run chmod 700 "${config.configDir}" && chmod 600 "${file}".`,
    });
    fs.chmodSync(file, 0o600);
    fs.chmodSync(config.configDir, 0o701);
    expect(await checkConfigFolder(config, "linux")).toMatchObject({
      status: "fail",
      detail: `readable by other users: ${config.configDir} is 0701`,
      fix: `Run chmod 700 "${config.configDir}".`,
    });
  });

  it("pads a short mode to three octal digits", async () => {
    const config = await configWith();
    fs.mkdirSync(config.configDir, { mode: 0o700 });
    writeCredentials(config, {}, 0o000);
    expect((await checkConfigFolder(config, "linux")).detail).toBe(`${config.configDir} 0700, credentials.json 0000`);
  });
});

describe("checkSignedIn", () => {
  const now = Date.parse("2026-11-27T12:00:00Z");
  const at = (days: number) => now + days * 86_400_000;

  it("with an API key, no sign-in is needed", async () => {
    const config = await configWith({ CRONICORN_API_KEY: "doctor-key-0123456789" });
    expect(checkSignedIn(config, makeRecord(), now)).toEqual({
      id: "sign-in",
      title: "sign-in",
      status: "ok",
      detail: "CRONICORN_API_KEY is set: requests use the API key, no sign-in needed",
    });
  });

  it("a store that could not be read: not checked; nothing saved: warns with how to sign in", async () => {
    const config = await configWith({ CRONICORN_API_URL: API });
    expect(checkSignedIn(config, undefined, now)).toEqual({
      id: "sign-in",
      title: "sign-in",
      status: "skip",
      detail: "not checked: the credential store could not be read",
    });
    expect(checkSignedIn(config, null, now)).toEqual({
      id: "sign-in",
      title: "sign-in",
      status: "warn",
      detail: `not signed in to ${API}`,
      fix: "Run `cronicorn-mcp login`, or just ask your assistant: the first tool call signs you in.",
    });
  });

  it("names the flow, the expiry and the whole days left, and whether it refreshes", async () => {
    const config = await configWith();
    expect(checkSignedIn(config, makeRecord({ expires_at: at(20.5) }), now)).toEqual({
      id: "sign-in",
      title: "sign-in",
      status: "ok",
      detail: "signed in via device until 2026-12-18T00:00:00.000Z (20 day(s) left); refreshes automatically",
    });
    expect(checkSignedIn(config, makeRecord({ expires_at: at(3), refresh_token: undefined, flow: undefined }), now)).toEqual({
      id: "sign-in",
      title: "sign-in",
      status: "ok",
      detail: "signed in until 2026-11-30T12:00:00.000Z (3 day(s) left)",
    });
  });

  it("warns under three days left without a refresh token", async () => {
    const config = await configWith();
    expect(checkSignedIn(config, makeRecord({ expires_at: at(2.9), refresh_token: undefined }), now)).toEqual({
      id: "sign-in",
      title: "sign-in",
      status: "warn",
      detail: "signed in via device until 2026-11-30T09:36:00.000Z (2 day(s) left)",
      fix: "Run `cronicorn-mcp login --force` before then to avoid an interruption.",
    });
    expect(checkSignedIn(config, makeRecord({ expires_at: at(2.9) }), now).status).toBe("ok");
  });

  it("expired: OK when a refresh token renews it, a failure to sign in again otherwise (expiring now counts)", async () => {
    const config = await configWith();
    expect(checkSignedIn(config, makeRecord({ expires_at: now }), now)).toEqual({
      id: "sign-in",
      title: "sign-in",
      status: "ok",
      detail: "signed in via device; the access token expired at 2026-11-27T12:00:00.000Z and is refreshed on the next call",
    });
    expect(checkSignedIn(config, makeRecord({ expires_at: now, refresh_token: undefined }), now)).toEqual({
      id: "sign-in",
      title: "sign-in",
      status: "fail",
      detail: "the saved sign-in via device expired at 2026-11-27T12:00:00.000Z",
      fix: "Run `cronicorn-mcp login` to sign in again.",
    });
    expect(checkSignedIn(config, makeRecord({ expires_at: now + 1, refresh_token: undefined }), now).status).toBe("warn");
  });
});
