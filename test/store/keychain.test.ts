import { spawn, spawnSync } from "node:child_process";
import { mkdir, stat } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openTokenStore } from "../../src/auth/store/index.js";
import { createKeychainStore, type KeytarLike } from "../../src/auth/store/keychain.js";
import { StoreError } from "../../src/auth/store/types.js";
import { captureLogger, finished, fixtureCommand, makeRecord, removeTempDirs, REPO_ROOT, spawnFixture, tempDir } from "./fixtures/harness.js";

const ORIGIN = "https://cronicorn.com";
const SECOND_ORIGIN = "http://127.0.0.1:4123";
const KEYRING_TOOLS = ["dbus-run-session", "gnome-keyring-daemon", "secret-tool"];

/** A keychain that never answers (a locked or stuck daemon). */
const silentKeytar: KeytarLike = {
  getPassword: () => new Promise(() => undefined),
  setPassword: () => new Promise(() => undefined),
  deletePassword: () => new Promise(() => undefined),
};

/** stdout of `script` run inside a private D-Bus session with an unlocked gnome-keyring, split at "@@name" markers. */
async function inSecretService(script: string, env: Record<string, string>): Promise<Record<string, string>> {
  const missing = KEYRING_TOOLS.filter((tool) => spawnSync("sh", ["-c", `command -v ${tool}`]).status !== 0);
  expect(missing, `${missing.join(", ")} not found: run the project's setup, which installs gnome-keyring, dbus, dbus-x11 and libsecret-tools`).toEqual([]);
  // A throwaway HOME: the keyring lives there, never in the real user's.
  const home = await tempDir("keyring-");
  const runtime = path.join(home, "run");
  await mkdir(runtime, { mode: 0o700 });
  const session = `echo -n pass | gnome-keyring-daemon --unlock --components=secrets >/dev/null\n${script}`;
  const child = spawn("dbus-run-session", ["--", "sh", "-c", session], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: home, XDG_DATA_HOME: path.join(home, "data"), XDG_CONFIG_HOME: path.join(home, "config"), XDG_RUNTIME_DIR: runtime, ...env },
  });
  const { code, stdout, stderr } = await finished(child);
  expect(code, stderr).toBe(0);
  const sections: Record<string, string> = {};
  for (const part of stdout.split("@@").slice(1)) {
    const newline = part.indexOf("\n");
    sections[part.slice(0, newline)] = part.slice(newline + 1).trim();
  }
  return sections;
}

afterEach(removeTempDirs);

describe("keychain store in a real Secret Service", () => {
  it("writes, reads and deletes through real keytar, and the item is really in the keyring", async () => {
    const dir = await tempDir();
    const record = makeRecord();
    const cli = fixtureCommand("store-cli.ts");
    const out = await inSecretService(
      [
        `echo @@write; ${cli} keychain "$DIR" write "$ORIGIN" "$RECORD"`,
        `echo @@lookup; secret-tool lookup service cronicorn-mcp account "$ORIGIN"; echo`,
        `echo @@read; ${cli} keychain "$DIR" read "$ORIGIN"`,
        `echo @@auto; ${cli} auto "$DIR" roundtrip "$SECOND_ORIGIN" "$RECORD"`,
        `echo @@delete; ${cli} keychain "$DIR" delete "$ORIGIN"`,
        `echo @@gone; secret-tool lookup service cronicorn-mcp account "$ORIGIN" || echo "(none)"`,
        `echo @@after; ${cli} keychain "$DIR" read "$ORIGIN"`,
      ].join("\n"),
      { DIR: dir, ORIGIN, SECOND_ORIGIN, RECORD: JSON.stringify(record) },
    );
    expect(JSON.parse(out.write ?? "")).toMatchObject({ kind: "keychain", result: "written" });
    expect(JSON.parse(out.lookup ?? "")).toEqual(record);
    expect(JSON.parse(out.read ?? "")).toMatchObject({ result: record });
    // openTokenStore in auto mode finds the keychain working and keeps the file out of it.
    expect(JSON.parse(out.auto ?? "")).toEqual({ kind: "keychain", describe: expect.stringContaining("Secret Service"), result: record });
    await expect(stat(path.join(dir, "credentials.json"))).rejects.toThrow(/ENOENT/);
    expect(JSON.parse(out.delete ?? "")).toMatchObject({ result: true });
    expect(out.gone).toBe("(none)");
    expect(JSON.parse(out.after ?? "")).toMatchObject({ result: null });
  });
});

