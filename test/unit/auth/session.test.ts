/**
 * `Session` alone, in process: a manual clock, an in-memory store, a counting refresher and a
 * pass-through lock. These pin down the decisions the spawned-server tests cannot isolate: when a
 * refresh happens (ahead of expiry, by the skew) and that one process spends a refresh token once.
 */
import { describe, expect, it } from "vitest";
import { RefreshRejectedError } from "../../../src/auth/session.js";
import type { SessionDeps } from "../../../src/auth/session.js";
import { silentLogger, redact } from "../../../src/core/log.js";
import { MemoryStore, ORIGIN, SKEW_MS, countingRefresher, manualClock, record, sessionFor } from "../../helpers/session-parts.js";
import { AuthRequiredError } from "../../../src/auth/errors.js";
import { NetworkError } from "../../../src/net/errors.js";
import type { CredentialRecord } from "../../../src/auth/store/types.js";
import { StoreError } from "../../../src/auth/store/types.js";
import { captureLogger } from "../../helpers/store/harness.js";

const SKEW = SKEW_MS;
const HOUR = 3_600_000;

function sessionWith(overrides: Omit<Partial<SessionDeps>, "store"> & { store: MemoryStore }) {
  const { store, ...rest } = overrides;
  return sessionFor(store, rest);
}

describe("Session: refresh ahead of expiry (injected clock)", () => {
  it("refreshes a token that is still valid but inside the skew before handing it out", async () => {
    const clock = manualClock();
    const store = new MemoryStore();
    const stale = record(clock.now(), SKEW / 2); // valid for 30 s more, inside the 60 s skew
    store.records.set(ORIGIN, stale);
    const refresher = countingRefresher(clock, HOUR);
    const session = sessionWith({ store, refresh: refresher.refresh, now: clock.now });

    const credential = await session.credential();

    expect(refresher.spent).toEqual([stale.refresh_token]);
    expect(credential).toEqual({ kind: "bearer", value: store.records.get(ORIGIN)?.access_token });
    expect(credential.value).not.toBe(stale.access_token);
    expect(store.writes).toBe(1); // persisted before use
  });

  it("hands out a token outside the skew as it is, then refreshes once the clock enters the skew", async () => {
    const clock = manualClock();
    const store = new MemoryStore();
    const current = record(clock.now(), SKEW + 1_000);
    store.records.set(ORIGIN, current);
    const refresher = countingRefresher(clock, HOUR);
    const session = sessionWith({ store, refresh: refresher.refresh, now: clock.now });

    expect(await session.credential()).toEqual({ kind: "bearer", value: current.access_token });
    expect(refresher.calls).toBe(0);

    clock.advance(1_000); // now exactly SKEW before expiry: still not inside it
    expect((await session.credential()).value).toBe(current.access_token);
    expect(refresher.calls).toBe(0);

    clock.advance(1);
    expect((await session.credential()).value).not.toBe(current.access_token);
    expect(refresher.calls).toBe(1);
  });

  it("keeps using a valid token without a refresh token until it expires, then asks for a sign-in", async () => {
    const clock = manualClock();
    const store = new MemoryStore();
    const { refresh_token: _dropped, ...noRefresh } = record(clock.now(), SKEW / 2);
    store.records.set(ORIGIN, noRefresh);
    const session = sessionWith({ store, now: clock.now });

    expect((await session.credential()).value).toBe(noRefresh.access_token);
    clock.advance(SKEW / 2); // the last millisecond of its life
    expect((await session.credential()).value).toBe(noRefresh.access_token);
    clock.advance(1);
    await expect(session.credential()).rejects.toThrow(/sign-in has expired/);
  });

  it("asks for a sign-in when nothing is stored", async () => {
    const session = sessionWith({ store: new MemoryStore() });
    const error = await session.credential().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthRequiredError);
    expect((error as AuthRequiredError).signInHelps).toBe(true);
  });

  it("uses CRONICORN_API_KEY over any stored record and never refreshes it", async () => {
    const store = new MemoryStore();
    store.records.set(ORIGIN, record(0, 0));
    const session = sessionWith({ store, apiKey: "key-from-the-environment" });
    expect(session.usesApiKey).toBe(true);
    expect(await session.credential()).toEqual({ kind: "api-key", value: "key-from-the-environment" });
    expect(await session.unauthorized({ kind: "api-key", value: "key-from-the-environment" })).toBeNull();
    expect(sessionWith({ store }).usesApiKey).toBe(false);
  });
});

