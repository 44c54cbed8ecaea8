import { spawnSync } from "node:child_process";
import { chmod, mkdir, readFile, readdir, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createFileStore } from "../../src/auth/store/file.js";
import { StoreError } from "../../src/auth/store/types.js";
import { redact } from "../../src/log.js";
import { captureLogger, makeRecord, removeTempDirs, tempDir } from "./fixtures/harness.js";

const CLOUD = "https://cronicorn.com";
const LOCAL = "http://127.0.0.1:4123";

const modeOf = async (p: string) => (await stat(p)).mode & 0o777;
const readJson = async (p: string): Promise<Record<string, unknown>> => JSON.parse(await readFile(p, "utf8")) as Record<string, unknown>;

async function setup(existing?: string | Buffer) {
  const dir = path.join(await tempDir(), ".cronicorn");
  const file = path.join(dir, "credentials.json");
  if (existing !== undefined) {
    await mkdir(dir, { mode: 0o700 });
    await writeFile(file, existing, { mode: 0o600 });
  }
  const logger = captureLogger();
  const store = createFileStore({ dir, logger, now: () => Date.UTC(2030, 0, 2, 3, 4, 5, 6) });
  return { dir, file, logger, store };
}

/** What the official Cronicorn MCP server writes. */
const official = (expires_at: number, refresh_token = "official-refresh-123") =>
  JSON.stringify({ access_token: "official-access-123", refresh_token, expires_at }, null, 2);

afterEach(removeTempDirs);

describe("file store: permissions and durability", () => {
  it("creates its folder 0700 and the credentials file 0600", async () => {
    const { dir, file, store } = await setup();
    await store.write(CLOUD, makeRecord());
    expect(await modeOf(dir)).toBe(0o700);
    expect(await modeOf(file)).toBe(0o600);
  });

  it("uses a folder of the user's that already existed as 0755 without changing it (we chmod only what we create)", async () => {
    const { dir, file, store } = await setup();
    await mkdir(dir);
    await chmod(dir, 0o755);
    await store.write(CLOUD, makeRecord());
    expect(await modeOf(dir)).toBe(0o755);
    expect(await modeOf(file)).toBe(0o600);
  });

  it("makes a credentials file that another program left world-readable private again", async () => {
    const { file, store, logger } = await setup(official(1_900_000_000));
    await chmod(file, 0o644);
    await store.read(CLOUD);
    expect(await modeOf(file)).toBe(0o600);
    expect(logger.warnings().join("\n")).toMatch(/made it private/);
  });

  it("leaves no temp file behind after a write", async () => {
    const { dir, store } = await setup();
    await store.write(CLOUD, makeRecord());
    expect(await readdir(dir)).toEqual(["credentials.json"]);
  });

  it("removes temp files left by a writer that died on the next write", async () => {
    const { dir, store } = await setup();
    const dead = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"]).stdout.toString();
    await mkdir(dir, { mode: 0o700 });
    await writeFile(path.join(dir, `credentials.json.tmp-${dead}-abcdef`), "{ half a rec");
    await store.write(CLOUD, makeRecord());
    expect(await readdir(dir)).toEqual(["credentials.json"]);
  });
});

