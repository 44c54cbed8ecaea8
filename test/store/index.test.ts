import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openTokenStore } from "../../src/auth/store/index.js";
import { createFileStore } from "../../src/auth/store/file.js";
import { createKeychainStore, KEYCHAIN_SERVICE, type KeytarLike } from "../../src/auth/store/keychain.js";
import { captureLogger, makeRecord, removeTempDirs, tempDir } from "./fixtures/harness.js";

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
