/**
 * The account service (status, login, logout) in process: a real Session over an in-memory store, a
 * stand-in sign-in coordinator, and a tiny get-session / sign-out server on 127.0.0.1.
 */
import http from "node:http";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createAccountService } from "../../../src/auth/account-service.js";
import { Session, RefreshRejectedError } from "../../../src/auth/session.js";
import type { SignInCoordinator } from "../../../src/auth/signin.js";
import type { CredentialStore } from "../../../src/auth/store/index.js";
import type { CredentialRecord, StoreKind } from "../../../src/auth/store/types.js";
import { silentLogger } from "../../../src/core/log.js";
import { MemoryStore, ORIGIN, manualClock, passThroughLock, record, sessionFor } from "../../helpers/session-parts.js";
import { listenOnLoopback, stopServer } from "../../stack/loopback.js";
import type { CallContext, SignInOutcome, SignInPrompt } from "../../../src/auth/types.js";

const DAY = 86_400_000;

let server: http.Server;
let apiUrl: string;
let sessionAnswer: { status: number; body: unknown };
let signOutStatus: number;
let hits: string[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    req.resume();
    if (req.url === "/api/auth/get-session")
      return res.writeHead(sessionAnswer.status, { "content-type": "application/json" }).end(JSON.stringify(sessionAnswer.body));
    if (req.url === "/api/auth/sign-out") return res.writeHead(signOutStatus, { "content-type": "application/json" }).end("{}");
    res.writeHead(404).end();
  });
  apiUrl = `http://127.0.0.1:${await listenOnLoopback(server)}/api`;
});
afterAll(async () => stopServer(server));
beforeEach(() => {
  hits = [];
  sessionAnswer = { status: 200, body: { user: { id: "u1", email: "ada@example.com" } } };
  signOutStatus = 200;
});

class DescribedStore extends MemoryStore implements CredentialStore {
  describe(): string {
    return "memory store";
  }
}

const PROMPT: SignInPrompt = { verificationUrl: "https://x/approve", userCode: "C0DE", flow: "device", expiresAt: "2030-01-01T00:00:00.000Z" };

function setup(options: { apiKey?: string; stored?: CredentialRecord | null; storeFails?: boolean; signIn?: SignInOutcome; prompt?: SignInPrompt } = {}) {
  const clock = manualClock();
  const store = new DescribedStore();
  const stored = options.stored === undefined ? record(clock.now(), 10 * DAY + 1000, { flow: "pkce" }) : options.stored;
  if (stored) store.records.set(ORIGIN, stored);
  const session = new Session({
    origin: ORIGIN,
    apiKey: options.apiKey,
    refreshSkewMs: 0,
    store: async () => store,
    refresh: async () => {
      throw new Error("no refresh expected");
    },
    withLock: passThroughLock,
    logger: silentLogger,
    now: clock.now,
  });
  let cancels = 0;
  let awaited = 0;
  const signIn = {
    get prompt() {
      return options.prompt;
    },
    cancel: () => void (cancels += 1),
    awaitSignIn: async (): Promise<SignInOutcome> => {
      awaited += 1;
      return options.signIn ?? { state: "pending", prompt: PROMPT, message: "open it" };
    },
  } as unknown as SignInCoordinator;
  const account = createAccountService({
    apiUrl,
    session,
    signIn,
    store: async () => {
      if (options.storeFails) throw new Error("keychain locked");
      return store;
    },
    timeoutMs: 5000,
    now: clock.now,
  });
  return { account, store, clock, stored, counts: () => ({ cancels, awaited }) };
}

const call: CallContext = { signal: new AbortController().signal, progress: async () => undefined };

