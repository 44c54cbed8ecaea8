import path from "node:path";
import type * as FsPromises from "node:fs/promises";
import type * as Fs from "node:fs";
import { spawnSync } from "node:child_process";
import { chmod, lstat, mkdir, readFile, readdir, stat, writeFile, chown, rm, symlink, utimes } from "node:fs/promises";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createFileStore, type FileStoreOptions } from "../../../../src/auth/store/file.js";
import { StoreError } from "../../../../src/auth/store/types.js";
import { redact } from "../../../../src/core/log.js";
import { captureLogger, finished, makeRecord, removeTempDirs, spawnFixture, tempDir } from "../../../helpers/store/harness.js";
import type { ChildProcess } from "node:child_process";
import type { PathLike } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import { constants } from "node:fs";
import { hostname } from "node:os";
import type { LockClock } from "../../../../src/auth/store/lock.js";

type Call = "open" | "rename" | "readdir" | "chmod";

const disk = vi.hoisted(() => ({
  /** Return an error to make that call fail the way the operating system would. */
  fault: undefined as ((call: Call, target: string) => Error | undefined) | undefined,
  /** Handles opened and not yet closed, with the path they were opened at. */
  open: new Map<object, string>(),
  /** Paths whose handle was flushed (fsync), in order. */
  synced: [] as string[],
}));

vi.mock("node:fs/promises", async (importOriginal) => {
  const real = await importOriginal<typeof FsPromises>();
  const failIf = (call: Call, target: PathLike): void => {
    const error = disk.fault?.(call, String(target));
    if (error) throw error;
  };
  const watch = (handle: FileHandle, target: string): FileHandle => {
    const { close, sync, chmod: changeMode } = handle;
    disk.open.set(handle, target);
    handle.close = async () => {
      disk.open.delete(handle);
      return close.call(handle);
    };
    handle.sync = async () => {
      disk.synced.push(target);
      return sync.call(handle);
    };
    handle.chmod = async (mode) => {
      failIf("chmod", target);
      return changeMode.call(handle, mode);
    };
    return handle;
  };
  return {
    ...real,
    open: async (target: PathLike, flags?: string | number, mode?: Fs.Mode) => {
      failIf("open", target);
      return watch(await real.open(target, flags, mode), String(target));
    },
    rename: async (from: PathLike, to: PathLike) => {
      failIf("rename", from);
      return real.rename(from, to);
    },
    readdir: async (target: PathLike, ...rest: unknown[]) => {
      failIf("readdir", target);
      return (real.readdir as (...args: unknown[]) => Promise<unknown>)(target, ...rest);
    },
  };
});

// A copy the tests may change, to stand in for a platform whose open() has no O_NOFOLLOW (Windows).
vi.mock("node:fs", async (importOriginal) => {
  const real = await importOriginal<typeof Fs>();
  return { ...real, constants: { ...real.constants } };
});

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

/**
 * The file store at its edges: documents that are JSON but not ours, temp files of other writers,
 * a lock held by another process, another platform (no user ids, no O_NOFOLLOW, Windows), and the
 * operating system refusing an operation. Failures the tests cannot provoke as root on Linux are
 * injected at the fs/promises boundary (`disk.fault`), which also records every handle opened,
 * synced and closed.
 */
