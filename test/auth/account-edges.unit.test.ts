/**
 * Account status at its edges, in process: a real Session (with a refresher the test controls) over an
 * in-memory store, and a get-session on 127.0.0.1 that knows users by their bearer token and answers
 * better-auth's `null` for any other token.
 */
import http from "node:http";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createAccountService } from "../../src/auth/account.js";
import { RefreshRejectedError } from "../../src/auth/session.js";
import type { SignInCoordinator } from "../../src/auth/signin.js";
import type { CredentialStore } from "../../src/auth/store/index.js";
import type { CredentialRecord, StoreKind } from "../../src/auth/store/types.js";
import { MemoryStore, ORIGIN, manualClock, record, sessionFor } from "../helpers/session-parts.js";
import { listenOnLoopback, stopServer } from "../stack/loopback.js";

const DAY = 86_400_000;

let server: http.Server;
let apiUrl: string;
/** get-session's users, by the bearer token that names them. */
let users: Map<string, { id: string; email: string }>;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    req.resume();
    const user = users.get(req.headers.authorization?.replace(/^Bearer /, "") ?? "");
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(user ? { user } : null));
  });
  apiUrl = `http://127.0.0.1:${await listenOnLoopback(server)}/api`;
});
afterAll(async () => stopServer(server));
beforeEach(() => {
  users = new Map();
});

/** A store of `kind` over a Map, described as "<kind> store". */
function storeOf(kind: StoreKind) {
  const memory = new MemoryStore();
  const store: CredentialStore = { kind, describe: () => `${kind} store`, read: (o) => memory.read(o), write: (o, r) => memory.write(o, r), delete: (o) => memory.delete(o) };
  return { memory, store };
}

const clock = manualClock();
const ADA = { id: "u1", email: "ada@example.com" };

/** Status over `stored`; `refreshed` is what a refresh answers (none: a refresh fails; "rejected": the server refuses it), `skewMs` the refresh margin. */
function statusOf(stored: CredentialRecord, options: { refreshed?: CredentialRecord | "rejected"; skewMs?: number; storeKind?: StoreKind; storeFails?: boolean } = {}) {
  const { memory, store } = storeOf(options.storeKind ?? "file");
  memory.records.set(ORIGIN, stored);
  const refreshes: string[] = [];
  const refresh = async (current: CredentialRecord): Promise<CredentialRecord> => {
    refreshes.push(current.refresh_token ?? "");
    if (options.refreshed === "rejected") throw new RefreshRejectedError("invalid_grant");
    if (!options.refreshed) throw new Error("token endpoint unreachable");
    return options.refreshed;
  };
  const session = sessionFor(memory, { refreshSkewMs: options.skewMs ?? 0, refresh, now: clock.now });
  const openStore = options.storeFails ? () => Promise.reject(new Error("keychain locked")) : async () => store;
  const signIn = { prompt: undefined } as unknown as SignInCoordinator;
  const account = createAccountService({ apiUrl, session, signIn, store: openStore, timeoutMs: 5000, now: clock.now });
  return { status: () => account.status(), store: memory, refreshes };
}

function signedInAs(current: CredentialRecord, store: string, source: StoreKind) {
  return {
    apiUrl,
    store,
    signedIn: true,
    source,
    flow: current.flow,
    expiresAt: new Date(current.expires_at).toISOString(),
    daysLeft: Math.floor((current.expires_at - clock.now()) / DAY),
    hasRefreshToken: Boolean(current.refresh_token),
    user: ADA,
  };
}

