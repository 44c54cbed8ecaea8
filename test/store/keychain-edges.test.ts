/**
 * The keychain store at the edges the other keychain tests leave open: loading each backend module
 * (handed in, so no keyring is ever asked), the cause a StoreError keeps, and the exact messages and
 * results of moving, skipping and deleting items that earlier versions saved with keytar.
 */
import { describe, expect, it } from "vitest";
import { createKeychainStore, KEYCHAIN_SERVICE, loadDefaultBackend, loadKeytarModule, loadNapiKeyringModule, type KeytarLike } from "../../src/auth/store/keychain.js";
import { StoreError } from "../../src/auth/store/types.js";
import { captureLogger, makeRecord } from "./fixtures/harness.js";

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

  it("loads the installed keytar without asking the keychain anything", async () => {
    const backend = await loadKeytarModule();
    expect(backend.name).toBe("keytar");
    expect([typeof backend.getPassword, typeof backend.setPassword, typeof backend.deletePassword]).toEqual(["function", "function", "function"]);
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
    await expect(loadNapiKeyringModule(async () => ({ Entry: fakeKeyringModule().AsyncEntry }))).rejects.toThrow(new Error("the @napi-rs/keyring module does not have AsyncEntry"));
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
    const error: unknown = await loadDefaultBackend({ keyring: () => Promise.reject(new Error("bad ELF")), keytar: () => Promise.reject(keytarError) }).catch((err: unknown) => err);
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
    const store = createKeychainStore({ timeoutMs: 2000, logger: captureLogger(), loadBackend: async () => memoryKeychain().keytar, loadLegacy: async () => old.keytar });
    expect(await store.delete(ORIGIN)).toBe(false);
  });
});