describe("file store at its edges", () => {
  const CLOUD = "https://cronicorn.com";
  const LOCAL = "http://127.0.0.1:4123";
  /** A whole second, so that file times set from it read back exactly. */
  const NOW = Date.UTC(2030, 0, 2, 3, 4, 5);
  const STAMP = "2030-01-02T03-04-05-000Z";
  /** No process has this pid (above any pid_max); its first digit is that of init, which always runs. */
  const GONE_PID = 1_999_999_999;
  const OTHER_UID = 65534;
  const isRoot = process.getuid?.() === 0;

  const errno = (code: string) => Object.assign(new Error(`${code} (injected)`), { code });
  const modeOf = async (p: string) => (await stat(p)).mode & 0o777;
  const readJson = async (p: string): Promise<unknown> => JSON.parse(await readFile(p, "utf8"));
  const ours = (records: Record<string, unknown>) => JSON.stringify({ records });
  const official = { access_token: "official-access-123", refresh_token: "official-refresh-123", expires_at: 1_900_000_000 };

  afterEach(async () => {
    disk.fault = undefined;
    disk.synced = [];
    disk.open.clear();
    vi.restoreAllMocks();
    await removeTempDirs();
  });

  async function setup(existing?: string, options: Partial<FileStoreOptions> = {}) {
    const dir = path.join(await tempDir("edges-"), ".cronicorn");
    const file = path.join(dir, "credentials.json");
    await mkdir(dir, { mode: 0o700 });
    if (existing !== undefined) await writeFile(file, existing, { mode: 0o600 });
    const logger = captureLogger();
    const store = createFileStore({ dir, logger, now: () => NOW, ...options });
    return { dir, file, logger, store };
  }

  /** What another cronicorn-mcp process leaves while it holds the file lock: the lock folder, named after it. */
  async function holdLockElsewhere(dir: string): Promise<string> {
    const lockDir = path.join(dir, "credentials.json.lock");
    await mkdir(lockDir);
    await writeFile(path.join(lockDir, `owner.${process.ppid}.${encodeURIComponent(hostname())}`), "");
    return lockDir;
  }

  /** A lock clock under which the first wait is when the other process does its work and lets go. */
  function waitingWhile(otherProcess: () => Promise<void>): LockClock {
    return { now: () => 0, random: () => 0, sleep: otherProcess };
  }

  /** Replace a property of `process` for the duration of `fn`. */
  async function withProcess<T>(key: "platform" | "getuid", value: unknown, fn: () => Promise<T>): Promise<T> {
    const original = Object.getOwnPropertyDescriptor(process, key)!;
    Object.defineProperty(process, key, { ...original, value });
    try {
      return await fn();
    } finally {
      Object.defineProperty(process, key, original);
    }
  }

  describe("file store: documents that are JSON but not ours", () => {
    it.each([
      ["a number", "42"],
      ["a string", '"credentials"'],
      ["null", "null"],
      ["an array", "[1, 2]"],
    ])("moves aside a file holding %s, saying it is not a JSON object", async (_what, text) => {
      const { dir, file, logger, store } = await setup(text);
      expect(await store.read(CLOUD)).toBeNull();
      const aside = `${file}.corrupt-${STAMP}`;
      expect(await readdir(dir)).toEqual([path.basename(aside)]);
      expect(await readFile(aside, "utf8")).toBe(text);
      expect(logger.warnings()).toEqual([
        `${file} could not be read as credentials (it is not a JSON object). Moved it to ${aside}; nothing was deleted. You are signed out: sign in again.`,
      ]);
    });

    it.each([
      ["a string", '"nope"'],
      ["a number", "5"],
      ["null", "null"],
      ["an array", "[]"],
    ])('moves aside a file whose "records" entry is %s, saying so', async (_what, records) => {
      const text = `{"records": ${records}}`;
      const { file, logger, store } = await setup(text);
      expect(await store.read(CLOUD)).toBeNull();
      const aside = `${file}.corrupt-${STAMP}`;
      expect(await readFile(aside, "utf8")).toBe(text);
      expect(logger.warnings()).toEqual([
        `${file} could not be read as credentials (its "records" entry is not an object). Moved it to ${aside}; nothing was deleted. You are signed out: sign in again.`,
      ]);
    });

    it("names every corrupt part it dropped in one warning", async () => {
      const text = JSON.stringify({ access_token: "official-access-123", expires_at: "tomorrow", records: { [LOCAL]: "x", [CLOUD]: makeRecord() } });
      const { file, logger, store } = await setup(text);
      expect(await store.read(CLOUD)).toEqual(makeRecord());
      expect(logger.warnings()).toEqual([
        `Dropped the record for ${LOCAL} (record: Invalid input: expected object, received string) and the top-level record (expires_at: Invalid input: expected number, received string) from ${file}: corrupt. The file as it was is kept at ${file}.corrupt-${STAMP}. Sign in again to that server.`,
      ]);
    });

    it("numbers the copies of corrupt files set aside in the same millisecond, overwriting none", { timeout: 10_000 }, async () => {
      const { dir, file, store } = await setup();
      for (const text of ["first {", "second {", "third {"]) {
        await writeFile(file, text, { mode: 0o600 });
        expect(await store.read(CLOUD)).toBeNull();
      }
      const base = `credentials.json.corrupt-${STAMP}`;
      expect((await readdir(dir)).sort()).toEqual([base, `${base}-2`, `${base}-3`]);
      expect(await readFile(path.join(dir, base), "utf8")).toBe("first {");
      expect(await readFile(path.join(dir, `${base}-2`), "utf8")).toBe("second {");
      expect(await readFile(path.join(dir, `${base}-3`), "utf8")).toBe("third {");
    });
  });

  describe("file store: temp files of other writers", () => {
    it("removes those of writers that are gone, of this process's pid, or older than 60 s; keeps a running writer's recent ones", async () => {
      const { dir, store } = await setup();
      const temps = {
        runningNow: { pid: process.ppid, ageMs: 0 },
        runningExactly60s: { pid: process.ppid, ageMs: 60_000 },
        running61s: { pid: process.ppid, ageMs: 61_000 },
        goneNow: { pid: GONE_PID, ageMs: 0 },
        // This process never has a write in flight outside the lock: a temp with its pid was left by an earlier process with the same pid.
        ownPidNow: { pid: process.pid, ageMs: 0 },
      };
      const nameOf = (key: string, pid: number) => `credentials.json.tmp-${pid}-${key}`;
      for (const [key, { pid, ageMs }] of Object.entries(temps)) {
        const full = path.join(dir, nameOf(key, pid));
        await writeFile(full, "{ half a rec", { mode: 0o600 });
        await utimes(full, new Date(NOW - ageMs), new Date(NOW - ageMs));
      }
      await store.write(CLOUD, makeRecord());
      expect((await readdir(dir)).sort()).toEqual(["credentials.json", nameOf("runningNow", process.ppid), nameOf("runningExactly60s", process.ppid)].sort());
    });

    it("writes in a folder it may enter but not list (mode 0300)", async () => {
      const { dir, store } = await setup();
      disk.fault = (call, target) => (call === "readdir" && target === dir ? errno("EACCES") : undefined);
      await store.write(CLOUD, makeRecord());
      expect(await store.read(CLOUD)).toEqual(makeRecord());
    });
  });

  describe("file store: another process holding the file lock", () => {
    it("reads without waiting for the lock", async () => {
      const { dir, store } = await setup(ours({ [CLOUD]: makeRecord() }), { lock: { maxWaitMs: 0 } });
      await holdLockElsewhere(dir);
      expect(await store.read(CLOUD)).toEqual(makeRecord());
    });

    it("waits for the lock to write, and gives up after the wait it was given", async () => {
      const { dir, store } = await setup(undefined, { lock: { maxWaitMs: 0 } });
      const lockDir = await holdLockElsewhere(dir);
      await expect(store.write(CLOUD, makeRecord())).rejects.toThrow(
        `Timed out after 0 ms waiting for the lock ${lockDir}, held by another cronicorn-mcp process (pid ${process.ppid} on ${hostname()}). If no other cronicorn-mcp is running, delete ${lockDir} and try again.`,
      );
    });

    it("does not take the lock to delete what it would not read (the official record, legacy: false)", async () => {
      const { dir, file, store } = await setup(JSON.stringify(official), { lock: { maxWaitMs: 0 } });
      await holdLockElsewhere(dir);
      expect(await store.delete(CLOUD, { legacy: false })).toBe(false);
      expect(await readJson(file)).toEqual(official);
    });

    it("returns false, and keeps the official record, when the record it was deleting is removed by another process first", async () => {
      const before = { ...official, records: { [LOCAL]: makeRecord() } };
      const after = { ...official, records: {} };
      const dir = path.join(await tempDir("edges-"), ".cronicorn");
      const file = path.join(dir, "credentials.json");
      await mkdir(dir, { mode: 0o700 });
      await writeFile(file, JSON.stringify(before), { mode: 0o600 });
      const lockDir = await holdLockElsewhere(dir);
      const clock = waitingWhile(async () => {
        // The other process signs out of LOCAL, then lets go of the lock.
        await writeFile(file, JSON.stringify(after), { mode: 0o600 });
        await rm(lockDir, { recursive: true, force: true });
      });
      const store = createFileStore({ dir, logger: captureLogger(), now: () => NOW, lock: { clock } });
      expect(await store.delete(LOCAL)).toBe(false);
      expect(await readJson(file)).toEqual(after);
    });
  });

  describe("file store: other platforms", () => {
    it("reads its file where the platform has no user ids (no process.getuid)", async () => {
      const { store, logger } = await setup(ours({ [CLOUD]: makeRecord() }));
      expect(await withProcess("getuid", undefined, () => store.read(CLOUD))).toEqual(makeRecord());
      expect(logger.lines).toEqual([]);
    });

    it("on Windows, neither checks nor changes the owner and mode bits of the file", async () => {
      const { file, store, logger } = await setup(ours({ [CLOUD]: makeRecord() }));
      await chmod(file, 0o644);
      vi.spyOn(process, "getuid").mockReturnValue(4242);
      expect(await withProcess("platform", "win32", () => store.read(CLOUD))).toEqual(makeRecord());
      expect(await modeOf(file)).toBe(0o644);
      expect(logger.lines).toEqual([]);
    });

    describe("where open() cannot refuse a link (no O_NOFOLLOW, as on Windows)", () => {
      const noFollow = constants.O_NOFOLLOW;
      const withoutNoFollow = async <T>(fn: () => Promise<T>): Promise<T> => {
        Reflect.set(constants, "O_NOFOLLOW", undefined);
        try {
          return await fn();
        } finally {
          Reflect.set(constants, "O_NOFOLLOW", noFollow);
        }
      };

      it("still refuses a symlinked credentials.json, and reads nothing through it", async () => {
        const { file, store } = await setup();
        const elsewhere = path.join(await tempDir("elsewhere-"), "someone-elses-file");
        await writeFile(elsewhere, ours({ [CLOUD]: makeRecord() }), { mode: 0o600 });
        await symlink(elsewhere, file);
        const error = await withoutNoFollow(() => store.read(CLOUD)).catch((err: unknown) => err);
        expect(error).toBeInstanceOf(StoreError);
        expect((error as Error).message).toBe(
          `${file} is a symbolic link, and credentials are never read through a link: replace it with the file itself (or delete it and sign in again).`,
        );
      });

      it("reads a plain file, and a missing one as signed out", async () => {
        const { file, store } = await setup();
        expect(await withoutNoFollow(() => store.read(CLOUD))).toBeNull();
        await writeFile(file, ours({ [CLOUD]: makeRecord() }), { mode: 0o600 });
        expect(await withoutNoFollow(() => store.read(CLOUD))).toEqual(makeRecord());
      });
    });
  });

  describe("file store: the file's permissions and owner", () => {
    it("leaves a private file as it is, and says nothing", async () => {
      const { store, logger } = await setup(ours({ [CLOUD]: makeRecord() }));
      expect(await store.read(CLOUD)).toEqual(makeRecord());
      expect(logger.lines).toEqual([]);
    });

    it("still reads a file readable by others that it cannot make private, and says how to fix it", async () => {
      const { file, store, logger } = await setup(ours({ [CLOUD]: makeRecord() }));
      await chmod(file, 0o644);
      disk.fault = (call, target) => (call === "chmod" && target === file ? errno("EPERM") : undefined);
      expect(await store.read(CLOUD)).toEqual(makeRecord());
      expect(logger.warnings()).toEqual([`${file} is readable by other users and could not be changed: run chmod 600 "${file}".`]);
      expect(await modeOf(file)).toBe(0o644);
    });

    it.runIf(isRoot)("refuses a credentials.json owned by another user, naming the owner", async () => {
      const { file, store } = await setup(ours({ [CLOUD]: makeRecord() }));
      await chown(file, OTHER_UID, OTHER_UID);
      await expect(store.read(CLOUD)).rejects.toThrow(
        new StoreError(
          `${file} belongs to another user (uid ${OTHER_UID}); credentials that are not yours are never used: delete or move it, or set CRONICORN_CONFIG_DIR to a folder of your own.`,
        ),
      );
    });

    it.runIf(isRoot)("reports a folder at credentials.json as a folder in the way, whoever owns it", async () => {
      const { file, store } = await setup();
      await mkdir(file);
      await chown(file, OTHER_UID, OTHER_UID);
      await expect(store.read(CLOUD)).rejects.toThrow(
        `Could not read ${file} (EISDIR): a folder is in the way where a file should be: move it, or set CRONICORN_CONFIG_DIR to another folder.`,
      );
    });
  });

  describe("file store: the operating system refusing", () => {
    it("says so, with the fix, when it may not open the file", async () => {
      const { dir, file, store } = await setup(ours({ [CLOUD]: makeRecord() }));
      disk.fault = (call, target) => (call === "open" && target === file ? errno("EACCES") : undefined);
      await expect(store.read(CLOUD)).rejects.toThrow(
        new StoreError(
          `Could not open ${file} (EACCES): permission denied: make it yours and private (chmod 700 "${dir}"; chmod 600 on the files in it), or set CRONICORN_CONFIG_DIR to a folder you own.`,
        ),
      );
    });

    it("reports a folder in the way where the file should be", async () => {
      const { file, store } = await setup();
      await mkdir(file);
      await expect(store.read(CLOUD)).rejects.toThrow(
        `Could not read ${file} (EISDIR): a folder is in the way where a file should be: move it, or set CRONICORN_CONFIG_DIR to another folder.`,
      );
    });

    it("reports a corrupt file it could not move aside instead of claiming it did, and keeps it", async () => {
      const { file, logger, store } = await setup("{ truncated");
      // Windows refuses to rename a file another program holds open.
      disk.fault = (call, target) => (call === "rename" && target === file ? errno("EBUSY") : undefined);
      await expect(store.read(CLOUD)).rejects.toThrow(
        `Could not move aside the corrupt file ${file} (EBUSY): check the path and its permissions, or set CRONICORN_CONFIG_DIR to another folder.`,
      );
      expect(await readFile(file, "utf8")).toBe("{ truncated");
      expect(logger.warnings()).toEqual([]);
    });

    it("drops no corrupt record when it cannot keep a copy of the file first", async () => {
      const text = ours({ [LOCAL]: "x", [CLOUD]: makeRecord() });
      const { file, logger, store } = await setup(text);
      disk.fault = (call, target) => (call === "open" && target.includes(".corrupt-") ? errno("ENOSPC") : undefined);
      await expect(store.read(CLOUD)).rejects.toThrow(`Could not keep a copy of ${file} (ENOSPC): the disk is full: free some space and try again.`);
      expect(await readFile(file, "utf8")).toBe(text);
      expect(logger.warnings()).toEqual([]);
    });

    it("fails a write it could not put in place, leaving the old file and no temp file", async () => {
      const { dir, file, store } = await setup(ours({ [CLOUD]: makeRecord() }));
      disk.fault = (call, target) => (call === "rename" && path.basename(target).startsWith("credentials.json.tmp-") ? errno("EPERM") : undefined);
      await expect(store.write(CLOUD, makeRecord({ access_token: "new-access-token-1" }))).rejects.toThrow(
        `Could not write ${file} (EPERM): operation not permitted: make "${dir}" yours (chown/chmod 700), or set CRONICORN_CONFIG_DIR to a folder you own.`,
      );
      expect(await readdir(dir)).toEqual(["credentials.json"]);
      expect(await store.read(CLOUD)).toEqual(makeRecord());
    });
    it("fails a write on a read-only file system with a StoreError naming the file and EROFS, keeping the old file", async () => {
      const { dir, file, store } = await setup(ours({ [CLOUD]: makeRecord() }));
      disk.fault = (call, target) => (call === "open" && path.basename(target).startsWith("credentials.json.tmp-") ? errno("EROFS") : undefined);
      const error = await store.write(CLOUD, makeRecord({ access_token: "new-access-token-2" })).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StoreError);
      expect((error as Error).message).toBe(`Could not write ${file} (EROFS): the file system is read-only: set CRONICORN_CONFIG_DIR to a writable folder.`);
      expect(await readdir(dir)).toEqual(["credentials.json"]);
      expect(await store.read(CLOUD)).toEqual(makeRecord());
    });

    it("fails a write on a full disk with a StoreError naming the file and ENOSPC, keeping the old file", async () => {
      const { dir, file, store } = await setup(ours({ [CLOUD]: makeRecord() }));
      disk.fault = (call, target) => (call === "open" && path.basename(target).startsWith("credentials.json.tmp-") ? errno("ENOSPC") : undefined);
      await expect(store.write(CLOUD, makeRecord({ access_token: "new-access-token-3" }))).rejects.toThrow(
        new StoreError(`Could not write ${file} (ENOSPC): the disk is full: free some space and try again.`),
      );
      expect(await readdir(dir)).toEqual(["credentials.json"]);
      expect(await store.read(CLOUD)).toEqual(makeRecord());
    });
  });

  describe("file store: something other than a file at its place", () => {
    // In a child process: opening a FIFO for reading blocks until a writer comes, which would hang this test runner.
    let child: ChildProcess | undefined;
    afterEach(() => {
      child?.kill("SIGKILL");
      child = undefined;
    });

    it.each(["read", "delete"] as const)("a FIFO: %s answers at once with a StoreError naming the file, instead of hanging", async (command) => {
      const dir = path.join(await tempDir("fifo-"), ".cronicorn");
      await mkdir(dir, { mode: 0o700 });
      const fifo = path.join(dir, "credentials.json");
      expect(spawnSync("mkfifo", ["-m", "600", fifo]).status).toBe(0);
      child = spawnFixture("store-cli.ts", ["file", dir, command, CLOUD]);
      const { code, stdout, stderr } = await finished(child);
      expect(code).not.toBe(0);
      expect(stdout).toBe("");
      expect(stderr).toContain(
        `StoreError: ${fifo} is not a regular file (a FIFO), so it cannot hold credentials: move it away (or delete it) and sign in again, or set CRONICORN_CONFIG_DIR to another folder.`,
      );
      expect((await lstat(fifo)).isFIFO()).toBe(true); // left as it was
    });
  });

  describe("file store: durability and handles", () => {
    it("flushes the new file, then its folder, so the rename survives a power cut", async () => {
      const { dir, store } = await setup();
      await store.write(CLOUD, makeRecord());
      expect(disk.synced).toEqual([expect.stringMatching(/credentials\.json\.tmp-\d+-[0-9a-f]{12}$/), dir]);
      expect(path.dirname(disk.synced[0]!)).toBe(dir);
    });

    it("closes every file and folder it opens", async () => {
      const { file, store } = await setup();
      await store.write(CLOUD, makeRecord());
      await store.write(LOCAL, makeRecord());
      expect(await store.read(CLOUD)).toEqual(makeRecord());
      expect(await store.delete(LOCAL)).toBe(true);
      await writeFile(file, ours({ [LOCAL]: "x" }), { mode: 0o600 });
      expect(await store.read(LOCAL)).toBeNull();
      expect([...disk.open.values()]).toEqual([]);
    });
  });
});
