import { chmod, chown, lstat, mkdir, readFile, readdir, stat, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createFileStore } from "../../../../src/auth/store/file.js";
import { StoreError } from "../../../../src/auth/store/types.js";
import { captureLogger, makeRecord, removeTempDirs, tempDir } from "../../../helpers/store/harness.js";

const CLOUD = "https://cronicorn.com";
/** nobody: any uid that is not ours does. */
const OTHER_UID = 65534;
const isRoot = process.getuid?.() === 0;

const modeOf = async (p: string) => (await stat(p)).mode & 0o7777;
const ours = JSON.stringify({ records: { [CLOUD]: makeRecord() } });

afterEach(removeTempDirs);

async function privateDir(): Promise<string> {
  const dir = path.join(await tempDir(), ".cronicorn");
  await mkdir(dir, { mode: 0o700 });
  return dir;
}

describe("file store: ownership and links", () => {
  it("refuses a shared, world-writable folder (1777) without changing it or writing into it", async () => {
    const dir = path.join(await tempDir(), "shared");
    await mkdir(dir);
    await chmod(dir, 0o1777);
    const store = createFileStore({ dir, logger: captureLogger() });
    const error = await store.write(CLOUD, makeRecord()).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as Error).message).toMatch(/can be written by other users \(mode 1777\).*CRONICORN_CONFIG_DIR/);
    await expect(store.read(CLOUD)).rejects.toThrow(/can be written by other users/);
    expect(await modeOf(dir)).toBe(0o1777); // sticky bit kept: we chmod only what we create
    expect(await readdir(dir)).toEqual([]);
  });

  it("refuses a group-writable folder too", async () => {
    const dir = await privateDir();
    await chmod(dir, 0o770);
    await expect(createFileStore({ dir, logger: captureLogger() }).read(CLOUD)).rejects.toThrow(/can be written by other users \(mode 770\)/);
    expect(await modeOf(dir)).toBe(0o770);
  });

  it("never reads or chmods through a symlinked credentials.json", async () => {
    const dir = await privateDir();
    const elsewhere = path.join(await tempDir(), "someone-elses-file");
    await writeFile(elsewhere, ours, { mode: 0o644 });
    await chmod(elsewhere, 0o644);
    await symlink(elsewhere, path.join(dir, "credentials.json"));
    const store = createFileStore({ dir, logger: captureLogger() });
    const error = await store.read(CLOUD).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as Error).message).toMatch(/is a symbolic link.*replace it with the file itself/);
    await expect(store.write(CLOUD, makeRecord({ access_token: "new-access-999" }))).rejects.toThrow(/symbolic link/);
    expect(await modeOf(elsewhere)).toBe(0o644);
    expect(await readFile(elsewhere, "utf8")).toBe(ours);
    expect((await lstat(path.join(dir, "credentials.json"))).isSymbolicLink()).toBe(true);
  });

  it.runIf(isRoot)("refuses a credentials.json owned by another user instead of using it", async () => {
    const dir = await privateDir();
    const file = path.join(dir, "credentials.json");
    await writeFile(file, ours, { mode: 0o600 });
    await chown(file, OTHER_UID, OTHER_UID);
    const store = createFileStore({ dir, logger: captureLogger() });
    const error = await store.read(CLOUD).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as Error).message).toMatch(/belongs to another user \(uid 65534\).*delete or move it/);
    expect((await stat(file)).uid).toBe(OTHER_UID);
  });

  it.runIf(isRoot)("refuses a config folder owned by another user", async () => {
    const dir = await privateDir();
    await chown(dir, OTHER_UID, OTHER_UID);
    const store = createFileStore({ dir, logger: captureLogger() });
    await expect(store.write(CLOUD, makeRecord())).rejects.toThrow(/belongs to another user \(uid 65534\).*chown/);
    await expect(store.read(CLOUD)).rejects.toThrow(/belongs to another user/);
    expect(await readdir(dir)).toEqual([]);
  });

  it("creates a missing folder 0700, and its missing parents", async () => {
    const dir = path.join(await tempDir(), "a", "b", ".cronicorn");
    await createFileStore({ dir, logger: captureLogger() }).write(CLOUD, makeRecord());
    expect(await modeOf(dir)).toBe(0o700);
  });
});