describe("status", () => {
  it("a stored sign-in: who, where, until when, days left, refresh token", async () => {
    const { account, stored } = setup();
    expect(await account.status()).toEqual({
      apiUrl,
      store: "memory store",
      signedIn: true,
      verified: true,
      source: "file",
      flow: "pkce",
      expiresAt: new Date(stored!.expires_at).toISOString(),
      daysLeft: 10,
      hasRefreshToken: true,
      user: { id: "u1", email: "ada@example.com" },
    });
    expect(hits).toEqual(["GET /api/auth/get-session"]);
  });

  it("names the pending sign-in, and an unavailable store", async () => {
    const { account } = setup({ storeFails: true, prompt: PROMPT });
    expect(await account.status()).toMatchObject({ store: "unavailable", pendingSignIn: PROMPT, signedIn: true });
  });

  it("nothing stored: not signed in, no question to the server", async () => {
    const { account } = setup({ stored: null });
    expect(await account.status()).toEqual({ apiUrl, store: "memory store", signedIn: false, source: "none" });
    expect(hits).toEqual([]);
  });

  it("an expired sign-in without a refresh token is not signed in, and the server is not asked", async () => {
    const clock = manualClock();
    const expired = record(clock.now(), -1, { refresh_token: undefined, flow: undefined });
    const { account } = setup({ stored: expired });
    const status = await account.status();
    expect(status).toMatchObject({ signedIn: false, problem: "The saved sign-in has expired.", daysLeft: 0, hasRefreshToken: false });
    expect(status.flow).toBeUndefined();
    expect(status.user).toBeUndefined();
    expect(hits).toEqual([]);
  });

  it("a token expiring this very moment counts as expired", async () => {
    const clock = manualClock();
    const { account } = setup({ stored: record(clock.now(), 0, { refresh_token: undefined }) });
    expect(await account.status()).toMatchObject({ signedIn: false, problem: "The saved sign-in has expired." });
  });

  it("an expired sign-in whose refresh fails is not signed in but unverified, and the server is not asked", async () => {
    const clock = manualClock();
    const { account } = setup({ stored: record(clock.now(), -DAY) });
    expect(await account.status()).toMatchObject({ signedIn: false, verified: false, reason: "no refresh expected", daysLeft: 0, hasRefreshToken: true });
    expect(hits).toEqual([]);
  });

  it("a sign-in the server rejects is not signed in", async () => {
    sessionAnswer = { status: 401, body: {} };
    const { account } = setup();
    expect(await account.status()).toMatchObject({ signedIn: false, problem: "Cronicorn no longer accepts the saved sign-in." });
  });

  it("an unknown answer leaves it signed in, without a user", async () => {
    sessionAnswer = { status: 500, body: {} };
    const { account } = setup();
    const status = await account.status();
    expect(status.signedIn).toBe(true);
    expect(status.user).toBeUndefined();
  });

  it("an API key: the store is not used, the user is named, a rejected key says so", async () => {
    const { account } = setup({ apiKey: "the-api-key-1" });
    expect(await account.status()).toEqual({
      apiUrl,
      store: "not used (CRONICORN_API_KEY is set)",
      signedIn: true,
      verified: true,
      source: "api-key",
      flow: "api-key",
      user: { id: "u1", email: "ada@example.com" },
    });
    sessionAnswer = { status: 200, body: null };
    expect((await account.status()).user).toBeUndefined();
    sessionAnswer = { status: 401, body: {} };
    expect(await account.status()).toEqual({
      apiUrl,
      store: "not used (CRONICORN_API_KEY is set)",
      signedIn: false,
      verified: true,
      source: "api-key",
      flow: "api-key",
      problem:
        "Cronicorn rejected CRONICORN_API_KEY (HTTP 401). Right after many requests this can also be its per-key rate limit (about 100 a minute): if so, it passes within a minute.",
    });
  });
});

describe("login", () => {
  it("already signed in: ready with the status, no sign-in started", async () => {
    const { account, counts } = setup();
    const outcome = await account.login(call, false);
    expect(outcome.state).toBe("ready");
    expect(outcome.status?.signedIn).toBe(true);
    expect(counts()).toEqual({ cancels: 0, awaited: 0 });
  });

  it("not signed in: starts a sign-in and returns its prompt", async () => {
    const { account, counts } = setup({ stored: null });
    expect(await account.login(call, false)).toEqual({ state: "pending", prompt: PROMPT, message: "open it" });
    expect(counts()).toEqual({ cancels: 0, awaited: 1 });
  });

  it("forced: cancels any pending sign-in and signs in again even when signed in; a finished one brings the status", async () => {
    const { account, counts } = setup({ signIn: { state: "ready" } });
    const outcome = await account.login(call, true);
    expect(outcome.state).toBe("ready");
    expect(outcome.status?.signedIn).toBe(true);
    expect(counts()).toEqual({ cancels: 1, awaited: 1 });
  });
});