describe("Session: single flight in one process (pass-through lock)", () => {
  it("refreshes once for 50 concurrent calls when the token is inside the skew", async () => {
    const clock = manualClock();
    const store = new MemoryStore();
    const stale = record(clock.now(), 1_000);
    store.records.set(ORIGIN, stale);
    const refresher = countingRefresher(clock, HOUR);
    refresher.hold(); // every caller arrives while the first refresh is still in flight
    const session = sessionWith({ store, refresh: refresher.refresh, now: clock.now });

    const calls = Array.from({ length: 50 }, () => session.credential());
    await new Promise((resolve) => setImmediate(resolve));
    refresher.release();
    const credentials = await Promise.all(calls);

    expect(refresher.calls).toBe(1);
    expect(new Set(credentials.map((c) => c.value))).toEqual(new Set([store.records.get(ORIGIN)?.access_token]));
    expect(store.writes).toBe(1);
  });

  it("refreshes once for 50 concurrent 401s on the same token, and answers each with the new one", async () => {
    const clock = manualClock();
    const store = new MemoryStore();
    const current = record(clock.now(), HOUR);
    store.records.set(ORIGIN, current);
    const refresher = countingRefresher(clock, HOUR);
    refresher.hold();
    const session = sessionWith({ store, refresh: refresher.refresh, now: clock.now });
    const rejected = await session.credential();

    const retries = Array.from({ length: 50 }, () => session.unauthorized(rejected));
    await new Promise((resolve) => setImmediate(resolve));
    refresher.release();
    const answers = await Promise.all(retries);

    expect(refresher.calls).toBe(1);
    const fresh = store.records.get(ORIGIN)?.access_token;
    expect(fresh).not.toBe(current.access_token);
    for (const answer of answers) expect(answer).toEqual({ kind: "bearer", value: fresh });
  });

  it("after a refresh finishes, the next one that is due starts a new refresh", async () => {
    const clock = manualClock();
    const store = new MemoryStore();
    store.records.set(ORIGIN, record(clock.now(), 1_000));
    const refresher = countingRefresher(clock, SKEW * 2);
    const session = sessionWith({ store, refresh: refresher.refresh, now: clock.now });

    await session.credential();
    clock.advance(SKEW + 1); // the refreshed token is now inside the skew too
    await session.credential();
    expect(refresher.calls).toBe(2);
  });
});

describe("Session: after a 401", () => {
  it("uses a token another call already put in place instead of refreshing again", async () => {
    const clock = manualClock();
    const store = new MemoryStore();
    store.records.set(ORIGIN, record(clock.now(), HOUR));
    const session = sessionWith({ store, now: clock.now });
    const old = await session.credential();
    const replacement = record(clock.now(), HOUR);
    await session.adopt(replacement);

    expect(await session.unauthorized(old)).toEqual({ kind: "bearer", value: replacement.access_token });
  });

  it("uses a token another process stored meanwhile instead of spending the refresh token", async () => {
    const clock = manualClock();
    const store = new MemoryStore();
    store.records.set(ORIGIN, record(clock.now(), HOUR));
    const session = sessionWith({ store, now: clock.now });
    const old = await session.credential();
    const rotated = record(clock.now(), HOUR);
    store.records.set(ORIGIN, rotated); // written by another process

    expect(await session.unauthorized(old)).toEqual({ kind: "bearer", value: rotated.access_token });
  });

  it("gives up (null) on a 401 when there is no refresh token", async () => {
    const clock = manualClock();
    const store = new MemoryStore();
    const { refresh_token: _dropped, ...noRefresh } = record(clock.now(), HOUR);
    store.records.set(ORIGIN, noRefresh);
    const session = sessionWith({ store, now: clock.now });
    expect(await session.unauthorized(await session.credential())).toBeNull();
  });

  it("under the lock, takes a fresh record another process wrote rather than refreshing", async () => {
    const clock = manualClock();
    const store = new MemoryStore();
    const stale = record(clock.now(), 1_000);
    store.records.set(ORIGIN, stale);
    const fresh = record(clock.now(), HOUR);
    const session = sessionWith({
      store,
      now: clock.now,
      // The other process finishes its refresh while this one waits for the lock.
      withLock: async (fn) => {
        store.records.set(ORIGIN, fresh);
        return fn();
      },
    });
    expect(await session.credential()).toEqual({ kind: "bearer", value: fresh.access_token });
  });

  it("under the lock, refreshes with the latest stored refresh token when the stored record is also due", async () => {
    const clock = manualClock();
    const store = new MemoryStore();
    store.records.set(ORIGIN, record(clock.now(), 1_000));
    const alsoDue = record(clock.now(), 2_000);
    const refresher = countingRefresher(clock, HOUR);
    const session = sessionWith({
      store,
      now: clock.now,
      refresh: refresher.refresh,
      withLock: async (fn) => {
        store.records.set(ORIGIN, alsoDue);
        return fn();
      },
    });
    await session.credential();
    expect(refresher.spent).toEqual([alsoDue.refresh_token]);
  });
});