describe("auto mode without a usable keychain", () => {
  it("falls back to the file store when no D-Bus is reachable, says so once on stderr, and a write and read work", async () => {
    const dir = await tempDir();
    const record = makeRecord({ access_token: "no-dbus-access-token", refresh_token: "no-dbus-refresh-token" });
    const { DBUS_SESSION_BUS_ADDRESS: _bus, DISPLAY: _display, WAYLAND_DISPLAY: _wayland, ...env } = process.env;
    const child = spawnFixture("store-cli.ts", ["auto", dir, "roundtrip", ORIGIN, JSON.stringify(record)], { ...env, HOME: dir });
    const { code, stdout, stderr } = await finished(child);
    expect(code, stderr).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ kind: "file", describe: expect.stringContaining("credentials.json (OS keychain unavailable)"), result: record });
    const notices = stderr.split("\n").filter((line) => line.includes("keychain"));
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatch(/warn: Credentials are kept in file .*credentials\.json, readable only by you, because the OS keychain failed .*D-Bus.*CRONICORN_TOKEN_STORE=file/);
    expect(stderr).not.toContain("no-dbus-access-token");
    expect((await stat(path.join(dir, "credentials.json"))).mode & 0o777).toBe(0o600);
  });

  it("falls back to the file within the timeout when the keychain never answers", async () => {
    const dir = await tempDir();
    const logger = captureLogger();
    const store = await openTokenStore({ mode: "auto", dir, timeoutMs: 200, logger, loadKeytar: async () => silentKeytar });
    expect(store.kind).toBe("file");
    expect(logger.warnings()).toEqual([expect.stringMatching(/did not answer within 200 ms/)]);
    await store.write(ORIGIN, makeRecord());
    expect(await store.read(ORIGIN)).toEqual(makeRecord());
    expect(logger.warnings()).toHaveLength(1);
  });

  it("falls back when loading keytar never finishes", async () => {
    const store = await openTokenStore({ mode: "auto", dir: await tempDir(), timeoutMs: 200, logger: captureLogger(), loadKeytar: () => new Promise(() => undefined) });
    expect(store.kind).toBe("file");
  });

  it("falls back, saying keytar is not installed, when the optional module is missing", async () => {
    const logger = captureLogger();
    const missing = Object.assign(new Error("Cannot find package 'keytar'"), { code: "ERR_MODULE_NOT_FOUND" });
    const store = await openTokenStore({ mode: "auto", dir: await tempDir(), timeoutMs: 200, logger, loadKeytar: () => Promise.reject(missing) });
    expect(store.kind).toBe("file");
    expect(logger.warnings()[0]).toMatch(/keytar, an optional dependency, is not installed/);
  });

  it("in keychain mode surfaces a StoreError instead of falling back when the keychain never answers", async () => {
    const options = { mode: "keychain" as const, dir: await tempDir(), timeoutMs: 200, logger: captureLogger(), loadKeytar: async () => silentKeytar };
    const error = await openTokenStore(options).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as Error).message).toMatch(/OS keychain did not answer within 200 ms.*CRONICORN_TOKEN_STORE=file/);
  });

  it("in keychain mode surfaces a keychain that rejects, such as no D-Bus session", async () => {
    const noBus: KeytarLike = { ...silentKeytar, getPassword: () => Promise.reject(new Error("Cannot autolaunch D-Bus without X11 $DISPLAY")) };
    await expect(openTokenStore({ mode: "keychain", dir: await tempDir(), timeoutMs: 200, logger: captureLogger(), loadKeytar: async () => noBus })).rejects.toThrow(
      /OS keychain failed to look up a test item: Cannot autolaunch D-Bus/,
    );
  });

  it("in file mode never loads keytar", async () => {
    let loads = 0;
    const store = await openTokenStore({ mode: "file", dir: await tempDir(), timeoutMs: 200, logger: captureLogger(), loadKeytar: async () => (loads++, silentKeytar) });
    expect(store.kind).toBe("file");
    expect(store.describe()).toMatch(/^file .*credentials\.json$/);
    expect(loads).toBe(0);
  });
});

describe("keychain store", () => {
  it("puts every call under the timeout", async () => {
    const store = createKeychainStore({ timeoutMs: 100, logger: captureLogger(), loadKeytar: async () => silentKeytar });
    await expect(store.read(ORIGIN)).rejects.toThrow(StoreError);
    await expect(store.write(ORIGIN, makeRecord())).rejects.toThrow(StoreError);
    await expect(store.delete(ORIGIN)).rejects.toThrow(StoreError);
  });
});
