import { stat } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openTokenStore } from "../../src/auth/store/index.js";
import { createKeychainStore, KEYCHAIN_SERVICE, loadDefaultBackend, type KeychainBackend, type KeytarLike } from "../../src/auth/store/keychain.js";
import { StoreError } from "../../src/auth/store/types.js";
import { captureLogger, finished, makeRecord, removeTempDirs, spawnFixture, tempDir } from "./fixtures/harness.js";

const ORIGIN = "https://cronicorn.com";

/** A keychain that never answers (a locked or stuck daemon). */
const silentKeytar: KeytarLike = {
  getPassword: () => new Promise(() => undefined),
  setPassword: () => new Promise(() => undefined),
  deletePassword: () => new Promise(() => undefined),
};

afterEach(removeTempDirs);

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
    expect(notices[0]).toMatch(/warn: Credentials are kept in file .*credentials\.json, readable only by you, because the OS keychain failed .*(D-Bus|DBus).*CRONICORN_TOKEN_STORE=file/);
    expect(stderr).not.toContain("no-dbus-access-token");
    expect((await stat(path.join(dir, "credentials.json"))).mode & 0o777).toBe(0o600);
  });

  it("falls back to the file within the timeout when the keychain never answers", async () => {
    const dir = await tempDir();
    const logger = captureLogger();
    const store = await openTokenStore({ mode: "auto", dir, timeoutMs: 200, logger, loadBackend: async () => silentKeytar });
    expect(store.kind).toBe("file");
    expect(logger.warnings()).toEqual([expect.stringMatching(/did not answer within 200 ms/)]);
    await store.write(ORIGIN, makeRecord());
    expect(await store.read(ORIGIN)).toEqual(makeRecord());
    expect(logger.warnings()).toHaveLength(1);
  });

  it("falls back when loading the keychain module never finishes", async () => {
    const store = await openTokenStore({ mode: "auto", dir: await tempDir(), timeoutMs: 200, logger: captureLogger(), loadBackend: () => new Promise(() => undefined) });
    expect(store.kind).toBe("file");
  });

  it("falls back, naming both modules, when neither @napi-rs/keyring nor keytar can be loaded", async () => {
    const logger = captureLogger();
    const missing = Object.assign(new Error("Cannot find package 'keytar'"), { code: "ERR_MODULE_NOT_FOUND" });
    const noBinary = new Error("Cannot find native binding.");
    const loadBackend = () => loadDefaultBackend({ keyring: () => Promise.reject(noBinary), keytar: () => Promise.reject(missing) });
    const store = await openTokenStore({ mode: "auto", dir: await tempDir(), timeoutMs: 200, logger, loadBackend });
    expect(store.kind).toBe("file");
    expect(logger.warnings()[0]).toMatch(/the OS keychain is not available: @napi-rs\/keyring could not be loaded \(Cannot find native binding\.\), and keytar is not installed either/);
  });

  it("in keychain mode surfaces a StoreError instead of falling back when the keychain never answers", async () => {
    const options = { mode: "keychain" as const, dir: await tempDir(), timeoutMs: 200, logger: captureLogger(), loadBackend: async () => silentKeytar };
    const error = await openTokenStore(options).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as Error).message).toMatch(/OS keychain did not answer within 200 ms.*CRONICORN_TOKEN_STORE=file/);
  });

  it("in keychain mode surfaces a keychain that rejects, such as no D-Bus session", async () => {
    const noBus: KeytarLike = { ...silentKeytar, getPassword: () => Promise.reject(new Error("Cannot autolaunch D-Bus without X11 $DISPLAY")) };
    await expect(openTokenStore({ mode: "keychain", dir: await tempDir(), timeoutMs: 200, logger: captureLogger(), loadBackend: async () => noBus })).rejects.toThrow(
      /OS keychain failed to look up a test item: Cannot autolaunch D-Bus/,
    );
  });

  it("in file mode never loads keytar", async () => {
    let loads = 0;
    const store = await openTokenStore({ mode: "file", dir: await tempDir(), timeoutMs: 200, logger: captureLogger(), loadBackend: async () => (loads++, silentKeytar) });
    expect(store.kind).toBe("file");
    expect(store.describe()).toMatch(/^file .*credentials\.json$/);
    expect(loads).toBe(0);
  });
});

