/**
 * In-memory parts for testing `Session` alone: a clock the test moves, a token store that is a Map,
 * and a refresher that counts its calls. No network, no disk, no sleeping.
 */
import { Session } from "../../src/auth/session.js";
import type { SessionDeps } from "../../src/auth/session.js";
import type { CredentialRecord, TokenStore } from "../../src/auth/store/types.js";
import { silentLogger } from "../../src/core/log.js";

export const ORIGIN = "https://api.cronicorn.test";

/** A clock that only moves when the test says so. */
export interface ManualClock {
  now: () => number;
  advance(ms: number): void;
}

export function manualClock(start = 1_800_000_000_000): ManualClock {
  let t = start;
  return {
    now: () => t,
    advance: (ms) => {
      t += ms;
    },
  };
}

/** A token store held in a Map; `writes` counts the records persisted. */
export class MemoryStore implements TokenStore {
  readonly kind = "file" as const;
  readonly records = new Map<string, CredentialRecord>();
  writes = 0;
  async read(origin: string): Promise<CredentialRecord | null> {
    return this.records.get(origin) ?? null;
  }
  async write(origin: string, record: CredentialRecord): Promise<void> {
    this.writes += 1;
    this.records.set(origin, record);
  }
  async delete(origin: string): Promise<boolean> {
    return this.records.delete(origin);
  }
}

let serial = 0;

/** A record whose access token expires `ttlMs` after `now`. */
export function record(now: number, ttlMs: number, overrides: Partial<CredentialRecord> = {}): CredentialRecord {
  serial += 1;
  return {
    access_token: `access-${serial}-${"a".repeat(12)}`,
    refresh_token: `refresh-${serial}-${"r".repeat(12)}`,
    expires_at: now + ttlMs,
    token_type: "Bearer",
    issuer: "https://auth.cronicorn.test",
    client_id: "cronicorn-mcp",
    obtained_at: now,
    flow: "pkce",
    ...overrides,
  };
}

/**
 * A refresher that counts calls and answers with a fresh record of `ttlMs`. `gate` holds every answer
 * until the test opens it, so concurrent callers really overlap.
 */
export function countingRefresher(clock: ManualClock, ttlMs: number) {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const spent: string[] = [];
  let held = false;
  return {
    spent,
    get calls() {
      return spent.length;
    },
    /** Hold answers until `release()`. */
    hold() {
      held = true;
    },
    release: () => open(),
    refresh: async (current: CredentialRecord): Promise<CredentialRecord> => {
      spent.push(current.refresh_token ?? "");
      if (held) await gate;
      return record(clock.now(), ttlMs);
    },
  };
}

/** The cross-process lock replaced by a pass-through, so only the in-process single flight is left. */
export const passThroughLock = <T>(fn: () => Promise<T>): Promise<T> => fn();

/** The refresh skew of the sessions `sessionFor` builds. */
export const SKEW_MS = 60_000;

/** A `Session` over `store` with a pass-through lock and no refresh expected, unless `overrides` say otherwise. */
export function sessionFor(store: MemoryStore, overrides: Partial<SessionDeps> = {}): Session {
  return new Session({
    origin: ORIGIN,
    apiKey: undefined,
    refreshSkewMs: SKEW_MS,
    store: async () => store,
    refresh: async () => {
      throw new Error("no refresh expected");
    },
    withLock: passThroughLock,
    logger: silentLogger,
    ...overrides,
  });
}

/**
 * The cross-process lock as one in-memory mutex that several `Session`s share, as processes share the
 * lock folder: `fn`s run one at a time, in arrival order. `waiting` counts callers not yet let in.
 */
export function sharedLock() {
  let tail: Promise<unknown> = Promise.resolve();
  let waiting = 0;
  let held = false;
  return {
    get waiting() {
      return waiting;
    },
    get held() {
      return held;
    },
    withLock<T>(fn: () => Promise<T>): Promise<T> {
      waiting += 1;
      const run = tail.then(async () => {
        waiting -= 1;
        held = true;
        try {
          return await fn();
        } finally {
          held = false;
        }
      });
      tail = run.catch(() => undefined);
      return run;
    },
  };
}

/** Resolves once `condition()` holds, checking after each turn of the event loop (in-process only: no timers). */
export async function settledUntil(condition: () => boolean, turns = 1_000): Promise<void> {
  for (let i = 0; i < turns; i++) {
    if (condition()) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error("the condition never held");
}