describe("file store: records", () => {
  it("reads back the record it wrote", async () => {
    const { store } = await setup();
    const record = makeRecord();
    await store.write(CLOUD, record);
    expect(await store.read(CLOUD)).toEqual(record);
  });

  it("returns null when nothing is stored, without creating the folder", async () => {
    const { dir, store } = await setup();
    expect(await store.read(CLOUD)).toBeNull();
    await expect(stat(dir)).rejects.toThrow(/ENOENT/);
  });

  it("keeps the records of two origins side by side in our format", async () => {
    const { file, store } = await setup();
    const cloud = makeRecord({ access_token: "cloud-access-token" });
    const local = makeRecord({ access_token: "local-access-token", issuer: LOCAL });
    await store.write(CLOUD, cloud);
    await store.write(LOCAL, local);
    expect(await store.read(CLOUD)).toEqual(cloud);
    expect(await store.read(LOCAL)).toEqual(local);
    expect(await readJson(file)).toEqual({ records: { [CLOUD]: cloud, [LOCAL]: local } });
  });

  it("loses no origin's record when many origins are written at once", async () => {
    const { store } = await setup();
    const origins = Array.from({ length: 20 }, (_, i) => `http://127.0.0.1:${5000 + i}`);
    await Promise.all(origins.map((origin, i) => store.write(origin, makeRecord({ access_token: `access-token-${i}` }))));
    for (const [i, origin] of origins.entries()) expect((await store.read(origin))?.access_token).toBe(`access-token-${i}`);
  });

  it("replaces an origin's record on a second write", async () => {
    const { store } = await setup();
    await store.write(CLOUD, makeRecord({ access_token: "first-access-token" }));
    await store.write(CLOUD, makeRecord({ access_token: "second-access-token" }));
    expect((await store.read(CLOUD))?.access_token).toBe("second-access-token");
  });

  it("registers every token it reads or writes, so no log can print them", async () => {
    const { store } = await setup(official(1_900_000_000));
    await store.read(CLOUD);
    await store.write(LOCAL, makeRecord({ access_token: "written-access-777", refresh_token: "written-refresh-777" }));
    expect(redact("a official-access-123 b official-refresh-123 c written-access-777 d written-refresh-777")).toBe(
      "a [redacted] b [redacted] c [redacted] d [redacted]",
    );
  });

  it("refuses to write an invalid record", async () => {
    const { store } = await setup();
    await expect(store.write(CLOUD, makeRecord({ access_token: "" }))).rejects.toThrow(StoreError);
  });
});

describe("file store: the official Cronicorn MCP server's file", () => {
  it("reads its single record, with the expiry in seconds, as the record of Cronicorn's cloud only", async () => {
    const { store } = await setup(official(1_900_000_000));
    const record = await store.read(CLOUD);
    expect(record).toMatchObject({
      access_token: "official-access-123",
      refresh_token: "official-refresh-123",
      expires_at: 1_900_000_000_000,
      token_type: "Bearer",
      issuer: "",
      client_id: "cronicorn-mcp",
      flow: "legacy",
    });
    // It names no origin: handing it to any other API would send a cloud token there.
    expect(await store.read(LOCAL)).toBeNull();
  });

  it("reads its expiry in milliseconds as is", async () => {
    const { store } = await setup(official(1_900_000_000_123));
    expect((await store.read(CLOUD))?.expires_at).toBe(1_900_000_000_123);
  });

  it("treats its empty refresh token as none", async () => {
    const { store } = await setup(official(1_900_000_000, ""));
    expect(await store.read(CLOUD)).not.toHaveProperty("refresh_token");
  });

  it("keeps its top-level fields when writing another origin's record, so it keeps working", async () => {
    const { file, store } = await setup(official(1_900_000_000));
    await store.write(LOCAL, makeRecord());
    const doc = await readJson(file);
    expect(doc).toMatchObject({ access_token: "official-access-123", refresh_token: "official-refresh-123", expires_at: 1_900_000_000 });
    expect(doc.records).toEqual({ [LOCAL]: makeRecord() });
  });

  it("prefers an origin's own record to the official record", async () => {
    const { store } = await setup(official(1_900_000_000));
    await store.write(CLOUD, makeRecord());
    expect(await store.read(CLOUD)).toEqual(makeRecord());
  });
});

describe("file store: delete", () => {
  it("removes only that origin's record", async () => {
    const { store } = await setup();
    await store.write(CLOUD, makeRecord());
    await store.write(LOCAL, makeRecord());
    expect(await store.delete(CLOUD)).toBe(true);
    expect(await store.read(CLOUD)).toBeNull();
    expect(await store.read(LOCAL)).toEqual(makeRecord());
  });

  it("removes the official record when that is what the origin reads, and keeps everything else", async () => {
    const legacy = { access_token: "official-access-123", refresh_token: "", expires_at: 1_900_000_000, theme: "dark" };
    const { file, store } = await setup(JSON.stringify({ ...legacy, records: { [LOCAL]: makeRecord() } }));
    expect(await store.delete(CLOUD)).toBe(true);
    expect(await store.read(CLOUD)).toBeNull();
    expect(await readJson(file)).toEqual({ theme: "dark", records: { [LOCAL]: makeRecord() } });
  });

  it("never deletes the official record for another origin", async () => {
    const { file, store } = await setup(official(1_900_000_000));
    expect(await store.delete(LOCAL)).toBe(false);
    expect(await readJson(file)).toMatchObject({ access_token: "official-access-123", expires_at: 1_900_000_000 });
  });

  it("leaves the official record alone when the origin had its own", async () => {
    const { store } = await setup(official(1_900_000_000));
    await store.write(CLOUD, makeRecord());
    expect(await store.delete(CLOUD)).toBe(true);
    expect((await store.read(CLOUD))?.flow).toBe("legacy");
  });

  it("returns false when there is nothing to delete, and creates nothing", async () => {
    const { dir, store } = await setup();
    expect(await store.delete(CLOUD)).toBe(false);
    await expect(stat(dir)).rejects.toThrow(/ENOENT/);
  });
});