describe("keychain store", () => {
  it("puts every call under the timeout", async () => {
    const store = createKeychainStore({ timeoutMs: 100, logger: captureLogger(), loadBackend: async () => silentKeytar });
    await expect(store.read(ORIGIN)).rejects.toThrow(StoreError);
    await expect(store.write(ORIGIN, makeRecord())).rejects.toThrow(StoreError);
    await expect(store.delete(ORIGIN)).rejects.toThrow(StoreError);
  });
});

/** An in-memory keychain in keytar's shape. */
function memoryKeychain(name: string) {
  const items = new Map<string, string>();
  const state = { failWrites: false };
  const backend: KeychainBackend = {
    name,
    getPassword: async (service, account) => items.get(`${service}/${account}`) ?? null,
    setPassword: async (service, account, password) => {
      if (state.failWrites) throw new Error("The collection is locked");
      items.set(`${service}/${account}`, password);
    },
    deletePassword: async (service, account) => items.delete(`${service}/${account}`),
  };
  return { backend, items, state };
}

describe("choosing the keychain backend", () => {
  it("uses @napi-rs/keyring when it loads, and keytar only when it does not", async () => {
    const keyring = memoryKeychain("@napi-rs/keyring");
    const keytar = memoryKeychain("keytar");
    expect((await loadDefaultBackend({ keyring: async () => keyring.backend, keytar: async () => keytar.backend })).name).toBe("@napi-rs/keyring");
    const fallback = await loadDefaultBackend({ keyring: () => Promise.reject(new Error("Cannot find native binding.")), keytar: async () => keytar.backend });
    expect(fallback.name).toBe("keytar");
  });
});

describe("items of earlier versions (keytar)", () => {
  const key = `${KEYCHAIN_SERVICE}/${ORIGIN}`;

  it("moves the keytar item into the backend on the first read and deletes the old one", async () => {
    const current = memoryKeychain("@napi-rs/keyring");
    const old = memoryKeychain("keytar");
    old.items.set(key, JSON.stringify(makeRecord()));
    const logger = captureLogger();
    const store = createKeychainStore({ timeoutMs: 500, logger, loadBackend: async () => current.backend, loadLegacy: async () => old.backend });
    expect(await store.read(ORIGIN)).toEqual(makeRecord());
    expect(JSON.parse(current.items.get(key) ?? "null")).toEqual(makeRecord());
    expect(old.items.has(key)).toBe(false);
    expect(logger.lines.map((l) => l.message)).toContainEqual(expect.stringMatching(/Moved the keychain item .* saved with keytar/));
  });

  it("keeps the keytar item, and still signs in with it, when writing to the backend fails", async () => {
    const current = memoryKeychain("@napi-rs/keyring");
    current.state.failWrites = true;
    const old = memoryKeychain("keytar");
    old.items.set(key, JSON.stringify(makeRecord()));
    const logger = captureLogger();
    const store = createKeychainStore({ timeoutMs: 500, logger, loadBackend: async () => current.backend, loadLegacy: async () => old.backend });
    expect(await store.read(ORIGIN)).toEqual(makeRecord());
    expect(old.items.has(key)).toBe(true);
    expect(logger.warnings()).toEqual([expect.stringMatching(/moving it failed .*The collection is locked.* tried again/)]);
  });

  it("reads as signed out within the deadline when keytar never answers", async () => {
    const current = memoryKeychain("@napi-rs/keyring");
    const store = createKeychainStore({ timeoutMs: 100, logger: captureLogger(), loadBackend: async () => current.backend, loadLegacy: async () => silentKeytar });
    expect(await store.read(ORIGIN)).toBeNull();
  });

  it("does not ask keytar twice when keytar is the backend", async () => {
    const old = memoryKeychain("keytar");
    let legacyLoads = 0;
    const store = createKeychainStore({ timeoutMs: 500, logger: captureLogger(), loadBackend: async () => old.backend, loadLegacy: async () => (legacyLoads++, old.backend) });
    expect(await store.read(ORIGIN)).toBeNull();
    expect(legacyLoads).toBe(0);
  });
});
