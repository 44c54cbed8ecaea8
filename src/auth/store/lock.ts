/**
 * The store folder and the locks kept in it. A refresh holds a per-origin lock so that a second
 * process re-reads the rotated token instead of spending the old one (a refresh token is good for one use); the file
 * store holds its own lock around read-modify-write so no process loses another origin's record.
 *
 * proper-lockfile gives atomic mkdir locks that go stale when their holder stops touching them.
 * We also name the holder (pid, host) inside the lock, so a lock left by a killed process on this
 * machine is taken over at once instead of after `staleMs`.
 */
import fs from "node:fs";
import { mkdir, readdir, rename, rm, stat } from "node:fs/promises";
import { createHash, randomBytes } from "node:crypto";
import os from "node:os";
import path from "node:path";
import { silentLogger, type Logger } from "../../core/log.js";
import { StoreError } from "./types.js";

export interface LockOptions {
  /** Give up after waiting this long for another process (default 60 s for refresh, 10 s for the file); callers queued in this process wait their turn first. */
  maxWaitMs?: number;
  /** A lock its holder has not touched for this long is abandoned (default 10 s; proper-lockfile's minimum is 2 s). */
  staleMs?: number;
  logger?: Logger;
  /** Time as the lock sees it (the wait, the backoff, an ownerless lock's grace); tests drive it without sleeping. */
  clock?: LockClock;
}

export interface LockClock {
  now(): number;
  sleep(ms: number): Promise<void>;
  /** In [0, 1): spreads the backoff so waiting processes do not retry in step. */
  random(): number;
}

const realClock: LockClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
  random: () => Math.random(),
};

const DEFAULT_STALE_MS = 10_000;
const DEFAULT_REFRESH_WAIT_MS = 60_000;
const DEFAULT_FILE_WAIT_MS = 10_000;
const FIRST_BACKOFF_MS = 10;
const MAX_BACKOFF_MS = 250;
/** A live holder names itself right after mkdir; a lock still without an owner after this is abandoned. */
const OWNERLESS_GRACE_MS = 2_000;
const OWNER_PREFIX = "owner.";
const GRAVE_MARK = ".gone-";

export function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

/** A failed file-system operation as an error that says what to do about it. */
export function storeIoError(action: string, target: string, err: unknown): StoreError {
  const code = errorCode(err) ?? (err instanceof Error ? err.message : String(err));
  const folder = path.dirname(target);
  const hints: Record<string, string> = {
    EACCES: `permission denied: make it yours and private (chmod 700 "${folder}"; chmod 600 on the files in it), or set CRONICORN_CONFIG_DIR to a folder you own`,
    EPERM: `operation not permitted: make "${folder}" yours (chown/chmod 700), or set CRONICORN_CONFIG_DIR to a folder you own`,
    ENOSPC: "the disk is full: free some space and try again",
    EROFS: "the file system is read-only: set CRONICORN_CONFIG_DIR to a writable folder",
    ENOTDIR: "a file is in the way where a folder should be: move it, or set CRONICORN_CONFIG_DIR to another folder",
    EISDIR: "a folder is in the way where a file should be: move it, or set CRONICORN_CONFIG_DIR to another folder",
  };
  const hint = hints[code] ?? "check the path and its permissions, or set CRONICORN_CONFIG_DIR to another folder";
  return new StoreError(`Could not ${action} ${target} (${code}): ${hint}.`, { cause: err });
}

/**
 * Whether `dir` exists and may hold credentials: a folder of the current user that nobody else can
 * write to (anyone who can write there can swap the files). False when it does not exist; a
 * StoreError that spells out the fix otherwise. It never changes a folder: we chmod only what we create.
 */
export async function checkPrivateDir(dir: string): Promise<boolean> {
  let info;
  try {
    info = await stat(dir);
  } catch (err) {
    if (errorCode(err) === "ENOENT") return false;
    throw storeIoError("inspect the folder", dir, err);
  }
  if (!info.isDirectory()) throw storeIoError("use the folder", dir, Object.assign(new Error("not a directory"), { code: "ENOTDIR" }));
  const uid = process.getuid?.();
  if (process.platform === "win32" || uid === undefined) return true;
  if (info.uid !== uid) {
    throw new StoreError(
      `${dir} belongs to another user (uid ${info.uid}), so it cannot hold your credentials: set CRONICORN_CONFIG_DIR to a folder of your own, or make this one yours (sudo chown ${uid} "${dir}").`,
    );
  }
  if ((info.mode & 0o022) !== 0) {
    throw new StoreError(
      `${dir} can be written by other users (mode ${(info.mode & 0o7777).toString(8)}), so it cannot hold credentials: set CRONICORN_CONFIG_DIR to a private folder, or, if only you use it, run chmod 700 "${dir}".`,
    );
  }
  return true;
}