describe("file store: corruption", () => {
  const corruptName = "credentials.json.corrupt-2030-01-02T03-04-05-006Z";

  it("moves a file that is not JSON aside with its original bytes, warns, and reads as signed out", async () => {
    const garbage = Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x00, 0x41, 0x0a]);
    const { dir, store, logger } = await setup(garbage);
    expect(await store.read(CLOUD)).toBeNull();
    expect(await readdir(dir)).toEqual([corruptName]);
    expect(await readFile(path.join(dir, corruptName))).toEqual(garbage);
    expect(logger.warnings()).toHaveLength(1);
    expect(logger.warnings()[0]).toMatch(/not valid JSON.*Moved it to .*corrupt-.*sign in again/);
  });

  it.each([
    ["a JSON array", "[1, 2]"],
    ["records that are not an object", JSON.stringify({ records: "nope" })],
  ])("moves aside a file holding %s", async (_what, text) => {
    const { dir, store } = await setup(text);
    expect(await store.read(CLOUD)).toBeNull();
    expect(await readFile(path.join(dir, corruptName), "utf8")).toBe(text);
  });

  it("writes a fresh file after a corrupt one was moved aside", async () => {
    const { dir, store } = await setup("not json at all");
    expect(await store.read(CLOUD)).toBeNull();
    await store.write(CLOUD, makeRecord());
    expect(await store.read(CLOUD)).toEqual(makeRecord());
    expect((await readdir(dir)).sort()).toEqual(["credentials.json", corruptName]);
  });

  it("moves a corrupt file aside when a write finds it", async () => {
    const { dir, store, logger } = await setup("{ truncated");
    await store.write(CLOUD, makeRecord());
    expect(await readFile(path.join(dir, corruptName), "utf8")).toBe("{ truncated");
    expect(await store.read(CLOUD)).toEqual(makeRecord());
    expect(logger.warnings()).toHaveLength(1);
  });

  it("drops a single corrupt record, keeps a copy of the whole file, and keeps the other records", async () => {
    const text = JSON.stringify({ records: { [CLOUD]: { access_token: 42 }, [LOCAL]: makeRecord() } });
    const { dir, file, store, logger } = await setup(text);
    expect(await store.read(CLOUD)).toBeNull();
    expect(await store.read(LOCAL)).toEqual(makeRecord());
    expect(await readFile(path.join(dir, corruptName), "utf8")).toBe(text);
    expect(await readJson(file)).toEqual({ records: { [LOCAL]: makeRecord() } });
    expect(logger.warnings()).toHaveLength(1);
    expect(logger.warnings()[0]).toMatch(/Dropped the record for https:\/\/cronicorn\.com .*corrupt/);
  });

  it("drops a corrupt official record the same way", async () => {
    const { store, logger } = await setup(JSON.stringify({ access_token: "official-access-123", expires_at: "tomorrow" }));
    expect(await store.read(CLOUD)).toBeNull();
    expect(logger.warnings()[0]).toMatch(/top-level record/);
  });
});

describe("file store: I/O failures", () => {
  it("raises a StoreError naming the path and the fix when the file cannot be read", async () => {
    const { file, store } = await setup();
    await mkdir(file, { recursive: true }); // a folder where the file should be
    const error = await store.read(CLOUD).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as Error).message).toContain(file);
    expect((error as Error).message).toMatch(/EISDIR.*CRONICORN_CONFIG_DIR/);
  });

  it("raises a StoreError when the folder cannot be created, and deletes nothing", async () => {
    const parent = await tempDir();
    await writeFile(path.join(parent, "occupied"), "keep me");
    const store = createFileStore({ dir: path.join(parent, "occupied", ".cronicorn"), logger: captureLogger() });
    await expect(store.write(CLOUD, makeRecord())).rejects.toThrow(/ENOTDIR.*a file is in the way/);
    expect(await readFile(path.join(parent, "occupied"), "utf8")).toBe("keep me");
  });
});
