import path from "node:path";
import os from "node:os";
import { mkdir, readFile, writeFile, mkdtemp, rm } from "node:fs/promises";
import { afterEach, describe, expect, it } from "vitest";
import { openTokenStore, type StoreMode } from "../../../../src/auth/store/index.js";
import { createFileStore } from "../../../../src/auth/store/file.js";
import { createKeychainStore, KEYCHAIN_SERVICE, type KeytarLike, loadDefaultBackend } from "../../../../src/auth/store/keychain.js";
import { captureLogger, makeRecord, removeTempDirs, tempDir } from "../../../helpers/store/harness.js";
import { StoreError } from "../../../../src/auth/store/types.js";
import type { KeychainBackend } from "../../../../src/auth/store/keychain.js";

const ORIGIN = "https://cronicorn.com";

/** An in-memory keychain that can be made to fail, as a locked keyring would. */
function memoryKeytar() {
  const items = new Map<string, string>();
  const state = { failing: false };
  const guard = () => {
    if (state.failing) throw new Error("The name org.freedesktop.secrets was not provided by any .service files");
  };
  const keytar: KeytarLike = {
    getPassword: async (service, account) => (guard(), items.get(`${service}/${account}`) ?? null),
    setPassword: async (service, account, password) => void (guard(), items.set(`${service}/${account}`, password)),
    deletePassword: async (service, account) => (guard(), items.delete(`${service}/${account}`)),
  };
  return { keytar, items, state };
}

async function openAuto() {
  const dir = await tempDir();
  const logger = captureLogger();
  const keychain = memoryKeytar();
  const store = await openTokenStore({ mode: "auto", dir, timeoutMs: 500, logger, loadBackend: async () => keychain.keytar });
  const file = createFileStore({ dir, logger: captureLogger() });
  return { dir, logger, keychain, store, file };
}

const officialFile = JSON.stringify({ access_token: "official-access-123", refresh_token: "", expires_at: 1_900_000_000 });

afterEach(removeTempDirs);

describe("openTokenStore in auto mode with a working keychain", () => {
  it("writes to the keychain, not the file, and says which store is in use", async () => {
    const { dir, keychain, store, logger } = await openAuto();
    await store.write(ORIGIN, makeRecord());
    expect(store.kind).toBe("keychain");
    expect(store.describe()).toMatch(/^OS keychain \(.*\), then file .*credentials\.json$/);
    expect(JSON.parse(keychain.items.get(`${KEYCHAIN_SERVICE}/${ORIGIN}`) ?? "")).toEqual(makeRecord());
    await expect(readFile(path.join(dir, "credentials.json"))).rejects.toThrow(/ENOENT/);
    expect(await store.read(ORIGIN)).toEqual(makeRecord());
    expect(logger.warnings()).toEqual([]);
  });

  it("still finds a record the official server left in the file", async () => {
    const { dir, store } = await openAuto();
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, "credentials.json"), officialFile);
    expect((await store.read(ORIGIN))?.access_token).toBe("official-access-123");
  });

  it("removes our older copy from the file on a keychain write, but keeps the official server's record", async () => {
    const { dir, store, file } = await openAuto();
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, "credentials.json"), officialFile);
    await file.write(ORIGIN, makeRecord({ access_token: "older-file-access" }));
    await store.write(ORIGIN, makeRecord());
    expect(await file.read(ORIGIN, { legacy: false })).toBeNull();
    expect((await file.read(ORIGIN))?.access_token).toBe("official-access-123");
  });

  it("writes to the file with a warning when the keychain fails later, and reads that write back", async () => {
    const { keychain, store, file, logger } = await openAuto();
    await store.write(ORIGIN, makeRecord({ access_token: "first-access-token", obtained_at: 1 }));
    keychain.state.failing = true;
    await store.write(ORIGIN, makeRecord({ access_token: "second-access-token", obtained_at: 2 }));
    expect((await file.read(ORIGIN))?.access_token).toBe("second-access-token");
    expect(logger.warnings()[0]).toMatch(/OS keychain failed to save .*Using the file .* for this write/);
    expect((await store.read(ORIGIN))?.access_token).toBe("second-access-token");
    // Back again, the keychain still holds the older record: the newer one in the file wins.
    keychain.state.failing = false;
    expect((await store.read(ORIGIN))?.access_token).toBe("second-access-token");
  });

  it("deletes from both the keychain and the file, the official record included", async () => {
    const { dir, keychain, store } = await openAuto();
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, "credentials.json"), officialFile);
    await store.write(ORIGIN, makeRecord());
    expect(await store.delete(ORIGIN)).toBe(true);
    expect(keychain.items.size).toBe(0);
    expect(await store.read(ORIGIN)).toBeNull();
  });

  it("probes the keychain once, not on every call", async () => {
    const dir = await tempDir();
    let loads = 0;
    const keychain = memoryKeytar();
    const store = await openTokenStore({ mode: "auto", dir, timeoutMs: 500, logger: captureLogger(), loadBackend: async () => (loads++, keychain.keytar) });
    await store.write(ORIGIN, makeRecord());
    await store.read(ORIGIN);
    expect(loads).toBe(1);
  });
});