describe("Session: refresh failures", () => {
  it("a rejected refresh token deletes the record and asks for a new sign-in", async () => {
    const clock = manualClock();
    const store = new MemoryStore();
    store.records.set(ORIGIN, record(clock.now(), 1_000));
    const warnings: string[] = [];
    const session = sessionWith({
      store,
      now: clock.now,
      logger: { ...silentLogger, warn: (m) => warnings.push(m) },
      refresh: async () => {
        throw new RefreshRejectedError("invalid_grant");
      },
    });
    const error = await session.credential().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthRequiredError);
    expect((error as Error).message).toMatch(/no longer accepts it/);
    expect(store.records.has(ORIGIN)).toBe(false);
    expect(await session.current()).toBeNull();
    expect(warnings).toHaveLength(1);
  });

  it("a rejected refresh token still asks for a sign-in when the store cannot delete the dead record, and says why", async () => {
    const clock = manualClock();
    class StuckStore extends MemoryStore {
      override async delete(): Promise<boolean> {
        throw new StoreError("The OS keychain did not answer within 3000 ms while trying to delete the credentials.");
      }
    }
    const store = new StuckStore();
    store.records.set(ORIGIN, record(clock.now(), -1));
    const logger = captureLogger();
    const session = sessionWith({
      store,
      now: clock.now,
      logger,
      refresh: async () => {
        throw new RefreshRejectedError("invalid_grant");
      },
    });
    await expect(session.credential()).rejects.toBeInstanceOf(AuthRequiredError);
    expect(logger.warnings()).toEqual([
      "The saved Cronicorn sign-in can no longer be refreshed (the server rejected it); a new sign-in is needed.",
      "The OS keychain did not answer within 3000 ms while trying to delete the credentials.",
    ]);
  });

  it("a transient refresh failure of an expired token keeps the stored record and says it was kept", async () => {
    const clock = manualClock();
    const store = new MemoryStore();
    const stale = record(clock.now(), -1);
    store.records.set(ORIGIN, stale);
    const session = sessionWith({
      store,
      now: clock.now,
      refresh: async () => {
        throw new Error("connect ECONNREFUSED");
      },
    });
    const error = await session.credential().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkError);
    expect((error as Error).message).toMatch(/ECONNREFUSED.*kept/);
    expect(store.records.get(ORIGIN)).toEqual(stale);
  });

  it("forget deletes the stored record and the next credential asks for a sign-in", async () => {
    const store = new MemoryStore();
    store.records.set(ORIGIN, record(Date.now(), HOUR));
    const session = sessionWith({ store });
    await session.credential();
    expect((await session.forget()).deleted).toBe(true);
    expect(store.records.size).toBe(0);
    await expect(session.credential()).rejects.toBeInstanceOf(AuthRequiredError);
    expect(await session.forget()).toEqual({ deleted: false, removed: null });
  });

  it("adopt returns the record it replaced", async () => {
    const store = new MemoryStore();
    const first = record(Date.now(), HOUR);
    const session = sessionWith({ store });
    expect(await session.adopt(first)).toBeNull();
    const second = record(Date.now(), HOUR);
    expect(await session.adopt(second)).toEqual(first);
    expect(store.records.get(ORIGIN)).toEqual(second);
  });
});

/**
 * `Session`'s edges, in process (manual clock, in-memory store, pass-through lock): what it reads from
 * the store and when, a store emptied by another process while waiting for the lock, what it logs,
 * and that every token it loads is registered for redaction.
 */
