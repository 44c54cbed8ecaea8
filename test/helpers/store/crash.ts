/** The crash-safety scenario of the file store, shared by the quick run and the soak run. */
import { readFile, readdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createFileStore } from "../../../src/auth/store/file.js";
import type { CredentialRecord } from "../../../src/auth/store/types.js";
import { CRASH_ORIGIN, captureLogger, crashRecord, exited, makeRecord, removeTempDirs, sleep, spawnFixture, tempDir, waitForLine } from "./harness.js";

const OTHER_ORIGIN = "http://127.0.0.1:4123";

/** (round, seq) of a record written by crash-writer, after checking every field agrees with them. */
function versionOf(record: CredentialRecord | null): [number, number] {
  expect(record).not.toBeNull();
  const stamp = record!.expires_at - 2_000_000_000_000;
  const version: [number, number] = [Math.floor(stamp / 1_000_000), stamp % 1_000_000];
  expect(record).toEqual(crashRecord(...version));
  return version;
}

/**
 * Writer processes SIGKILLed at random moments of a write, `KILLS` times: every read in between sees a
 * complete record, never an older one, and no other record is lost. `npm test` runs a few rounds
 * (test/e2e/store), `npm run test:soak` thirty (test/soak).
 */
export function describeCrashSafety(KILLS: number): void {
  afterEach(removeTempDirs);

  describe("file store: crash safety", () => {
    // Each writer process starts under tsx: on a busy 2-core machine thirty of them alone can pass a minute.
    it(`always reads a complete record when the writer is SIGKILLed mid-write, ${KILLS} times`, { timeout: 240_000 }, async () => {
      const dir = await tempDir("crash-");
      const logger = captureLogger();
      const store = createFileStore({ dir, logger });
      // Another origin's record and the official server's record must survive every crash too.
      await writeFile(path.join(dir, "credentials.json"), JSON.stringify({ access_token: "official-access-123", expires_at: 1_900_000_000 }), { mode: 0o600 });
      await store.write(OTHER_ORIGIN, makeRecord());
      await store.write(CRASH_ORIGIN, crashRecord(0, 0));
      let last: [number, number] = [0, 0];
      // Start each writer while the previous one runs: node + tsx start-up dominates otherwise.
      const start = (round: number) => {
        const child = spawnFixture("crash-writer.ts", [dir, String(round)]);
        return { child, loaded: waitForLine(child, "loaded") };
      };
      let next = start(1);

      try {
        for (let round = 1; round <= KILLS; round++) {
          const { child: writer, loaded } = next;
          await loaded;
          if (round < KILLS) next = start(round + 1);
          const ready = waitForLine(writer, "ready");
          writer.stdin?.write("go\n");
          await ready;
          await sleep(Math.random() * 30);
          writer.kill("SIGKILL");
          await exited(writer);

          const version = versionOf(await store.read(CRASH_ORIGIN));
          expect(version[0] > last[0] || (version[0] === last[0] && version[1] >= last[1])).toBe(true);
          last = version;
          expect(await store.read(OTHER_ORIGIN)).toEqual(makeRecord());
          expect(JSON.parse(await readFile(path.join(dir, "credentials.json"), "utf8"))).toMatchObject({ access_token: "official-access-123" });
          // At most the temp file of the write that was killed; the next write removes it.
          const temps = (await readdir(dir)).filter((name) => name.includes(".tmp-"));
          expect(temps.length).toBeLessThanOrEqual(1);
        }
      } finally {
        next.loaded.catch(() => undefined); // a writer started ahead of a failure exits unready
        next.child.kill("SIGKILL");
      }

      await store.write(CRASH_ORIGIN, crashRecord(KILLS + 1, 0));
      const left = await readdir(dir);
      expect(left.filter((name) => name.includes(".tmp-") || name.includes(".corrupt-"))).toEqual([]);
      expect(logger.warnings()).toEqual([]);
    });
  });
}