describe("keychain store with a corrupt item", () => {
  it("keeps the item under another account, warns, and reads as signed out", async () => {
    const keychain = memoryKeytar();
    keychain.items.set(`${KEYCHAIN_SERVICE}/${ORIGIN}`, "{not json");
    const logger = captureLogger();
    const store = createKeychainStore({ timeoutMs: 500, logger, loadBackend: async () => keychain.keytar });
    expect(await store.read(ORIGIN)).toBeNull();
    expect([...keychain.items.entries()]).toEqual([[expect.stringMatching(/^cronicorn-mcp\/https:\/\/cronicorn\.com corrupt-/), "{not json"]]);
    expect(logger.warnings()[0]).toMatch(/corrupt .*sign in again/);
  });
});

/**
 * openTokenStore at the edges the other store tests leave open: how each OS's keychain is named, the
 * official server's record in the file next to a keychain record, a file that cannot be cleaned up
 * after a keychain write, and the keytar of earlier versions passed through to the keychain store.
 */
describe("openTokenStore at its edges", () => {
  const ORIGIN = "https://cronicorn.com";
  const KEY = `${KEYCHAIN_SERVICE}/${ORIGIN}`;
  const FIX = "Unlock the keychain, or set CRONICORN_TOKEN_STORE=file to keep credentials in a private file instead.";
  /** What the official Cronicorn MCP server leaves at the top level of credentials.json. */
  const OFFICIAL_FILE = JSON.stringify({ access_token: "official-access-123", refresh_token: "", expires_at: 1_900_000_000 });

  /** An in-memory keychain whose operations can be made to fail one kind at a time. */
  function memoryKeychain() {
    const items = new Map<string, string>();
    const failing = { delete: false };
    const keytar: KeytarLike = {
      getPassword: async (s, a) => items.get(`${s}/${a}`) ?? null,
      setPassword: async (s, a, p) => void items.set(`${s}/${a}`, p),
      deletePassword: async (s, a) => {
        if (failing.delete) throw new Error("locked (delete)");
        return items.delete(`${s}/${a}`);
      },
    };
    return { keytar, items, failing };
  }

  async function openWith(mode: StoreMode, extra: { platform?: NodeJS.Platform; loadLegacy?: () => Promise<KeytarLike> } = {}) {
    const dir = await tempDir();
    const logger = captureLogger();
    const keychain = memoryKeychain();
    const store = await openTokenStore({ mode, dir, timeoutMs: 2000, logger, loadBackend: async () => keychain.keytar, ...extra });
    const fileName = path.join(dir, "credentials.json");
    return { logger, keychain, store, fileName, file: createFileStore({ dir, logger: captureLogger() }) };
  }

  afterEach(removeTempDirs);

  describe("naming the keychain of each OS", () => {
    it.each([
      ["darwin", "OS keychain (macOS Keychain)"],
      ["win32", "OS keychain (Windows Credential Manager)"],
      ["linux", "OS keychain (Secret Service)"],
      ["freebsd", "OS keychain (Secret Service)"],
    ] as const)("on %s it is the %s, in keychain and in auto mode", async (platform, name) => {
      expect((await openWith("keychain", { platform })).store.describe()).toBe(name);
      const auto = await openWith("auto", { platform });
      expect(auto.store.describe()).toBe(`${name}, then file ${auto.fileName}`);
      expect(auto.logger.lines).toEqual([{ level: "debug", message: `Credentials are kept in the ${name}.` }]);
    });
  });

  describe("auto mode and the official server's record in the file", () => {
    it("a keychain record is not displaced by the official server's record, however recent the file", async () => {
      const { keychain, store, fileName } = await openWith("auto");
      keychain.items.set(KEY, JSON.stringify(makeRecord({ access_token: "keychain-access-123", obtained_at: 1_000 })));
      await writeFile(fileName, OFFICIAL_FILE, { mode: 0o600 });
      expect((await store.read(ORIGIN))?.access_token).toBe("keychain-access-123");
    });

    it("a keychain write leaves the official server's record in the file untouched", async () => {
      const { keychain, store, fileName } = await openWith("auto");
      await writeFile(fileName, OFFICIAL_FILE, { mode: 0o600 });
      await store.write(ORIGIN, makeRecord());
      expect(keychain.items.get(KEY)).toBe(JSON.stringify(makeRecord()));
      expect(await readFile(fileName, "utf8")).toBe(OFFICIAL_FILE);
    });
  });

  describe("auto mode when the file misbehaves after a keychain write", () => {
    it("the write still succeeds, with a warning that the older copy could not be removed", async () => {
      const { keychain, store, file, fileName, logger } = await openWith("auto");
      await mkdir(fileName); // a folder where the file should be: the file store cannot read it
      const fileError: unknown = await file.read(ORIGIN, { legacy: false }).catch((err: unknown) => err);
      expect(fileError).toBeInstanceOf(StoreError);
      await store.write(ORIGIN, makeRecord());
      expect(keychain.items.get(KEY)).toBe(JSON.stringify(makeRecord()));
      expect(logger.warnings()).toEqual([
        `Saved to the keychain, but could not remove the older copy from ${fileName}: StoreError: ${(fileError as StoreError).message}`,
      ]);
    });
  });

  describe("auto mode sign-out", () => {
    it("does not report a sign-out the keychain could not carry out, even when the file has no record", async () => {
      const { keychain, store } = await openWith("auto");
      keychain.failing.delete = true;
      await expect(store.delete(ORIGIN)).rejects.toThrow(
        new StoreError(
          `The OS keychain failed to delete the credentials for ${ORIGIN}: locked (delete). ${FIX} It may still hold the sign-in: sign out again once it answers.`,
        ),
      );
    });
  });

  describe("items of earlier versions (keytar) through openTokenStore", () => {
    it.each(["keychain", "auto"] as const)("in %s mode, a keytar item is moved into the keychain on the first read", async (mode) => {
      const old = memoryKeychain();
      old.items.set(KEY, JSON.stringify(makeRecord()));
      const { keychain, store } = await openWith(mode, { loadLegacy: async () => old.keytar });
      expect(await store.read(ORIGIN)).toEqual(makeRecord());
      expect(keychain.items.get(KEY)).toBe(JSON.stringify(makeRecord()));
      expect(old.items.size).toBe(0);
    });
  });
});

