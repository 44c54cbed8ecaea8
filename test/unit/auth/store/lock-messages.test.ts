/** What the store folder's checks say: each file-system failure with its fix, and folders that cannot hold credentials. */
import { chmod, mkdir, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { checkPrivateDir, ensurePrivateDir, errorCode, isProcessAlive, storeIoError, storeLockPath } from "../../../../src/auth/store/lock.js";
import { StoreError } from "../../../../src/auth/store/types.js";
import { captureLogger, removeTempDirs, tempDir } from "../../../helpers/store/harness.js";

afterEach(removeTempDirs);

const coded = (code: string) => Object.assign(new Error(`failed with ${code}`), { code });

describe("storeIoError", () => {
  const target = "/home/u/.cronicorn/credentials.json";
  const folder = "/home/u/.cronicorn";

  it("gives the fix for each code", () => {
    const cases: Array<[string, string]> = [
      [
        "EACCES",
        `permission denied: make it yours and private (chmod 700 "${folder}"; chmod 600 on the files in it), or set CRONICORN_CONFIG_DIR to a folder you own`,
      ],
      ["EPERM", `operation not permitted: make "${folder}" yours (chown/chmod 700), or set CRONICORN_CONFIG_DIR to a folder you own`],
      ["ENOSPC", "the disk is full: free some space and try again"],
      ["EROFS", "the file system is read-only: set CRONICORN_CONFIG_DIR to a writable folder"],
      ["ENOTDIR", "a file is in the way where a folder should be: move it, or set CRONICORN_CONFIG_DIR to another folder"],
      ["EISDIR", "a folder is in the way where a file should be: move it, or set CRONICORN_CONFIG_DIR to another folder"],
      ["EIO", "check the path and its permissions, or set CRONICORN_CONFIG_DIR to another folder"],
    ];
    for (const [code, hint] of cases) {
      const error = storeIoError("write", target, coded(code));
      expect(error).toBeInstanceOf(StoreError);
      expect(error.message).toBe(`Could not write ${target} (${code}): ${hint}.`);
      expect(error.cause).toBeInstanceOf(Error);
    }
  });

  it("names an error without a code by its message, and a non-Error as text", () => {
    expect(storeIoError("read", target, new Error("weird")).message).toBe(
      `Could not read ${target} (weird): check the path and its permissions, or set CRONICORN_CONFIG_DIR to another folder.`,
    );
    expect(storeIoError("read", target, "odd").message).toBe(
      `Could not read ${target} (odd): check the path and its permissions, or set CRONICORN_CONFIG_DIR to another folder.`,
    );
  });

  it("errorCode reads only string codes", () => {
    expect(errorCode(coded("ENOENT"))).toBe("ENOENT");
    expect(errorCode({ code: 5 })).toBeUndefined();
    expect(errorCode(null)).toBeUndefined();
    expect(errorCode(undefined)).toBeUndefined();
  });
});

describe("checkPrivateDir / ensurePrivateDir", () => {
  it("a missing folder is false; a private one is true", async () => {
    const dir = await tempDir();
    expect(await checkPrivateDir(path.join(dir, "missing"))).toBe(false);
    await chmod(dir, 0o700);
    expect(await checkPrivateDir(dir)).toBe(true);
  });

  it("a file where the folder should be is refused with the fix", async () => {
    const dir = await tempDir();
    const file = path.join(dir, "not-a-folder");
    await writeFile(file, "x");
    await expect(checkPrivateDir(file)).rejects.toThrow(
      `Could not use the folder ${file} (ENOTDIR): a file is in the way where a folder should be: move it, or set CRONICORN_CONFIG_DIR to another folder.`,
    );
  });

  it("a folder others can write is refused with its mode and the fix", async () => {
    const dir = await tempDir();
    const shared = path.join(dir, "shared");
    await mkdir(shared);
    await chmod(shared, 0o775);
    await expect(checkPrivateDir(shared)).rejects.toThrow(
      `${shared} can be written by other users (mode 775), so it cannot hold credentials: set CRONICORN_CONFIG_DIR to a private folder, or, if only you use it, run chmod 700 "${shared}".`,
    );
    await chmod(shared, 0o705);
    expect(await checkPrivateDir(shared)).toBe(true);
  });

  it("on Windows, or where the platform has no user ids, any folder is accepted (there is no mode to check)", async () => {
    const dir = await tempDir();
    const shared = path.join(dir, "shared");
    await mkdir(shared);
    await chmod(shared, 0o777);
    const platform = Object.getOwnPropertyDescriptor(process, "platform")!;
    try {
      Object.defineProperty(process, "platform", { value: "win32" });
      expect(await checkPrivateDir(shared)).toBe(true);
    } finally {
      Object.defineProperty(process, "platform", platform);
    }
    const getuid = Object.getOwnPropertyDescriptor(process, "getuid")!;
    try {
      Object.defineProperty(process, "getuid", { value: undefined, configurable: true });
      expect(await checkPrivateDir(shared)).toBe(true);
    } finally {
      Object.defineProperty(process, "getuid", getuid);
    }
    await expect(checkPrivateDir(shared)).rejects.toThrow("can be written by other users (mode 777)");
  });

  it("a folder of another user is refused, naming its owner and the fix", async () => {
    const dir = await tempDir();
    const getuid = vi.spyOn(process, "getuid").mockReturnValue(4321);
    try {
      await expect(checkPrivateDir(dir)).rejects.toThrow(
        `${dir} belongs to another user (uid ${process.geteuid?.()}), so it cannot hold your credentials: set CRONICORN_CONFIG_DIR to a folder of your own, or make this one yours (sudo chown 4321 "${dir}").`,
      );
    } finally {
      getuid.mockRestore();
    }
  });

  it("a folder that cannot be created says so, with the cause", async () => {
    const dir = await tempDir();
    const dangling = path.join(dir, "link");
    await symlink(path.join(dir, "nowhere"), dangling);
    await expect(ensurePrivateDir(dangling)).rejects.toThrow(
      `Could not create the private folder ${dangling} (ENOENT): check the path and its permissions, or set CRONICORN_CONFIG_DIR to another folder.`,
    );
  });

  it("a folder that cannot be inspected says so, with the cause", async () => {
    const dir = await tempDir();
    const file = path.join(dir, "file");
    await writeFile(file, "x");
    await expect(checkPrivateDir(path.join(file, "below"))).rejects.toThrow(`Could not inspect the folder ${path.join(file, "below")} (ENOTDIR)`);
    await expect(ensurePrivateDir(path.join(file, "below"))).rejects.toThrow(`Could not inspect the folder ${path.join(file, "below")} (ENOTDIR)`);
  });

  it("ensurePrivateDir creates a missing folder 0700 and says so at debug level; an existing one quietly", async () => {
    const dir = await tempDir();
    const target = path.join(dir, "a", "b");
    const logger = captureLogger();
    await ensurePrivateDir(target, logger);
    expect(logger.lines).toEqual([{ level: "debug", message: `Created ${target} (0700) for credentials.` }]);
    expect(await checkPrivateDir(target)).toBe(true);
    const again = captureLogger();
    await ensurePrivateDir(target, again);
    expect(again.lines).toEqual([]);
  });
});

describe("helpers", () => {
  it("isProcessAlive: this process yes, an impossible pid no", () => {
    expect(isProcessAlive(process.pid)).toBe(true);
    expect(isProcessAlive(2 ** 22 + 12345)).toBe(false);
    expect(isProcessAlive(0)).toBe(false);
    expect(isProcessAlive(-1)).toBe(false);
    expect(isProcessAlive(1.5)).toBe(false);
  });

  it("isProcessAlive: a process that exists but is not ours is alive (EPERM), any other failure is not", () => {
    const kill = vi.spyOn(process, "kill");
    try {
      kill.mockImplementation(() => {
        throw coded("EPERM");
      });
      expect(isProcessAlive(4242)).toBe(true);
      kill.mockImplementation(() => {
        throw coded("ESRCH");
      });
      expect(isProcessAlive(4242)).toBe(false);
    } finally {
      kill.mockRestore();
    }
  });

  it("refresh locks are named refresh-<readable origin>-<hash>, readable part at most 60 characters", () => {
    expect(storeLockPath("/d", "https://cronicorn.com")).toBe("/d/refresh-cronicorn.com-a8db313e.lock");
    expect(storeLockPath("/d", "http://[::1]:8080")).toBe("/d/refresh-_1_8080-23f440d8.lock");
    const long = `https://${"a".repeat(70)}.example`;
    expect(storeLockPath("/d", long)).toBe(`/d/refresh-${"a".repeat(60)}-2a2a278d.lock`);
  });

  it("storeLockPath is per origin, inside the folder", () => {
    const a = storeLockPath("/d", "https://a.example");
    const b = storeLockPath("/d", "https://b.example");
    expect(a).not.toBe(b);
    expect(path.dirname(a)).toBe("/d");
    expect(storeLockPath("/d", "https://a.example")).toBe(a);
  });
});
