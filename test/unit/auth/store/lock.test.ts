import { mkdir, readFile, readdir, stat, utimes, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { storeLockPath, withStoreLock } from "../../../../src/auth/store/lock.js";
import { StoreError } from "../../../../src/auth/store/types.js";
import { exited, finished, removeTempDirs, sleep, spawnFixture, tempDir, waitForLine } from "../../../helpers/store/harness.js";

const ORIGIN = "https://cronicorn.com";
const TIMES = 20;

/** Two processes, started together, each doing TIMES read-increment-writes of one counter; returns the final count. */
async function raceTwoCounters(mode: "lock" | "nolock"): Promise<number> {
  const dir = await tempDir("lock-");
  const children = [0, 1].map(() => spawnFixture("lock-counter.ts", [dir, String(TIMES), mode]));
  await Promise.all(children.map((child) => waitForLine(child, "ready")));
  const results = children.map((child) => finished(child));
  for (const child of children) child.stdin?.write("go\n");
  for (const result of await Promise.all(results)) expect(result, result.stderr).toMatchObject({ code: 0 });
  return Number(await readFile(path.join(dir, "counter.txt"), "utf8"));
}

/** A lock folder as a holder on another machine, or one that died before naming itself, would leave it. */
async function plantLock(dir: string, owner: string | null, ageMs: number): Promise<string> {
  const lockDir = storeLockPath(dir, ORIGIN);
  await mkdir(lockDir, { recursive: true });
  if (owner) await writeFile(path.join(lockDir, owner), "");
  const then = new Date(Date.now() - ageMs);
  await utimes(lockDir, then, then);
  return lockDir;
}

afterEach(removeTempDirs);

describe("withStoreLock", () => {
  it(`loses no update when two processes each read-increment-write a counter ${TIMES} times under the lock`, async () => {
    expect(await raceTwoCounters("lock")).toBe(2 * TIMES);
  });

  it("is needed: without it the same two processes lose updates", async () => {
    // Unlocked, the count comes out wrong either way: low (an update lost) or high (a shorter number
    // written over a longer one). Likely, not certain: on a loaded machine one process can finish
    // before the other starts, so up to three races, and one must go wrong.
    const counts: number[] = [];
    while (counts.length < 3 && counts.every((count) => count === 2 * TIMES)) counts.push(await raceTwoCounters("nolock"));
    expect(
      counts.some((count) => count !== 2 * TIMES),
      `counts: ${counts.join(", ")}`,
    ).toBe(true);
  });

  it("serializes callers within one process too", async () => {
    const dir = await tempDir("lock-");
    let counter = 0;
    await Promise.all(
      Array.from({ length: 10 }, () =>
        withStoreLock(dir, ORIGIN, async () => {
          const seen = counter;
          await sleep(2);
          counter = seen + 1;
        }),
      ),
    );
    expect(counter).toBe(10);
  });

  it("creates the store folder 0700 and leaves nothing behind", async () => {
    const dir = path.join(await tempDir("lock-"), ".cronicorn");
    expect(await withStoreLock(dir, ORIGIN, async () => "done")).toBe("done");
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    expect(await readdir(dir)).toEqual([]);
  });

  it("releases the lock when the function throws", async () => {
    const dir = await tempDir("lock-");
    await expect(withStoreLock(dir, ORIGIN, async () => Promise.reject(new Error("refresh failed")))).rejects.toThrow("refresh failed");
    expect(await withStoreLock(dir, ORIGIN, async () => "again", { maxWaitMs: 100 })).toBe("again");
  });

  it("does not make refreshes of two origins wait for each other", async () => {
    const dir = await tempDir("lock-");
    const inner = await withStoreLock(dir, ORIGIN, () => withStoreLock(dir, "http://127.0.0.1:4123", async () => "nested", { maxWaitMs: 100 }));
    expect(inner).toBe("nested");
  });

  it("takes over a lock left by a holder that was SIGKILLed, without waiting for it to go stale", async () => {
    const dir = await tempDir("lock-");
    const holder = spawnFixture("lock-holder.ts", [dir, ORIGIN]);
    await waitForLine(holder, "locked");
    holder.kill("SIGKILL");
    await exited(holder);
    expect((await stat(storeLockPath(dir, ORIGIN))).isDirectory()).toBe(true);
    // Stale only after a minute, yet recovered within the 5 s wait: the dead owner was recognised.
    expect(await withStoreLock(dir, ORIGIN, async () => "recovered", { staleMs: 60_000, maxWaitMs: 5_000 })).toBe("recovered");
  });

  it("recovers a lock whose holder died before naming itself, once it is stale", async () => {
    const dir = await tempDir("lock-");
    await plantLock(dir, null, 60_000);
    expect(await withStoreLock(dir, ORIGIN, async () => "recovered", { maxWaitMs: 5_000 })).toBe("recovered");
  });

  it("recovers a stale lock held by a process on another machine", async () => {
    const dir = await tempDir("lock-");
    await plantLock(dir, "owner.1.other-host", 60_000);
    expect(await withStoreLock(dir, ORIGIN, async () => "recovered", { staleMs: 2_000, maxWaitMs: 5_000 })).toBe("recovered");
  });

  it("gives up with a StoreError naming the lock and its holder while a live process holds it", async () => {
    const dir = await tempDir("lock-");
    const holder = spawnFixture("lock-holder.ts", [dir, ORIGIN]);
    try {
      await waitForLine(holder, "locked");
      const error = await withStoreLock(dir, ORIGIN, async () => "never", { maxWaitMs: 300 }).catch((err: unknown) => err);
      expect(error).toBeInstanceOf(StoreError);
      expect((error as Error).message).toContain(storeLockPath(dir, ORIGIN));
      expect((error as Error).message).toMatch(new RegExp(`Timed out after 300 ms .*pid ${holder.pid}.*delete .* and try again`));
    } finally {
      holder.kill("SIGKILL");
      await exited(holder);
    }
  });
});
