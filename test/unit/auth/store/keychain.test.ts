import path from "node:path";
import { stat } from "node:fs/promises";
import { afterEach, describe, expect, it } from "vitest";
import { openTokenStore } from "../../../../src/auth/store/index.js";
import {
  createKeychainStore,
  KEYCHAIN_SERVICE,
  loadDefaultBackend,
  type KeychainBackend,
  type KeytarLike,
  loadKeytarModule,
  loadNapiKeyringModule,
} from "../../../../src/auth/store/keychain.js";
import { StoreError } from "../../../../src/auth/store/types.js";
import { captureLogger, finished, makeRecord, removeTempDirs, spawnFixture, tempDir } from "../../../helpers/store/harness.js";
import { startSilentBus } from "../../../helpers/store/silent-bus.js";
import { until } from "../../../helpers/until.js";

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
    expect(notices[0]).toMatch(
      /warn: Credentials are kept in file .*credentials\.json, readable only by you, because the OS keychain failed .*(D-Bus|DBus).*CRONICORN_TOKEN_STORE=file/,
    );
    expect(stderr).not.toContain("no-dbus-access-token");
    expect((await stat(path.join(dir, "credentials.json"))).mode & 0o777).toBe(0o600);
  });

  it("falls back to the file within the timeout when the D-Bus accepts and never answers, and leaves nothing connected to it", async () => {
    const bus = await startSilentBus();
    const dir = await tempDir();
    const record = makeRecord({ access_token: "silent-bus-access-token" });
    const { DISPLAY: _display, WAYLAND_DISPLAY: _wayland, ...env } = process.env;
    const child = spawnFixture("store-cli.ts", ["auto", dir, "roundtrip", ORIGIN, JSON.stringify(record), "1000"], {
      ...env,
      HOME: dir,
      DBUS_SESSION_BUS_ADDRESS: bus.address,
    });
    // The keyring's D-Bus connect blocks the thread that makes it: today that is the fixture's only one.
    const stuck = setTimeout(() => child.kill("SIGKILL"), 20_000);
    try {
      const { code, stdout, stderr } = await finished(child);
      expect(code, stderr).toBe(0);
      expect(bus.accepted()).toBeGreaterThan(0); // the keychain really was asked
      expect(JSON.parse(stdout)).toEqual({ kind: "file", describe: expect.stringContaining("credentials.json (OS keychain not answering)"), result: record });
      expect(stderr).toMatch(/warn: Credentials are kept in file .*because the OS keychain did not answer within 1000 ms/);
      await until(() => bus.open() === 0);
    } finally {
      clearTimeout(stuck);
      await bus.close();
    }
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
    const store = await openTokenStore({
      mode: "auto",
      dir: await tempDir(),
      timeoutMs: 200,
      logger: captureLogger(),
      loadBackend: () => new Promise(() => undefined),
    });
    expect(store.kind).toBe("file");
  });

  it("falls back, naming both modules, when neither @napi-rs/keyring nor keytar can be loaded", async () => {
    const logger = captureLogger();
    const missing = Object.assign(new Error("Cannot find package 'keytar'"), { code: "ERR_MODULE_NOT_FOUND" });
    const noBinary = new Error("Cannot find native binding.");
    const loadBackend = () => loadDefaultBackend({ keyring: () => Promise.reject(noBinary), keytar: () => Promise.reject(missing) });
    const store = await openTokenStore({ mode: "auto", dir: await tempDir(), timeoutMs: 200, logger, loadBackend });
    expect(store.kind).toBe("file");
    expect(logger.warnings()[0]).toMatch(
      /the OS keychain is not available: @napi-rs\/keyring could not be loaded \(Cannot find native binding\.\), and keytar is not installed either/,
    );
  });

  it("in keychain mode surfaces a StoreError instead of falling back when the keychain never answers", async () => {
    const options = { mode: "keychain" as const, dir: await tempDir(), timeoutMs: 200, logger: captureLogger(), loadBackend: async () => silentKeytar };
    const error = await openTokenStore(options).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as Error).message).toMatch(/OS keychain did not answer within 200 ms.*CRONICORN_TOKEN_STORE=file/);
  });

  it("in keychain mode surfaces a keychain that rejects, such as no D-Bus session", async () => {
    const noBus: KeytarLike = { ...silentKeytar, getPassword: () => Promise.reject(new Error("Cannot autolaunch D-Bus without X11 $DISPLAY")) };
    await expect(
      openTokenStore({ mode: "keychain", dir: await tempDir(), timeoutMs: 200, logger: captureLogger(), loadBackend: async () => noBus }),
    ).rejects.toThrow(/OS keychain failed to look up a test item: Cannot autolaunch D-Bus/);
  });

  it("in file mode never loads keytar", async () => {
    let loads = 0;
    const store = await openTokenStore({
      mode: "file",
      dir: await tempDir(),
      timeoutMs: 200,
      logger: captureLogger(),
      loadBackend: async () => (loads++, silentKeytar),
    });
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
    const store = createKeychainStore({
      timeoutMs: 100,
      logger: captureLogger(),
      loadBackend: async () => current.backend,
      loadLegacy: async () => silentKeytar,
    });
    expect(await store.read(ORIGIN)).toBeNull();
  });

  it("does not ask keytar twice when keytar is the backend", async () => {
    const old = memoryKeychain("keytar");
    let legacyLoads = 0;
    const store = createKeychainStore({
      timeoutMs: 500,
      logger: captureLogger(),
      loadBackend: async () => old.backend,
      loadLegacy: async () => (legacyLoads++, old.backend),
    });
    expect(await store.read(ORIGIN)).toBeNull();
    expect(legacyLoads).toBe(0);
  });
});