/**
 * The store chooser and the keychain store at their edges, with an in-memory keychain stub (the real
 * Secret Service is in keychain-secret-service.test.ts): what each mode says it is, what it warns,
 * and which copy wins when the keychain and the file disagree.
 */
describe("the store chooser and keychain store at their edges", () => {
  const ORIGIN = "https://cronicorn.com";
  const KEYCHAIN_NAME =
    process.platform === "darwin"
      ? "OS keychain (macOS Keychain)"
      : process.platform === "win32"
        ? "OS keychain (Windows Credential Manager)"
        : "OS keychain (Secret Service)";

  /** An in-memory keychain whose operations can be made to fail one kind at a time. */
  function memoryKeytar() {
    const items = new Map<string, string>();
    const failing = { get: false, set: false, delete: false };
    const keytar: KeytarLike = {
      getPassword: async (s, a) => {
        if (failing.get) throw new Error("locked (get)");
        return items.get(`${s}/${a}`) ?? null;
      },
      setPassword: async (s, a, p) => {
        if (failing.set) throw new Error("locked (set)");
        items.set(`${s}/${a}`, p);
      },
      deletePassword: async (s, a) => {
        if (failing.delete) throw new Error("locked (delete)");
        return items.delete(`${s}/${a}`);
      },
    };
    return { keytar, items, failing };
  }

  afterEach(removeTempDirs);

  async function openAuto() {
    const dir = await tempDir();
    const logger = captureLogger();
    const keychain = memoryKeytar();
    const store = await openTokenStore({
      mode: "auto",
      dir,
      timeoutMs: 2000,
      logger,
      loadBackend: async () => keychain.keytar,
      loadLegacy: async () => memoryKeytar().keytar,
    });
    const file = createFileStore({ dir, logger: captureLogger() });
    return { dir, logger, keychain, store, file, fileName: path.join(dir, "credentials.json") };
  }

  describe("openTokenStore: what each mode is", () => {
    it("file mode names the file, with ~ for the home folder", async () => {
      const home = await mkdtemp(path.join(os.homedir(), ".store-edges-"));
      try {
        const store = await openTokenStore({ mode: "file", dir: home, timeoutMs: 100, logger: captureLogger() });
        expect(store.kind).toBe("file");
        expect(store.describe()).toBe(`file ~${path.join(home, "credentials.json").slice(os.homedir().length)}`);
        const elsewhere = await tempDir();
        expect((await openTokenStore({ mode: "file", dir: elsewhere, timeoutMs: 100, logger: captureLogger() })).describe()).toBe(
          `file ${path.join(elsewhere, "credentials.json")}`,
        );
      } finally {
        await rm(home, { recursive: true, force: true });
      }
    });

    it("keychain mode is the keychain alone", async () => {
      const keychain = memoryKeytar();
      const store = await openTokenStore({
        mode: "keychain",
        dir: await tempDir(),
        timeoutMs: 2000,
        logger: captureLogger(),
        loadBackend: async () => keychain.keytar,
      });
      expect(store.kind).toBe("keychain");
      expect(store.describe()).toBe(KEYCHAIN_NAME);
      await store.write(ORIGIN, makeRecord());
      expect(await store.read(ORIGIN)).toEqual(makeRecord());
      expect(await store.delete(ORIGIN)).toBe(true);
    });

    it("auto mode with a working keychain says so at debug level", async () => {
      const { store, logger, fileName } = await openAuto();
      expect(store.describe()).toBe(`${KEYCHAIN_NAME}, then file ${fileName}`);
      expect(logger.lines).toEqual([{ level: "debug", message: `Credentials are kept in the ${KEYCHAIN_NAME}.` }]);
    });

    it("auto mode without a keychain falls back to the file, saying why and how to skip the keychain", async () => {
      const dir = await tempDir();
      const logger = captureLogger();
      const keychain = memoryKeytar();
      keychain.failing.get = true;
      const store = await openTokenStore({ mode: "auto", dir, timeoutMs: 2000, logger, loadBackend: async () => keychain.keytar });
      expect(store.kind).toBe("file");
      expect(store.describe()).toBe(`file ${path.join(dir, "credentials.json")} (OS keychain unavailable)`);
      expect(logger.warnings()).toEqual([
        `Credentials are kept in file ${path.join(dir, "credentials.json")}, readable only by you, because the OS keychain failed to look up a test item: locked (get). Set CRONICORN_TOKEN_STORE=file to skip the keychain.`,
      ]);
    });

    it("a probe failure that is not the store's is not hidden", async () => {
      const dir = await tempDir();
      // A loader that throws synchronously is a programming error, not an unavailable keychain.
      const boom = () => {
        throw new TypeError("bug");
      };
      await expect(
        openTokenStore({ mode: "auto", dir, timeoutMs: 2000, logger: captureLogger(), loadBackend: boom as unknown as () => Promise<KeytarLike> }),
      ).rejects.toThrow("bug");
    });
  });

  describe("auto mode: the keychain first, the file as safety net", () => {
    it("a read the keychain cannot answer comes from the file, with a warning", async () => {
      const { store, file, keychain, logger, fileName } = await openAuto();
      await file.write(ORIGIN, makeRecord({ access_token: "from-the-file-123" }));
      keychain.failing.get = true;
      expect((await store.read(ORIGIN))?.access_token).toBe("from-the-file-123");
      expect(logger.warnings()).toEqual([
        `The OS keychain failed to read the credentials for ${ORIGIN}: locked (get). Unlock the keychain, or set CRONICORN_TOKEN_STORE=file to keep credentials in a private file instead. Using the file ${fileName} for this read.`,
      ]);
    });

    it("the newer of the keychain's and the file's own record wins", async () => {
      const { store, file, keychain } = await openAuto();
      keychain.items.set(`${KEYCHAIN_SERVICE}/${ORIGIN}`, JSON.stringify(makeRecord({ access_token: "keychain-copy-123", obtained_at: 2_000 })));
      await file.write(ORIGIN, makeRecord({ access_token: "file-copy-123", obtained_at: 3_000 }));
      expect((await store.read(ORIGIN))?.access_token).toBe("file-copy-123");
      await file.write(ORIGIN, makeRecord({ access_token: "file-copy-123", obtained_at: 2_000 }));
      expect((await store.read(ORIGIN))?.access_token).toBe("keychain-copy-123");
      await file.write(ORIGIN, makeRecord({ access_token: "file-copy-123", obtained_at: 1_000 }));
      expect((await store.read(ORIGIN))?.access_token).toBe("keychain-copy-123");
    });

    it("a write the keychain refuses goes to the file, with a warning", async () => {
      const { store, file, keychain, logger, fileName } = await openAuto();
      keychain.failing.set = true;
      await store.write(ORIGIN, makeRecord({ access_token: "written-to-file-1" }));
      expect((await file.read(ORIGIN))?.access_token).toBe("written-to-file-1");
      expect(logger.warnings()).toEqual([
        `The OS keychain failed to save the credentials for ${ORIGIN}: locked (set). Unlock the keychain, or set CRONICORN_TOKEN_STORE=file to keep credentials in a private file instead. Using the file ${fileName} for this write.`,
      ]);
    });

    it("a sign-out deletes from both; the keychain failing still deletes the file, then fails saying the keychain may still hold it", async () => {
      const { store, file, keychain } = await openAuto();
      await store.write(ORIGIN, makeRecord());
      expect(await store.delete(ORIGIN)).toBe(true); // only in the keychain
      expect(await store.delete(ORIGIN)).toBe(false); // nowhere
      await store.write(ORIGIN, makeRecord({ access_token: "in-the-keychain-1" }));
      await file.write(ORIGIN, makeRecord({ access_token: "in-the-file-1" }));
      keychain.failing.delete = true;
      await expect(store.delete(ORIGIN)).rejects.toThrow(/It may still hold the sign-in: sign out again once it answers\.$/);
      expect(await file.read(ORIGIN)).toBeNull();
      // The keychain still holds it: had the sign-out been reported done, this record would have come back.
      keychain.failing.delete = false;
      expect((await store.read(ORIGIN))?.access_token).toBe("in-the-keychain-1");
    });
  });

  describe("the keychain store's own messages", () => {
    it("a backend that cannot load makes every call a StoreError naming why, and is not retried", async () => {
      let loads = 0;
      const store = createKeychainStore({
        timeoutMs: 2000,
        logger: captureLogger(),
        loadBackend: async () => {
          loads += 1;
          throw new Error("no D-Bus session");
        },
      });
      const error = await store.read(ORIGIN).then(
        () => new StoreError("expected a rejection"),
        (e: unknown) => e as StoreError,
      );
      expect(error).toBeInstanceOf(StoreError);
      expect(error.message).toBe(
        "The OS keychain is not available: no D-Bus session. Unlock the keychain, or set CRONICORN_TOKEN_STORE=file to keep credentials in a private file instead.",
      );
      await expect(store.probe()).rejects.toBeInstanceOf(StoreError);
      expect(loads).toBe(1);
      expect(store.backendName()).toBeUndefined();
    });

    it("names its backend once loaded", async () => {
      const backend: KeychainBackend = { name: "@napi-rs/keyring", ...memoryKeytar().keytar };
      const store = createKeychainStore({ timeoutMs: 2000, logger: captureLogger(), loadBackend: async () => backend });
      expect(store.backendName()).toBeUndefined();
      await store.probe();
      expect(store.backendName()).toBe("@napi-rs/keyring");
    });

    it("a corrupt item is kept aside under another account and reads as signed out", async () => {
      const keychain = memoryKeytar();
      const logger = captureLogger();
      keychain.items.set(`${KEYCHAIN_SERVICE}/${ORIGIN}`, "{not json");
      const store = createKeychainStore({ timeoutMs: 2000, logger, loadBackend: async () => keychain.keytar, loadLegacy: async () => memoryKeytar().keytar });
      expect(await store.read(ORIGIN)).toBeNull();
      const aside = [...keychain.items.keys()].find((k) => k.startsWith(`${KEYCHAIN_SERVICE}/${ORIGIN} corrupt-`));
      expect(aside).toBeDefined();
      expect(keychain.items.get(aside!)).toBe("{not json");
      expect(keychain.items.has(`${KEYCHAIN_SERVICE}/${ORIGIN}`)).toBe(false);
      expect(logger.warnings()).toHaveLength(1);
      expect(logger.warnings()[0]).toMatch(
        new RegExp(
          `^The OS keychain item for ${ORIGIN} was corrupt \\(.+\\); kept it as "${ORIGIN} corrupt-.+"\\. You are signed out of ${ORIGIN}: sign in again\\.$`,
        ),
      );
    });

    it("a corrupt item that cannot be moved aside is still not used, and says so", async () => {
      const keychain = memoryKeytar();
      const logger = captureLogger();
      keychain.items.set(`${KEYCHAIN_SERVICE}/${ORIGIN}`, "[]");
      keychain.failing.set = true;
      const store = createKeychainStore({ timeoutMs: 2000, logger, loadBackend: async () => keychain.keytar, loadLegacy: async () => memoryKeytar().keytar });
      expect(await store.read(ORIGIN)).toBeNull();
      expect(logger.warnings()).toEqual([
        `The OS keychain item for ${ORIGIN} is corrupt (record: Invalid input: expected object, received array) and could not be moved aside (The OS keychain failed to keep a copy of the corrupt item for ${ORIGIN}: locked (set). Unlock the keychain, or set CRONICORN_TOKEN_STORE=file to keep credentials in a private file instead.). You are signed out of ${ORIGIN}: sign in again.`,
      ]);
    });

    it("an older keytar item that cannot be read is skipped, with a debug line", async () => {
      const keychain = memoryKeytar();
      const old = memoryKeytar();
      old.failing.get = true;
      const logger = captureLogger();
      const store = createKeychainStore({ timeoutMs: 2000, logger, loadBackend: async () => keychain.keytar, loadLegacy: async () => old.keytar });
      expect(await store.read(ORIGIN)).toBeNull();
      expect(logger.lines).toEqual([{ level: "debug", message: `Could not look for an older keytar item for ${ORIGIN}: locked (get)` }]);
    });

    it("moving an older keytar item says so once", async () => {
      const keychain = memoryKeytar();
      const old = memoryKeytar();
      old.items.set(`${KEYCHAIN_SERVICE}/${ORIGIN}`, JSON.stringify(makeRecord()));
      const logger = captureLogger();
      const store = createKeychainStore({ timeoutMs: 2000, logger, loadBackend: async () => keychain.keytar, loadLegacy: async () => old.keytar });
      expect(await store.read(ORIGIN)).toEqual(makeRecord());
      expect(logger.lines).toEqual([{ level: "info", message: `Moved the keychain item for ${ORIGIN} that an earlier version saved with keytar.` }]);
      expect(old.items.size).toBe(0);
      expect(keychain.items.get(`${KEYCHAIN_SERVICE}/${ORIGIN}`)).toBe(JSON.stringify(makeRecord()));
    });

    it("sign-out also removes an older keytar copy, and counts it as removed", async () => {
      const keychain = memoryKeytar();
      const old = memoryKeytar();
      old.items.set(`${KEYCHAIN_SERVICE}/${ORIGIN}`, "x");
      const store = createKeychainStore({
        timeoutMs: 2000,
        logger: captureLogger(),
        loadBackend: async () => keychain.keytar,
        loadLegacy: async () => old.keytar,
      });
      expect(await store.delete(ORIGIN)).toBe(true);
      expect(old.items.size).toBe(0);
      expect(await store.delete(ORIGIN)).toBe(false);
    });

    it("an older keytar that fails on delete does not fail the sign-out", async () => {
      const keychain = memoryKeytar();
      const old = memoryKeytar();
      old.failing.delete = true;
      const store = createKeychainStore({
        timeoutMs: 2000,
        logger: captureLogger(),
        loadBackend: async () => keychain.keytar,
        loadLegacy: async () => old.keytar,
      });
      await store.write(ORIGIN, makeRecord());
      expect(await store.delete(ORIGIN)).toBe(true);
    });

    it("a timeout names the action and the wait", async () => {
      const never: KeytarLike = {
        getPassword: () => new Promise(() => undefined),
        setPassword: () => new Promise(() => undefined),
        deletePassword: () => new Promise(() => undefined),
      };
      const store = createKeychainStore({
        timeoutMs: 30,
        logger: captureLogger(),
        loadBackend: async () => never,
        loadLegacy: async () => memoryKeytar().keytar,
      });
      await expect(store.write(ORIGIN, makeRecord())).rejects.toThrow(
        `The OS keychain did not answer within 30 ms while trying to save the credentials for ${ORIGIN}; it may be locked or stuck. Unlock the keychain, or set CRONICORN_TOKEN_STORE=file to keep credentials in a private file instead.`,
      );
    });
  });

  describe("loadDefaultBackend", () => {
    const missing = () => Object.assign(new Error("Cannot find module"), { code: "ERR_MODULE_NOT_FOUND" });
    const backend: KeychainBackend = { name: "keytar", ...memoryKeytar().keytar };

    it("names both problems when neither loads", async () => {
      await expect(
        loadDefaultBackend({
          keyring: async () => Promise.reject(missing()),
          keytar: async () => Promise.reject(Object.assign(new Error("x"), { code: "MODULE_NOT_FOUND" })),
        }),
      ).rejects.toThrow("@napi-rs/keyring is not installed, and keytar is not installed either");
      await expect(
        loadDefaultBackend({ keyring: async () => Promise.reject(new Error("bad ELF")), keytar: async () => Promise.reject(new Error("bad ABI")) }),
      ).rejects.toThrow("@napi-rs/keyring could not be loaded (bad ELF), and keytar could not be loaded either (bad ABI)");
    });

    it("falls back to keytar", async () => {
      expect(await loadDefaultBackend({ keyring: async () => Promise.reject(missing()), keytar: async () => backend })).toBe(backend);
    });
  });
});
