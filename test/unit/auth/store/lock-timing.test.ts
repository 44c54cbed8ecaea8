/**
 * The lock's waiting, on a clock the test drives (no sleeping): the backoff and its cap, the deadline
 * and its message, when an ownerless or dead holder's lock is taken over, and what is left behind.
 */
import { mkdir, readdir, rm, stat, utimes, writeFile } from "node:fs/promises";
import { spawnSync } from "node:child_process";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { withNamedLock, type LockClock } from "../../../../src/auth/store/lock.js";
import { StoreError } from "../../../../src/auth/store/types.js";
import { captureLogger, removeTempDirs, tempDir } from "../../../helpers/store/harness.js";
import { until } from "../../../helpers/until.js";

afterEach(removeTempDirs);

const NAME = "credentials.json";
const HOST = encodeURIComponent(os.hostname());

/** A clock at `start` whose sleeps return at once and move it on; `onSleep` may change the world meanwhile. */
function virtualClock(start: number, onSleep: (count: number) => Promise<void> | void = () => undefined) {
  const sleeps: number[] = [];
  const clock: LockClock & { sleeps: number[]; at: number } = {
    sleeps,
    at: start,
    now: () => clock.at,
    random: () => 0.25,
    async sleep(ms) {
      sleeps.push(ms);
      clock.at += ms;
      await onSleep(sleeps.length);
    },
  };
  return clock;
}

/** A lock folder as another holder would leave it; returns its path and its mtime. */
async function plantLock(dir: string, ownerFile: string | null): Promise<{ lockDir: string; mtimeMs: number }> {
  const lockDir = path.join(dir, `${NAME}.lock`);
  await mkdir(lockDir, { recursive: true, mode: 0o700 });
  if (ownerFile) await writeFile(path.join(lockDir, ownerFile), "");
  return { lockDir, mtimeMs: (await stat(lockDir)).mtimeMs };
}

