/**
 * openTokenStore at the edges the other store tests leave open: how each OS's keychain is named, the
 * official server's record in the file next to a keychain record, a file that cannot be cleaned up
 * after a keychain write, and the keytar of earlier versions passed through to the keychain store.
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openTokenStore, type StoreMode } from "../../src/auth/store/index.js";
import { createFileStore } from "../../src/auth/store/file.js";
import { KEYCHAIN_SERVICE, type KeytarLike } from "../../src/auth/store/keychain.js";
import { StoreError } from "../../src/auth/store/types.js";
import { captureLogger, makeRecord, removeTempDirs, tempDir } from "./fixtures/harness.js";

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
    expect(logger.warnings()).toEqual([`Saved to the keychain, but could not remove the older copy from ${fileName}: StoreError: ${(fileError as StoreError).message}`]);
  });
});

describe("auto mode sign-out", () => {
  it("reports nothing removed when the keychain fails and the file has no record", async () => {
    const { keychain, store, fileName, logger } = await openWith("auto");
    keychain.failing.delete = true;
    expect(await store.delete(ORIGIN)).toBe(false);
    expect(logger.warnings()).toEqual([`The OS keychain failed to delete the credentials for ${ORIGIN}: locked (delete). ${FIX} Using the file ${fileName} for this sign-out.`]);
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