describe("Session at its edges", () => {
  const unexpected = (): never => {
    throw new Error("expected a rejection");
  };

  const SKEW = SKEW_MS;
  const HOUR = 3_600_000;

  /** A MemoryStore that counts reads. */
  class CountingStore extends MemoryStore {
    reads = 0;
    override async read(origin: string): Promise<CredentialRecord | null> {
      this.reads += 1;
      return super.read(origin);
    }
  }

  /** A logger whose lines read "<level> <message>". */
  function capturingLogger() {
    const logger = captureLogger();
    return { logger, lines: () => logger.lines.map((l) => `${l.level} ${l.message}`) };
  }

  const sessionWith = sessionFor;

  describe("Session: reading the store", () => {
    it("reads the store once, then answers from memory", async () => {
      const clock = manualClock();
      const store = new CountingStore();
      const current = record(clock.now(), HOUR);
      store.records.set(ORIGIN, current);
      const session = sessionWith(store, { now: clock.now });
      expect(await session.current()).toEqual(current);
      // Another record in the store is not seen until something makes the session read again.
      store.records.set(ORIGIN, record(clock.now(), HOUR));
      expect(await session.current()).toEqual(current);
      expect((await session.credential()).value).toBe(current.access_token);
      expect(store.reads).toBe(1);
    });

    it("a missing record is remembered too", async () => {
      const store = new CountingStore();
      const session = sessionWith(store);
      expect(await session.current()).toBeNull();
      expect(await session.current()).toBeNull();
      expect(store.reads).toBe(1);
      await expect(session.credential()).rejects.toBeInstanceOf(AuthRequiredError);
    });

    it("registers the tokens it loads, so they never reach a log", async () => {
      const clock = manualClock();
      const store = new MemoryStore();
      const loaded = record(clock.now(), HOUR, { access_token: `loaded-access-${Math.random()}`, refresh_token: `loaded-refresh-${Math.random()}` });
      store.records.set(ORIGIN, loaded);
      await sessionWith(store, { now: clock.now }).current();
      expect(redact(`a ${loaded.access_token} b ${loaded.refresh_token ?? ""}`)).toBe("a [redacted] b [redacted]");
    });

    it("registers the tokens of a refreshed record, and of one another process rotated", async () => {
      const clock = manualClock();
      const store = new MemoryStore();
      store.records.set(ORIGIN, record(clock.now(), SKEW / 2));
      const fresh = record(clock.now(), HOUR, { access_token: `rotated-access-${Math.random()}`, refresh_token: `rotated-refresh-${Math.random()}` });
      const session = sessionWith(store, { now: clock.now, refresh: async () => fresh });
      expect((await session.credential()).value).toBe(fresh.access_token);
      expect(redact(fresh.access_token)).toBe("[redacted]");
      expect(redact(fresh.refresh_token ?? "")).toBe("[redacted]");

      const other = record(clock.now(), HOUR, { access_token: `other-access-${Math.random()}`, refresh_token: `other-refresh-${Math.random()}` });
      const store2 = new MemoryStore();
      const due = record(clock.now(), SKEW / 2);
      store2.records.set(ORIGIN, due);
      const session2 = sessionWith(store2, {
        now: clock.now,
        withLock: async (fn) => {
          store2.records.set(ORIGIN, other); // another process rotated it while this one waited
          return fn();
        },
      });
      expect((await session2.credential()).value).toBe(other.access_token);
      expect(redact(`${other.access_token} ${other.refresh_token ?? ""}`)).toBe("[redacted] [redacted]");
    });

    it("an API key is used as it is, and says so", async () => {
      const session = sessionWith(new MemoryStore(), { apiKey: "the-api-key-123" });
      expect(session.usesApiKey).toBe(true);
      expect(await session.credential()).toEqual({ kind: "api-key", value: "the-api-key-123" });
      expect(await session.unauthorized({ kind: "api-key", value: "the-api-key-123" })).toBeNull();
      expect(sessionWith(new MemoryStore()).usesApiKey).toBe(false);
    });
  });

  describe("Session: after a 401", () => {
    it("answers from memory when a concurrent call already replaced the token, without reading the store", async () => {
      const clock = manualClock();
      const store = new CountingStore();
      const current = record(clock.now(), HOUR);
      store.records.set(ORIGIN, current);
      const session = sessionWith(store, { now: clock.now });
      await session.current();
      expect(await session.unauthorized({ kind: "bearer", value: "an-older-token-xyz" })).toEqual({ kind: "bearer", value: current.access_token });
      expect(store.reads).toBe(1);
    });

    it("gives up (null) when nothing is stored", async () => {
      const session = sessionWith(new MemoryStore());
      expect(await session.unauthorized({ kind: "bearer", value: "whatever-token-1" })).toBeNull();
    });

    it("does not refresh when another process signed out while this one waited for the lock: asks for a sign-in and writes nothing", async () => {
      const clock = manualClock();
      const store = new MemoryStore();
      const current = record(clock.now(), HOUR);
      store.records.set(ORIGIN, current);
      const refresher = countingRefresher(clock, HOUR);
      const session = sessionWith(store, {
        now: clock.now,
        refresh: refresher.refresh,
        withLock: async (fn) => {
          store.records.delete(ORIGIN);
          return fn();
        },
      });
      await expect(session.unauthorized({ kind: "bearer", value: current.access_token })).rejects.toBeInstanceOf(AuthRequiredError);
      expect(refresher.spent).toEqual([]);
      expect(store.writes).toBe(0);
      expect(await session.current()).toBeNull();
    });

    it("a record of its own still due under the lock is refreshed, not adopted", async () => {
      const clock = manualClock();
      const store = new MemoryStore();
      const mine = record(clock.now(), SKEW / 2);
      store.records.set(ORIGIN, mine);
      const refresher = countingRefresher(clock, HOUR);
      const session = sessionWith(store, { now: clock.now, refresh: refresher.refresh });
      const credential = await session.credential();
      expect(refresher.spent).toEqual([mine.refresh_token]);
      expect(credential.value).not.toBe(mine.access_token);
    });
  });

  describe("Session: what it logs", () => {
    it("says at debug level that it refreshed, and nothing else", async () => {
      const clock = manualClock();
      const store = new MemoryStore();
      store.records.set(ORIGIN, record(clock.now(), SKEW / 2));
      const { logger, lines } = capturingLogger();
      await sessionWith(store, { now: clock.now, refresh: countingRefresher(clock, HOUR).refresh, logger }).credential();
      expect(lines()).toEqual(["debug Refreshed the Cronicorn access token."]);
    });

    it("warns once when the refresh token is rejected, deletes the record, and asks for a sign-in", async () => {
      const clock = manualClock();
      const store = new MemoryStore();
      store.records.set(ORIGIN, record(clock.now(), SKEW / 2));
      const { logger, lines } = capturingLogger();
      const session = sessionWith(store, {
        now: clock.now,
        logger,
        refresh: async () => {
          throw new RefreshRejectedError("invalid_grant");
        },
      });
      const error = await session.credential().then(unexpected, (e: unknown) => e as Error);
      expect(error).toBeInstanceOf(AuthRequiredError);
      expect(error.message).toBe("Your Cronicorn sign-in has ended (the server no longer accepts it). Call the `login` tool to sign in again.");
      expect(lines()).toEqual(["warn The saved Cronicorn sign-in can no longer be refreshed (the server rejected it); a new sign-in is needed."]);
      expect(store.records.has(ORIGIN)).toBe(false);
      expect(await session.current()).toBeNull();
    });

    it("a transient failure that is not an Error is named as it is", async () => {
      const clock = manualClock();
      const store = new MemoryStore();
      store.records.set(ORIGIN, record(clock.now(), -1));
      const session = sessionWith(store, {
        now: clock.now,
        refresh: async () => {
          throw "socket hang up";
        },
      });
      await expect(session.credential()).rejects.toThrow(
        "Could not refresh the Cronicorn sign-in (socket hang up). Your saved sign-in is kept; try again in a moment.",
      );
      expect(store.records.has(ORIGIN)).toBe(true);
    });

    it("says at debug level that the server extended a sliding session", async () => {
      const clock = manualClock();
      const store = new MemoryStore();
      const device = record(clock.now(), SKEW / 2, { flow: "device", refresh_token: undefined });
      store.records.set(ORIGIN, device);
      const { logger, lines } = capturingLogger();
      const session = sessionWith(store, { now: clock.now, logger, checkSession: async () => ({ state: "alive", expiresAt: clock.now() + HOUR }) });
      expect((await session.credential()).value).toBe(device.access_token);
      expect(lines()).toEqual(["debug Cronicorn extended the session; saved its new expiry."]);
      expect(store.records.get(ORIGIN)?.expires_at).toBe(clock.now() + HOUR);
    });
  });

  describe("RefreshRejectedError", () => {
    it("is named for what it is", () => {
      expect(new RefreshRejectedError("x").name).toBe("RefreshRejectedError");
    });
  });
});