/** A pid that certainly belonged to a process and no longer does. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
  return Number(child.stdout);
}

async function privateDir(): Promise<string> {
  const dir = await tempDir("lock-timing-");
  await mkdir(dir, { recursive: true, mode: 0o700 });
  return dir;
}

describe("waiting for a live holder", () => {
  it("backs off 10, 20, 40 … ms (spread by the random factor), caps at 250 ms, stops exactly at the deadline, and names the holder", async () => {
    const dir = await privateDir();
    const { lockDir } = await plantLock(dir, `owner.${process.pid}.${HOST}`);
    const clock = virtualClock(Date.now());
    let ran = false;
    const error = await withNamedLock(dir, NAME, async () => (ran = true), { maxWaitMs: 1000, clock }).catch((err: unknown) => err);

    // random() = 0.25 makes each wait 0.75 × the backoff: 10, 20, 40, 80, 160, then 250 ms until the last 17.5 ms.
    expect(clock.sleeps).toEqual([7.5, 15, 30, 60, 120, 187.5, 187.5, 187.5, 187.5, 17.5]);
    expect(ran).toBe(false);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as Error).message).toBe(
      `Timed out after 1 s waiting for the lock ${lockDir}, held by another cronicorn-mcp process (pid ${process.pid} on ${os.hostname()}). ` +
        `If no other cronicorn-mcp is running, delete ${lockDir} and try again.`,
    );
    expect(await readdir(lockDir)).toEqual([`owner.${process.pid}.${HOST}`]);
  });

  it("says a short wait in milliseconds, and leaves out the holder it cannot name", async () => {
    const dir = await privateDir();
    const { lockDir } = await plantLock(dir, null);
    const clock = virtualClock(Date.now());
    const error = await withNamedLock(dir, NAME, async () => "never", { maxWaitMs: 500, clock }).catch((err: unknown) => err);
    expect((error as Error).message).toBe(
      `Timed out after 500 ms waiting for the lock ${lockDir}, held by another cronicorn-mcp process. If no other cronicorn-mcp is running, delete ${lockDir} and try again.`,
    );
  });

  it("waits for a live holder past the grace an ownerless lock gets", async () => {
    const dir = await privateDir();
    await plantLock(dir, `owner.${process.pid}.${HOST}`);
    const clock = virtualClock(Date.now());
    await expect(withNamedLock(dir, NAME, async () => "never", { maxWaitMs: 5000, clock })).rejects.toThrow("Timed out after 5 s");
    expect(clock.at).toBeGreaterThan(Date.now() + 4000);
  });

  it("takes the lock as soon as the holder lets go", async () => {
    const dir = await privateDir();
    const { lockDir } = await plantLock(dir, `owner.${process.pid}.${HOST}`);
    const clock = virtualClock(Date.now(), async (count) => {
      if (count === 3) await rm(lockDir, { recursive: true });
    });
    expect(await withNamedLock(dir, NAME, async () => "mine", { maxWaitMs: 60_000, clock })).toBe("mine");
    expect(clock.sleeps).toHaveLength(3);
  });

  it("does not take over a lock whose holder is on another machine, even if that pid is dead here", async () => {
    const dir = await privateDir();
    const { lockDir } = await plantLock(dir, `owner.${deadPid()}.another-host`);
    const clock = virtualClock(Date.now());
    await expect(withNamedLock(dir, NAME, async () => "never", { maxWaitMs: 1000, clock })).rejects.toThrow(/on another-host\)/);
    expect(await readdir(lockDir)).toHaveLength(1);
  });
});

describe("taking over an abandoned lock", () => {
  it("takes over another machine's lock once it has gone untouched for staleMs", async () => {
    const dir = await privateDir();
    const { lockDir } = await plantLock(dir, "owner.1.another-host");
    const fiveSecondsAgo = new Date(Date.now() - 5000);
    await utimes(lockDir, fiveSecondsAgo, fiveSecondsAgo);
    const clock = virtualClock(Date.now());
    // Stale after 2 s here (the default would be 10 s, and the lock would still be held).
    expect(await withNamedLock(dir, NAME, async () => "recovered", { staleMs: 2000, maxWaitMs: 1000, clock })).toBe("recovered");
  });

  it("takes over at once from a holder on this machine that has exited, and says so", async () => {
    const dir = await privateDir();
    const pid = deadPid();
    const { lockDir } = await plantLock(dir, `owner.${pid}.${HOST}`);
    const logger = captureLogger();
    const clock = virtualClock(Date.now());
    expect(await withNamedLock(dir, NAME, async () => "recovered", { clock, logger })).toBe("recovered");
    expect(clock.sleeps).toEqual([]);
    expect(logger.lines).toContainEqual({ level: "debug", message: `Took over ${lockDir}, left by process ${pid}, which has exited.` });
  });

  it("gives a lock without an owner exactly 2 s from its creation before taking it over", async () => {
    const dir = await privateDir();
    const { lockDir, mtimeMs } = await plantLock(dir, null);
    // Waits of 0.75 × backoff add up to 1920 ms after 14 of them: starting 80 ms after the lock was
    // made, the 15th look at the lock is at exactly 2000 ms, which is when the grace ends.
    const clock = virtualClock(mtimeMs + 80);
    const logger = captureLogger();
    expect(await withNamedLock(dir, NAME, async () => "recovered", { maxWaitMs: 60_000, clock, logger })).toBe("recovered");
    expect(clock.sleeps).toHaveLength(14);
    expect(clock.at - mtimeMs).toBe(2000);
    expect(logger.lines).toContainEqual({ level: "debug", message: `Took over ${lockDir}, left by a process that died while locking.` });
  });

  it("reads only a file named owner.<pid>.<host> as the holder", async () => {
    const dir = await privateDir();
    // Looks like a dead holder's name, but is not one: the lock counts as ownerless (and fresh).
    await plantLock(dir, `not-owner.${deadPid()}.${HOST}`);
    const clock = virtualClock(Date.now());
    await expect(withNamedLock(dir, NAME, async () => "never", { maxWaitMs: 1000, clock })).rejects.toThrow(/held by another cronicorn-mcp process\. If/);
  });
});

describe("what a holder leaves", () => {
  it("names itself inside the lock while it holds it, and removes graves that killed releases left", async () => {
    const dir = await privateDir();
    const grave = path.join(dir, `${NAME}.lock.gone-0badc0de`);
    const unrelated = path.join(dir, `other-${NAME}.lock.gone-0badc0de`);
    await mkdir(grave);
    await mkdir(unrelated);
    const inside = await withNamedLock(dir, NAME, () => readdir(path.join(dir, `${NAME}.lock`)));
    expect(inside).toEqual([`owner.${process.pid}.${HOST}`]);
    expect((await readdir(dir)).sort()).toEqual([path.basename(unrelated)]);
  });

  it("reports a lock that cannot be created as a store error, without waiting", async () => {
    const dir = await privateDir();
    const clock = virtualClock(Date.now());
    await expect(withNamedLock(dir, "missing-folder/credentials.json", async () => "never", { clock })).rejects.toThrow(
      `Could not create the lock ${path.join(dir, "missing-folder/credentials.json.lock")} (ENOENT)`,
    );
    expect(clock.sleeps).toEqual([]);
  });

  it("queues a third caller behind the second, not beside it, once the first is done", async () => {
    const dir = await privateDir();
    const clock = virtualClock(Date.now());
    const order: string[] = [];
    let releaseFirst!: () => void;
    let releaseSecond!: () => void;
    let secondStarted!: () => void;
    const started = new Promise<void>((resolve) => (secondStarted = resolve));
    const first = withNamedLock(dir, NAME, () => new Promise<void>((resolve) => (releaseFirst = resolve)).then(() => void order.push("first")), { clock });
    const second = withNamedLock(
      dir,
      NAME,
      () => {
        secondStarted();
        return new Promise<void>((resolve) => (releaseSecond = resolve)).then(() => void order.push("second"));
      },
      { clock },
    );
    await new Promise((resolve) => setTimeout(resolve, 20));
    releaseFirst();
    await first;
    await started;
    const third = withNamedLock(dir, NAME, async () => void order.push("third"), { clock });
    await new Promise((resolve) => setTimeout(resolve, 20));
    releaseSecond();
    await Promise.all([second, third]);
    expect(order).toEqual(["first", "second", "third"]);
    // Queued in this process, the third never had to poll the lock folder.
    expect(clock.sleeps).toEqual([]);
  });
});

describe("a lock lost while held", () => {
  it("warns that another process may be writing, and reports the failed release at debug level instead of throwing", async () => {
    const dir = await privateDir();
    const lockDir = path.join(dir, `${NAME}.lock`);
    const logger = captureLogger();
    const result = await withNamedLock(
      dir,
      NAME,
      async () => {
        // Someone removes the lock under us: the holder notices at its next touch (half of staleMs).
        await rm(lockDir, { recursive: true });
        await until(() => logger.warnings().length > 0);
        return "done anyway";
      },
      { staleMs: 2000, logger },
    );
    expect(result).toBe("done anyway");
    expect(logger.warnings()[0]).toMatch(new RegExp(`^Lost the lock ${escape(lockDir)} \\(.+\\); another process may be writing at the same time\\.$`));
    expect(logger.lines.some((l) => l.level === "debug" && l.message.startsWith(`Releasing ${path.join(dir, NAME)}.lock: `))).toBe(true);
  });
});

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