describe("status past the local expiry", () => {
  it("reports signed out, and why, when the server refuses to renew an expired sign-in", async () => {
    const expired = record(clock.now(), -DAY);
    const { status, store } = statusOf(expired, { refreshed: "rejected" });
    expect(await status()).toEqual({ apiUrl, store: "file store", signedIn: false, source: "none", problem: "Cronicorn refused to renew the saved sign-in, so it was removed." });
    expect(store.records.size).toBe(0);
  });

  it("refreshes an expired sign-in and reports the refreshed one, as the user its token names", async () => {
    const expired = record(clock.now(), -DAY);
    const fresh = record(clock.now(), 7 * DAY + 1000);
    users.set(fresh.access_token, ADA);
    const { status, store, refreshes } = statusOf(expired, { refreshed: fresh });
    expect(await status()).toEqual(signedInAs(fresh, "file store", "file"));
    expect(refreshes).toEqual([expired.refresh_token]);
    expect(store.records.get(ORIGIN)).toEqual(fresh);
  });

  it("refreshes a sign-in that expires this very moment", async () => {
    const expiring = record(clock.now(), 0);
    const fresh = record(clock.now(), 3 * DAY + 1000);
    users.set(fresh.access_token, ADA);
    const { status, refreshes } = statusOf(expiring, { refreshed: fresh, skewMs: 60_000 });
    expect(await status()).toEqual(signedInAs(fresh, "file store", "file"));
    expect(refreshes).toHaveLength(1);
  });

  it("leaves a sign-in that has not expired alone, even inside the refresh margin", async () => {
    const soon = record(clock.now(), 1000);
    users.set(soon.access_token, ADA);
    const { status, store, refreshes } = statusOf(soon, { refreshed: record(clock.now(), DAY), skewMs: 60_000 });
    expect(await status()).toEqual(signedInAs(soon, "file store", "file"));
    expect(refreshes).toEqual([]);
    expect(store.writes).toBe(0);
  });
});

describe("status: who and where", () => {
  it("asks get-session with the saved access token", async () => {
    const current = record(clock.now(), 2 * DAY + 1000);
    users.set(current.access_token, ADA);
    const { status } = statusOf(current);
    expect((await status()).user).toEqual(ADA);
  });

  it("names the keychain as the source when the sign-in is kept there", async () => {
    const current = record(clock.now(), 2 * DAY + 1000);
    users.set(current.access_token, ADA);
    const { status } = statusOf(current, { storeKind: "keychain" });
    expect(await status()).toEqual(signedInAs(current, "keychain store", "keychain"));
  });

  it("a store that cannot be opened for status still reports the sign-in in use, with the file as its source", async () => {
    const current = record(clock.now(), 2 * DAY + 1000);
    users.set(current.access_token, ADA);
    const { status } = statusOf(current, { storeKind: "keychain", storeFails: true });
    expect(await status()).toEqual(signedInAs(current, "unavailable", "file"));
  });
});

describe("status when get-session knows no session for the token", () => {
  const ENDED = "Cronicorn no longer has this session (signed out elsewhere, or revoked).";

  it.each(["device", "legacy", undefined] as const)("a %s sign-in has ended", async (flow) => {
    const current = record(clock.now(), 5 * DAY + 1000, { flow, refresh_token: undefined });
    const { status } = statusOf(current);
    expect(await status()).toEqual({
      apiUrl,
      store: "file store",
      signedIn: false,
      source: "file",
      ...(flow ? { flow } : {}),
      expiresAt: new Date(current.expires_at).toISOString(),
      daysLeft: 5,
      hasRefreshToken: false,
      problem: ENDED,
    });
  });

  it("a browser (pkce) sign-in from another issuer is still signed in, without a user", async () => {
    const current = record(clock.now(), 5 * DAY + 1000, { flow: "pkce" });
    const { status } = statusOf(current);
    const { user, ...rest } = signedInAs(current, "file store", "file");
    expect(user).toEqual(ADA);
    expect(await status()).toEqual(rest);
  });

  it("a device sign-in that get-session knows is signed in", async () => {
    const current = record(clock.now(), 5 * DAY + 1000, { flow: "device", refresh_token: undefined });
    users.set(current.access_token, ADA);
    const { status } = statusOf(current);
    expect(await status()).toEqual(signedInAs(current, "file store", "file"));
  });
});
