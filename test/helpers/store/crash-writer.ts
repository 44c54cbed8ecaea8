/**
 * Prints "loaded", waits for "go" on stdin (so the test can start it ahead of time), then writes new
 * records for CRASH_ORIGIN as fast as it can until killed, printing "ready" after the first.
 */
import { once } from "node:events";
import { createFileStore } from "../../../src/auth/store/file.js";
import { silentLogger } from "../../../src/core/log.js";
import { CRASH_ORIGIN, crashRecord } from "./harness.js";

const [dir, round] = process.argv.slice(2);
if (!dir || !round) throw new Error("usage: crash-writer <dir> <round>");
const store = createFileStore({ dir, logger: silentLogger });
process.stdout.write("loaded\n");
await once(process.stdin, "data");
for (let seq = 0; ; seq++) {
  await store.write(CRASH_ORIGIN, crashRecord(Number(round), seq));
  if (seq === 0) process.stdout.write("ready\n");
}
