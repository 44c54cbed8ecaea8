/**
 * One `Session` in its own process, over the real file store and the real cross-process lock:
 *   session-cli <dir> <origin> refresh        credential() on a due record; the refresh grant prints
 *                                              "refreshing" and answers only after a line "answer" on stdin
 *   session-cli <dir> <origin> logout         forget()
 *   session-cli <dir> <origin> adopt <json>   adopt(record)
 * It prints "waiting for the lock" when the lock is held by another process, then one JSON line with
 * the outcome ({ok: …} or {error: name, message}), so tests synchronise on lines, never on time.
 */
import { createInterface } from "node:readline";
import { Session } from "../../../src/auth/session.js";
import { openTokenStore } from "../../../src/auth/store/index.js";
import { withStoreLock } from "../../../src/auth/store/lock.js";
import type { CredentialRecord } from "../../../src/auth/store/types.js";
import type { Logger } from "../../../src/core/log.js";

const [dir, origin, command, json] = process.argv.slice(2);
if (!dir || !origin || !command) throw new Error("usage: session-cli <dir> <origin> <refresh|logout|adopt> [json]");

const say = (line: string) => process.stdout.write(`${line}\n`);
const logger: Logger = {
  debug: (m) => (m.startsWith("Waiting for ") ? say("waiting for the lock") : undefined),
  info: () => undefined,
  warn: (m) => process.stderr.write(`warn ${m}\n`),
  error: (m) => process.stderr.write(`error ${m}\n`),
};
const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();

const session = new Session({
  origin,
  apiKey: undefined,
  refreshSkewMs: 60_000,
  store: () => openTokenStore({ mode: "file", dir, timeoutMs: 5_000, logger }),
  refresh: async (record: CredentialRecord) => {
    say("refreshing");
    await lines.next(); // "answer"
    const now = Date.now();
    return { ...record, access_token: `rotated-access-${now}`, refresh_token: `rotated-refresh-${now}`, expires_at: now + 3_600_000, obtained_at: now };
  },
  withLock: (fn) => withStoreLock(dir, origin, fn, { logger }),
  logger,
});

try {
  const outcome =
    command === "refresh"
      ? await session.credential()
      : command === "logout"
        ? await session.forget()
        : command === "adopt"
          ? await session.adopt(JSON.parse(json ?? "null") as CredentialRecord).then(() => "adopted")
          : undefined;
  if (outcome === undefined) throw new Error(`unknown command ${command}`);
  say(JSON.stringify({ ok: outcome }));
} catch (error) {
  say(JSON.stringify({ error: error instanceof Error ? error.name : "unknown", message: error instanceof Error ? error.message : String(error) }));
}
process.exit(0);