describe("logout", () => {
  it("a device session: signed out on the server and deleted locally", async () => {
    const clock = manualClock();
    const { account, store, counts } = setup({ stored: record(clock.now(), DAY, { flow: "device", refresh_token: undefined }) });
    expect(await account.logout()).toEqual({
      revokedOnServer: true,
      deletedLocal: ["memory store"],
      message: "Signed out: the session was revoked on the server and the saved credential was deleted from memory store.",
    });
    expect(hits).toEqual(["POST /api/auth/sign-out"]);
    expect(store.records.size).toBe(0);
    expect(counts().cancels).toBe(1);
  });

  it("the server could not be told: signed out locally", async () => {
    signOutStatus = 500;
    const clock = manualClock();
    const { account } = setup({ stored: record(clock.now(), DAY, { flow: "device" }) });
    expect(await account.logout()).toEqual({
      revokedOnServer: false,
      deletedLocal: ["memory store"],
      message: "Signed out locally (the server could not be told; the session will expire by itself) and the saved credential was deleted from memory store.",
    });
  });

  it("nothing saved: nothing to remove", async () => {
    const { account } = setup({ stored: null });
    expect(await account.logout()).toEqual({ revokedOnServer: "not-applicable", deletedLocal: [], message: "No saved sign-in to remove." });
    expect(hits).toEqual([]);
  });

  it("with an API key: nothing revoked, and a note that the key is still used", async () => {
    const { account, store } = setup({ apiKey: "the-api-key-1" });
    expect(await account.logout()).toEqual({
      revokedOnServer: "not-applicable",
      deletedLocal: ["memory store"],
      message:
        "No saved sign-in to remove and the saved credential was deleted from memory store. CRONICORN_API_KEY is still set in the environment and is still used.",
    });
    expect(store.records.size).toBe(0);
    expect(hits).toEqual([]);
  });
});

/**
 * Account status at its edges, in process: a real Session (with a refresher the test controls) over an
 * in-memory store, and a get-session on 127.0.0.1 that knows users by their bearer token and answers
 * better-auth's `null` for any other token.
 */
describe("account status at its edges", () => {
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
    const store: CredentialStore = {
      kind,
      describe: () => `${kind} store`,
      read: (o) => memory.read(o),
      write: (o, r) => memory.write(o, r),
      delete: (o) => memory.delete(o),
    };
    return { memory, store };
  }

  const clock = manualClock();
  const ADA = { id: "u1", email: "ada@example.com" };

  /** Status over `stored`; `refreshed` is what a refresh answers (none: a refresh fails; "rejected": the server refuses it), `skewMs` the refresh margin. */
  function statusOf(
    stored: CredentialRecord,
    options: { refreshed?: CredentialRecord | "rejected"; skewMs?: number; storeKind?: StoreKind; storeFails?: boolean } = {},
  ) {
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
      verified: true,
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
      expect(await status()).toEqual({
        apiUrl,
        store: "file store",
        signedIn: false,
        source: "none",
        problem: "Cronicorn refused to renew the saved sign-in, so it was removed.",
      });
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
        verified: true,
        source: "file",
        ...(flow ? { flow } : {}),
        expiresAt: new Date(current.expires_at).toISOString(),
        daysLeft: 5,
        hasRefreshToken: false,
        problem: ENDED,
      });
    });

    it("a browser (pkce) sign-in from another issuer that the API takes is signed in, without a user, saying why", async () => {
      const current = record(clock.now(), 5 * DAY + 1000, { flow: "pkce" });
      const { status } = statusOf(current);
      const { user, ...rest } = signedInAs(current, "file store", "file");
      expect(user).toEqual(ADA);
      expect(await status()).toEqual({ ...rest, userUnknownReason: expect.stringContaining(`the sign-in comes from ${current.issuer}`) });
    });

    it("a device sign-in that get-session knows is signed in", async () => {
      const current = record(clock.now(), 5 * DAY + 1000, { flow: "device", refresh_token: undefined });
      users.set(current.access_token, ADA);
      const { status } = statusOf(current);
      expect(await status()).toEqual(signedInAs(current, "file store", "file"));
    });
  });
});