/**
 * The keychain store at the edges the other keychain tests leave open: loading each backend module
 * (handed in, so no keyring is ever asked), the cause a StoreError keeps, and the exact messages and
 * results of moving, skipping and deleting items that earlier versions saved with keytar.
 */
describe("keychain store at its edges", () => {
  const ORIGIN = "https://cronicorn.com";
  const KEY = `${KEYCHAIN_SERVICE}/${ORIGIN}`;
  const FIX = "Unlock the keychain, or set CRONICORN_TOKEN_STORE=file to keep credentials in a private file instead.";

  type Op = "get" | "set" | "delete";

  /** An in-memory keychain whose operations can be made to reject, or never to answer, one kind at a time. */
  function memoryKeychain() {
    const items = new Map<string, string>();
    const failing: Partial<Record<Op, "reject" | "hang">> = {};
    const guard = (op: Op): Promise<void> => {
      if (failing[op] === "hang") return new Promise(() => undefined);
      if (failing[op] === "reject") return Promise.reject(new Error(`locked (${op})`));
      return Promise.resolve();
    };
    const keytar: KeytarLike = {
      getPassword: (s, a) => guard("get").then(() => items.get(`${s}/${a}`) ?? null),
      setPassword: (s, a, p) => guard("set").then(() => void items.set(`${s}/${a}`, p)),
      deletePassword: (s, a) => guard("delete").then(() => items.delete(`${s}/${a}`)),
    };
    return { keytar, items, failing };
  }

  const keytarFunctions = (): KeytarLike => ({ getPassword: async () => null, setPassword: async () => undefined, deletePassword: async () => false });

  describe("loading keytar", () => {
    it("takes keytar's functions from the CommonJS default export", async () => {
      const functions = keytarFunctions();
      const backend = await loadKeytarModule(async () => ({ default: functions }));
      expect(backend).toEqual({ name: "keytar", ...functions });
      expect(backend.getPassword).toBe(functions.getPassword);
      expect(backend.setPassword).toBe(functions.setPassword);
      expect(backend.deletePassword).toBe(functions.deletePassword);
    });

    it("takes them from the module itself when it has no default export", async () => {
      const functions = keytarFunctions();
      const backend = await loadKeytarModule(async () => functions);
      expect(backend.name).toBe("keytar");
      expect(backend.getPassword).toBe(functions.getPassword);
    });

    it.each(["getPassword", "setPassword", "deletePassword"] as const)("refuses a keytar module without %s", async (missing) => {
      const { [missing]: _gone, ...rest } = keytarFunctions();
      await expect(loadKeytarModule(async () => ({ default: rest }))).rejects.toThrow(new Error("the keytar module does not have the expected functions"));
    });

    // The project does not install keytar (an optional peer, for users); test/e2e loads the real one by path.
    it("imports keytar by its package name, which this project does not install", async () => {
      await expect(loadKeytarModule()).rejects.toThrow(/\bkeytar\b/);
    });
  });

  /** A stand-in for @napi-rs/keyring's module: an AsyncEntry class over a Map, recording how each entry was opened. */
  function fakeKeyringModule() {
    const items = new Map<string, string>();
    const opened: unknown[][] = [];
    class AsyncEntry {
      private readonly key: string;
      constructor(service: string, account: string, options?: unknown) {
        opened.push([service, account, options]);
        this.key = `${service}/${account}`;
      }
      async getPassword() {
        return items.get(this.key) ?? null;
      }
      async setPassword(password: string) {
        items.set(this.key, password);
      }
      async deletePassword() {
        return items.delete(this.key);
      }
    }
    return { AsyncEntry, items, opened };
  }

  describe("loading @napi-rs/keyring", () => {
    it("opens every entry in the Secret Service, never the kernel keyring, and passes each call through", async () => {
      const keyring = fakeKeyringModule();
      const backend = await loadNapiKeyringModule(async () => ({ AsyncEntry: keyring.AsyncEntry }));
      expect(backend.name).toBe("@napi-rs/keyring");
      await backend.setPassword("service-a", "account-a", "secret-a");
      expect(keyring.items.get("service-a/account-a")).toBe("secret-a");
      expect(await backend.getPassword("service-a", "account-a")).toBe("secret-a");
      expect(await backend.deletePassword("service-a", "account-a")).toBe(true);
      expect(await backend.getPassword("service-a", "account-a")).toBeNull();
      expect(keyring.opened).toEqual(Array(4).fill(["service-a", "account-a", { linux: { store: "secret-service" } }]));
    });

    it("finds AsyncEntry on the default export too", async () => {
      const keyring = fakeKeyringModule();
      const backend = await loadNapiKeyringModule(async () => ({ default: { AsyncEntry: keyring.AsyncEntry } }));
      await backend.setPassword("service-b", "account-b", "secret-b");
      expect(keyring.items.get("service-b/account-b")).toBe("secret-b");
    });

    it("refuses a module without AsyncEntry", async () => {
      await expect(loadNapiKeyringModule(async () => ({ Entry: fakeKeyringModule().AsyncEntry }))).rejects.toThrow(
        new Error("the @napi-rs/keyring module does not have AsyncEntry"),
      );
    });

    it("turns an entry that cannot be opened into a rejected call, not a failed load", async () => {
      const noBus = new Error("Cannot autolaunch D-Bus without X11 $DISPLAY");
      class AsyncEntry {
        constructor() {
          throw noBus;
        }
      }
      const backend = await loadNapiKeyringModule(async () => ({ AsyncEntry }));
      await expect(backend.getPassword("service-c", "account-c")).rejects.toBe(noBus);
    });

    it("loads the installed module, and makes it the default backend, without asking the keychain anything", async () => {
      expect((await loadNapiKeyringModule()).name).toBe("@napi-rs/keyring");
      expect((await loadDefaultBackend()).name).toBe("@napi-rs/keyring");
    });
  });

  describe("what a keychain failure keeps as its cause", () => {
    it("a backend that cannot load gives a StoreError caused by the loader's error", async () => {
      const noBus = new Error("no D-Bus session");
      const store = createKeychainStore({ timeoutMs: 2000, logger: captureLogger(), loadBackend: () => Promise.reject(noBus) });
      const error: unknown = await store.probe().catch((err: unknown) => err);
      expect(error).toBeInstanceOf(StoreError);
      expect((error as StoreError).cause).toBe(noBus);
    });

    it("neither module loading gives an error caused by keytar's", async () => {
      const keytarError = new Error("bad ABI");
      const error: unknown = await loadDefaultBackend({ keyring: () => Promise.reject(new Error("bad ELF")), keytar: () => Promise.reject(keytarError) }).catch(
        (err: unknown) => err,
      );
      expect((error as Error).message).toBe("@napi-rs/keyring could not be loaded (bad ELF), and keytar could not be loaded either (bad ABI)");
      expect((error as Error).cause).toBe(keytarError);
    });
  });

  describe("items of earlier versions (keytar), read", () => {
    it("with no keytar to ask, a missing item reads as signed out and logs nothing", async () => {
      const current = memoryKeychain();
      const logger = captureLogger();
      const store = createKeychainStore({ timeoutMs: 2000, logger, loadBackend: async () => current.keytar });
      expect(await store.read(ORIGIN)).toBeNull();
      expect(logger.lines).toEqual([]);
    });

    it("when keytar has no item either, nothing is written, moved or logged", async () => {
      const current = memoryKeychain();
      const old = memoryKeychain();
      const logger = captureLogger();
      const store = createKeychainStore({ timeoutMs: 2000, logger, loadBackend: async () => current.keytar, loadLegacy: async () => old.keytar });
      expect(await store.read(ORIGIN)).toBeNull();
      expect(current.items.size).toBe(0);
      expect(logger.lines).toEqual([]);
    });

    it("a keytar item that does not answer in time is skipped, with a debug line naming the read and the wait", async () => {
      const current = memoryKeychain();
      const old = memoryKeychain();
      old.failing.get = "hang";
      const logger = captureLogger();
      const store = createKeychainStore({ timeoutMs: 30, logger, loadBackend: async () => current.keytar, loadLegacy: async () => old.keytar });
      expect(await store.read(ORIGIN)).toBeNull();
      expect(logger.lines).toEqual([
        {
          level: "debug",
          message: `Could not look for an older keytar item for ${ORIGIN}: The OS keychain did not answer within 30 ms while trying to read the older keytar item for ${ORIGIN}; it may be locked or stuck. ${FIX}`,
        },
      ]);
    });

    it("a keytar item the backend refuses to save is still used and kept, and the warning names the save", async () => {
      const current = memoryKeychain();
      current.failing.set = "reject";
      const old = memoryKeychain();
      old.items.set(KEY, JSON.stringify(makeRecord()));
      const logger = captureLogger();
      const store = createKeychainStore({ timeoutMs: 2000, logger, loadBackend: async () => current.keytar, loadLegacy: async () => old.keytar });
      expect(await store.read(ORIGIN)).toEqual(makeRecord());
      expect(old.items.has(KEY)).toBe(true);
      expect(logger.warnings()).toEqual([
        `Using the keychain item for ${ORIGIN} that an earlier version saved with keytar; moving it failed (The OS keychain failed to save the credentials for ${ORIGIN}: locked (set). ${FIX}) and will be tried again.`,
      ]);
    });

    it("a keytar item whose removal does not answer in time is still used, and the warning names the removal", async () => {
      const current = memoryKeychain();
      const old = memoryKeychain();
      old.items.set(KEY, JSON.stringify(makeRecord()));
      old.failing.delete = "hang";
      const logger = captureLogger();
      const store = createKeychainStore({ timeoutMs: 30, logger, loadBackend: async () => current.keytar, loadLegacy: async () => old.keytar });
      expect(await store.read(ORIGIN)).toEqual(makeRecord());
      expect(current.items.get(KEY)).toBe(JSON.stringify(makeRecord()));
      expect(logger.warnings()).toEqual([
        `Using the keychain item for ${ORIGIN} that an earlier version saved with keytar; moving it failed (The OS keychain did not answer within 30 ms while trying to remove the older keytar item for ${ORIGIN}; it may be locked or stuck. ${FIX}) and will be tried again.`,
      ]);
    });
  });

  describe("a corrupt item", () => {
    it("whose copy is kept but which cannot be removed reads as signed out, and the warning names the removal", async () => {
      const current = memoryKeychain();
      current.items.set(KEY, "{not json");
      current.failing.delete = "reject";
      const logger = captureLogger();
      const store = createKeychainStore({ timeoutMs: 2000, logger, loadBackend: async () => current.keytar });
      expect(await store.read(ORIGIN)).toBeNull();
      expect(current.items.get(KEY)).toBe("{not json");
      expect(logger.warnings()).toEqual([
        `The OS keychain item for ${ORIGIN} is corrupt (not valid JSON) and could not be moved aside (The OS keychain failed to remove the corrupt item for ${ORIGIN}: locked (delete). ${FIX}). You are signed out of ${ORIGIN}: sign in again.`,
      ]);
    });
  });

  describe("sign-out", () => {
    it("reports nothing removed when the item is nowhere and there is no keytar to ask", async () => {
      const store = createKeychainStore({ timeoutMs: 2000, logger: captureLogger(), loadBackend: async () => memoryKeychain().keytar });
      expect(await store.delete(ORIGIN)).toBe(false);
    });

    it("reports nothing removed when the backend had nothing and keytar fails to delete", async () => {
      const old = memoryKeychain();
      old.failing.delete = "reject";
      const store = createKeychainStore({
        timeoutMs: 2000,
        logger: captureLogger(),
        loadBackend: async () => memoryKeychain().keytar,
        loadLegacy: async () => old.keytar,
      });
      expect(await store.delete(ORIGIN)).toBe(false);
    });
  });
});