/** Create `dir` 0700 when it is missing; an existing folder must already be private (checkPrivateDir). */
export async function ensurePrivateDir(dir: string, logger: Logger = silentLogger): Promise<void> {
  if (await checkPrivateDir(dir)) return;
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw storeIoError("create the private folder", dir, err);
  }
  logger.debug(`Created ${dir} (0700) for credentials.`);
  // Another process may have created it at the same moment: check what is there now.
  await checkPrivateDir(dir);
}

export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return errorCode(err) === "EPERM";
  }
}

interface Owner {
  pid: number;
  host: string;
}

/** The holder is named by an empty file, `owner.<pid>.<host>`: a name appears atomically, content does not. */
const ownerFileName = (): string => `${OWNER_PREFIX}${process.pid}.${encodeURIComponent(os.hostname())}`;

/** Where a lock goes to be deleted: renaming frees the lock atomically, so a holder killed while releasing leaves no lock. */
const graveOf = (lockDir: string): string => `${lockDir}${GRAVE_MARK}${randomBytes(4).toString("hex")}`;

/**
 * The file system proper-lockfile works through (its documented `fs` option): creating a lock also
 * creates the owner file inside it, before proper-lockfile records the lock's mtime; removing one
 * renames it away first, then deletes it with its owner file.
 */
const lockFs = {
  ...fs,
  mkdir(dir: string, callback: (err: unknown) => void): void {
    // Synchronous on purpose: a holder killed between creating the lock and naming itself leaves a
    // lock nobody can attribute (it waits out the grace period); back-to-back syscalls make that rare.
    let error: unknown = null;
    try {
      fs.mkdirSync(dir);
      try {
        fs.closeSync(fs.openSync(path.join(dir, ownerFileName()), "wx", 0o600));
      } catch (err) {
        // A lock without an owner would look abandoned to others: give it up rather than hold it.
        fs.rmSync(dir, { recursive: true, force: true });
        throw err;
      }
    } catch (err) {
      error = err;
    }
    process.nextTick(callback, error);
  },
  rmdir(dir: string, callback: (err: NodeJS.ErrnoException | null) => void): void {
    const grave = graveOf(dir);
    fs.rename(dir, grave, (err) => {
      if (err) return callback(err);
      fs.rm(grave, { recursive: true, force: true }, () => callback(null));
    });
  },
  rmdirSync(dir: string): void {
    const grave = graveOf(dir);
    fs.renameSync(dir, grave);
    fs.rmSync(grave, { recursive: true, force: true });
  },
};

/** Remove what holders killed between renaming and deleting left behind; nobody uses a grave. */
async function removeGraves(lockDir: string): Promise<void> {
  const prefix = `${path.basename(lockDir)}${GRAVE_MARK}`;
  const names = await readdir(path.dirname(lockDir)).catch(() => [] as string[]);
  const graves = names.filter((name) => name.startsWith(prefix));
  await Promise.all(graves.map((name) => rm(path.join(path.dirname(lockDir), name), { recursive: true, force: true }).catch(() => undefined)));
}

async function readOwner(lockDir: string): Promise<Owner | null> {
  const names = await readdir(lockDir).catch(() => [] as string[]);
  for (const name of names) {
    const match = /^owner\.(\d+)\.(.*)$/.exec(name);
    if (match?.[1] && match[2] !== undefined) return { pid: Number(match[1]), host: decodeURIComponent(match[2]) };
  }
  return null;
}

/** True when the lock at `lockDir` is gone or was left by a process that no longer exists (and is now removed). */
async function clearAbandoned(lockDir: string, logger: Logger, clock: LockClock): Promise<boolean> {
  const owner = await readOwner(lockDir);
  if (owner) {
    if (owner.host !== os.hostname() || isProcessAlive(owner.pid)) return false;
  } else {
    const info = await stat(lockDir).catch(() => null);
    if (!info) return true;
    if (clock.now() - info.mtimeMs < OWNERLESS_GRACE_MS) return false;
  }
  // Rename first: only one of several waiters can move it, so only one removes it.
  const grave = graveOf(lockDir);
  try {
    await rename(lockDir, grave);
  } catch (err) {
    return errorCode(err) === "ENOENT";
  }
  await rm(grave, { recursive: true, force: true }).catch(() => undefined);
  logger.debug(`Took over ${lockDir}, left by ${owner ? `process ${owner.pid}, which has exited` : "a process that died while locking"}.`);
  return true;
}

