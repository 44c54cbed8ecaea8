/**
 * Refresh attempts back off while the authorization server cannot be reached (laptop offline), so
 * repeated calls and status reads do not hammer it — yet the wait stays short (never over 15 s), a
 * still-valid token is used meanwhile, and a 401 or invalid_grant is decided at once. In process:
 * manual clock, in-memory store, a refresher that fails until told otherwise.
 */
import { describe, expect, it } from "vitest";
import { AuthRequiredError } from "../../../src/auth/errors.js";
import { RefreshRejectedError } from "../../../src/auth/session.js";
import type { CredentialRecord } from "../../../src/auth/store/types.js";
import { NetworkError } from "../../../src/net/errors.js";
import { MemoryStore, ORIGIN, SKEW_MS, manualClock, record, sessionFor } from "../../helpers/session-parts.js";

const HOUR = 3_600_000;
const SECOND = 1_000;

/** A session over `stored` whose refresher fails with ECONNREFUSED until `online()`, or rejects the grant after `revoke()`. */
function offline(stored: CredentialRecord) {
  const clock = manualClock(stored.obtained_at);
  const store = new MemoryStore();
  store.records.set(ORIGIN, stored);
  let network: "down" | "up" | "rejects" = "down";
  let attempts = 0;
  const session = sessionFor(store, {
    now: clock.now,
    refresh: async () => {
      attempts += 1;
      if (network === "down") throw new Error("connect ECONNREFUSED 127.0.0.1:443");
      if (network === "rejects") throw new RefreshRejectedError("invalid_grant");
      return record(clock.now(), HOUR);
    },
  });
  return {
    clock,
    store,
    session,
    attempts: () => attempts,
    online: () => void (network = "up"),
    revoke: () => void (network = "rejects"),
  };
}

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => null,
    (e: unknown) => e as Error,
  );

describe("Session: refresh attempts back off while the authorization server is unreachable", () => {
  it("asks the authorization server once for 50 calls in the second after a failed refresh, and each says the sign-in is kept", async () => {
    const { session, attempts } = offline(record(manualClock().now(), -1));
    const errors = [];
    for (let i = 0; i < 50; i++) errors.push(await failure(session.credential()));
    expect(attempts()).toBe(1);
    for (const error of errors) {
      expect(error).toBeInstanceOf(NetworkError);
      expect(error?.message).toMatch(/ECONNREFUSED.*kept/);
    }
  });

  it("waits 1 s after the first failure, doubling after each, and never more than 15 s", async () => {
    const { session, clock, attempts } = offline(record(manualClock().now(), -1));
    await failure(session.credential());
    const waits = [1, 2, 4, 8, 15, 15].map((s) => s * SECOND);
    for (const [i, wait] of waits.entries()) {
      clock.advance(wait - 1);
      await failure(session.credential());
      expect(attempts(), `still waiting ${wait - 1} ms after failure ${i + 1}`).toBe(i + 1);
      clock.advance(1);
      await failure(session.credential());
      expect(attempts(), `tried again ${wait} ms after failure ${i + 1}`).toBe(i + 2);
    }
  });

  it("once the network is back, the first call after the wait refreshes, and the next failure waits 1 s again", async () => {
    const { session, clock, store, attempts, online } = offline(record(manualClock().now(), -1));
    await failure(session.credential());
    clock.advance(SECOND);
    await failure(session.credential()); // second failure: the next wait is 2 s
    online();
    clock.advance(2 * SECOND);
    const credential = await session.credential();
    expect(credential.value).toBe(store.records.get(ORIGIN)?.access_token);
    expect(attempts()).toBe(3);
  });

  it("uses a token that has not expired yet while it waits: only the early refresh is skipped", async () => {
    const stored = record(manualClock().now(), SKEW_MS / 2);
    const { session, attempts } = offline(stored);
    expect((await session.credential()).value).toBe(stored.access_token);
    expect((await session.credential()).value).toBe(stored.access_token);
    expect(attempts()).toBe(1);
  });

  it("a 401 from the API is decided at once, even while waiting: it refreshes right away", async () => {
    const stored = record(manualClock().now(), SKEW_MS / 2);
    const { session, attempts, online } = offline(stored);
    await failure(session.credential()); // the early refresh fails: waiting now
    online(); // the API answered with a 401, so the network is back
    const retry = await session.unauthorized({ kind: "bearer", value: stored.access_token });
    expect(retry?.value).not.toBe(stored.access_token);
    expect(attempts()).toBe(2);
  });

  it("invalid_grant is decided at once, even while waiting: the saved sign-in is removed", async () => {
    const stored = record(manualClock().now(), SKEW_MS / 2);
    const { session, store, revoke } = offline(stored);
    await failure(session.credential());
    revoke();
    expect(await failure(session.unauthorized({ kind: "bearer", value: stored.access_token }))).toBeInstanceOf(AuthRequiredError);
    expect(store.records.has(ORIGIN)).toBe(false);
  });

  it("a record another process renewed meanwhile is not held up by this process's wait", async () => {
    const { session, clock, store, attempts } = offline(record(manualClock().now(), -1));
    await failure(session.credential());
    store.records.set(ORIGIN, record(clock.now(), -1)); // another process stored a new (also expired) sign-in
    await session.reload(); // as status does
    await failure(session.credential());
    expect(attempts()).toBe(2);
  });

  it("a new sign-in ends the wait", async () => {
    const { session, clock, attempts } = offline(record(manualClock().now(), -1));
    await failure(session.credential());
    await session.adopt(record(clock.now(), SKEW_MS / 2));
    await failure(session.credential());
    expect(attempts()).toBe(2);
  });
});

describe("Session: session-slide checks back off too", () => {
  it("an unanswered get-session is asked again only after the wait, and the token is used meanwhile", async () => {
    const clock = manualClock();
    const store = new MemoryStore();
    const device = record(clock.now(), SKEW_MS / 2, { flow: "device", refresh_token: undefined });
    store.records.set(ORIGIN, device);
    let asked = 0;
    const session = sessionFor(store, { now: clock.now, checkSession: async () => (asked++, { state: "unknown", reason: "connect ECONNREFUSED" }) });
    for (let i = 0; i < 20; i++) expect((await session.credential()).value).toBe(device.access_token);
    expect(asked).toBe(1);
    clock.advance(SECOND);
    await session.credential();
    expect(asked).toBe(2);
  });
});