const formatDuration = (ms: number): string => (ms >= 1000 ? `${Math.round(ms / 1000)} s` : `${ms} ms`);

type Release = () => Promise<void>;

async function acquire(target: string, maxWaitMs: number, opts: LockOptions, logger: Logger): Promise<Release> {
  const { default: lockfile } = await import("proper-lockfile");
  const lockDir = `${target}.lock`;
  const clock = opts.clock ?? realClock;
  const deadline = clock.now() + maxWaitMs;
  let backoff = FIRST_BACKOFF_MS;
  let waited = false;
  for (;;) {
    try {
      const release = await lockfile.lock(target, {
        realpath: false,
        retries: 0,
        stale: opts.staleMs ?? DEFAULT_STALE_MS,
        fs: lockFs,
        // proper-lockfile's default throws from a timer, which would crash the server.
        onCompromised: (err) => logger.warn(`Lost the lock ${lockDir} (${err.message}); another process may be writing at the same time.`),
      });
      await removeGraves(lockDir);
      return release;
    } catch (err) {
      if (errorCode(err) !== "ELOCKED") throw storeIoError("create the lock", lockDir, err);
    }
    if (await clearAbandoned(lockDir, logger, clock)) continue;
    if (!waited) {
      waited = true;
      const owner = await readOwner(lockDir);
      logger.debug(`Waiting for ${lockDir}, held by ${owner ? `process ${owner.pid} on ${owner.host}` : "another process"}.`);
    }
    const left = deadline - clock.now();
    if (left <= 0) {
      const owner = await readOwner(lockDir);
      throw new StoreError(
        `Timed out after ${formatDuration(maxWaitMs)} waiting for the lock ${lockDir}, held by another cronicorn-mcp process` +
          `${owner ? ` (pid ${owner.pid} on ${owner.host})` : ""}. If no other cronicorn-mcp is running, delete ${lockDir} and try again.`,
      );
    }
    await clock.sleep(Math.min(left, backoff * (0.5 + clock.random())));
    backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
  }
}

/** In-process queue per lock: proper-lockfile is not re-entrant, and queuing beats polling here. */
const queues = new Map<string, Promise<unknown>>();

function enqueue<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const run = (queues.get(key) ?? Promise.resolve()).then(fn);
  const tail = run.catch(() => undefined);
  queues.set(key, tail);
  void tail.then(() => {
    if (queues.get(key) === tail) queues.delete(key);
  });
  return run;
}

/**
 * Run `fn` holding the exclusive lock `<dir>/<name>.lock` (creating `dir` 0700). Not re-entrant:
 * calling it again for the same lock inside `fn` waits forever.
 */
export function withNamedLock<T>(dir: string, name: string, fn: () => Promise<T>, opts: LockOptions = {}): Promise<T> {
  const logger = opts.logger ?? silentLogger;
  const target = path.resolve(dir, name);
  return enqueue(target, async () => {
    await ensurePrivateDir(dir, logger);
    const release = await acquire(target, opts.maxWaitMs ?? DEFAULT_FILE_WAIT_MS, opts, logger);
    try {
      return await fn();
    } finally {
      await release().catch((err: unknown) => logger.debug(`Releasing ${target}.lock: ${String(err)}`));
    }
  });
}

/** `refresh-<readable origin>-<hash>`: one lock per origin, so refreshes of two servers do not wait on each other. */
function refreshLockName(origin: string): string {
  const readable = origin
    .replace(/^[a-z][a-z0-9+.-]*:\/\//i, "")
    .replace(/[^a-z0-9.-]+/gi, "_")
    .slice(0, 60);
  const hash = createHash("sha256").update(origin).digest("hex").slice(0, 8);
  return `refresh-${readable}-${hash}`;
}

/** The lock folder `withStoreLock` holds for `origin` (for status output and tests). */
export function storeLockPath(dir: string, origin: string): string {
  return `${path.resolve(dir, refreshLockName(origin))}.lock`;
}

/**
 * Run `fn` while no other process refreshes the token of `origin`: re-read the store inside `fn`,
 * since another process may have rotated the token while this one waited.
 */
export function withStoreLock<T>(dir: string, origin: string, fn: () => Promise<T>, opts: LockOptions = {}): Promise<T> {
  return withNamedLock(dir, refreshLockName(origin), fn, { ...opts, maxWaitMs: opts.maxWaitMs ?? DEFAULT_REFRESH_WAIT_MS });
}
