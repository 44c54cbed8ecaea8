/** The auth tools' view of the account: status, sign-in on request, and sign-out. Never returns a token. */

import { slides, type Session } from "./session.js";
import { credentialHeaders, type Credential } from "./credential.js";
import { AuthRequiredError } from "./errors.js";
import type { CredentialRecord } from "./store/types.js";
import { send } from "../net/fetch.js";
import { describeNetworkFailure } from "../net/errors.js";
import type { SignInCoordinator } from "./signin.js";
import type { CredentialStore } from "./store/index.js";
import { revokeOnServer } from "./flows/revoke.js";
import { whoAmI } from "./whoami.js";
import type { AccountService, AuthStatus, CallContext, SignInOutcome } from "./types.js";

export interface AccountDeps {
  apiUrl: string;
  session: Session;
  signIn: SignInCoordinator;
  store: () => Promise<CredentialStore>;
  timeoutMs: number;
  now?: () => number;
}

const DAY_MS = 86_400_000;

const EXPIRED = "The saved sign-in has expired.";
const ENDED = "Cronicorn no longer has this session (signed out elsewhere, or revoked).";
const NOT_ACCEPTED = "Cronicorn no longer accepts the saved sign-in.";
const KEY_REJECTED =
  "Cronicorn rejected CRONICORN_API_KEY (HTTP 401). Right after many requests this can also be its per-key rate limit (about 100 a minute): if so, it passes within a minute.";
const KEY_USER_UNKNOWN = "Cronicorn does not say who owns an API key (its get-session answers null for x-api-key)";

/** What the API itself says to a credential get-session cannot vouch for. */
type ApiVerdict = { state: "accepted" } | { state: "rejected" } | { state: "unknown"; reason: string };

/** One small read (`GET /subscriptions/usage`: a few numbers) decides whether the API takes the credential. */
async function askApi(apiUrl: string, credential: Credential, timeoutMs: number): Promise<ApiVerdict> {
  try {
    const response = await send(`${apiUrl}/subscriptions/usage`, {
      method: "GET",
      headers: { accept: "application/json", ...credentialHeaders(credential) },
      timeoutMs,
    });
    if (response.status === 401) return { state: "rejected" };
    if (response.status >= 200 && response.status < 300) return { state: "accepted" };
    return { state: "unknown", reason: `Cronicorn's API answered HTTP ${response.status}` };
  } catch (error) {
    return { state: "unknown", reason: describeNetworkFailure(error) ?? (error instanceof Error ? error.message : String(error)) };
  }
}

const unverified = (reason: string) => ({ verified: false, reason });

/** better-auth sessions (device flow, the official server's record) slide, and get-session knows them. */
const isBetterAuthSession = (record: CredentialRecord) => record.flow !== "pkce";

export function createAccountService(deps: AccountDeps): AccountService {
  const now = deps.now ?? Date.now;

  async function apiKeyStatus(): Promise<AuthStatus> {
    // The key is the whole credential: the keychain is neither used nor probed (probing it warns for nothing).
    const base = { apiUrl: deps.apiUrl, store: "not used (CRONICORN_API_KEY is set)", source: "api-key", flow: "api-key" } as const;
    const credential = await deps.session.credential();
    const rejected = { ...base, signedIn: false, verified: true, problem: KEY_REJECTED };
    const who = await whoAmI(deps.apiUrl, credential, deps.timeoutMs);
    if (who.state === "rejected") return rejected;
    if (who.state === "known") return { ...base, signedIn: true, verified: true, user: who.user };
    // better-auth's get-session answers null for any x-api-key: only the API itself says whether it takes the key.
    const verdict = await askApi(deps.apiUrl, credential, deps.timeoutMs);
    if (verdict.state === "rejected") return rejected;
    if (verdict.state === "unknown") return { ...base, signedIn: true, ...unverified(verdict.reason) };
    return { ...base, signedIn: true, verified: true, userUnknownReason: KEY_USER_UNKNOWN };
  }

  /** The verdict on a saved sign-in that has not expired: get-session, then (for another issuer's token) the API. */
  async function verdictOn(record: CredentialRecord): Promise<Partial<AuthStatus> & { signedIn: boolean }> {
    const credential: Credential = { kind: "bearer", value: record.access_token };
    const who = await whoAmI(deps.apiUrl, credential, deps.timeoutMs);
    if (who.state === "known") return { signedIn: true, verified: true, user: who.user };
    if (who.state === "rejected") return { signedIn: false, verified: true, problem: NOT_ACCEPTED };
    // better-auth answers null for a token without a session; for its own sessions that means it ended.
    if (who.state === "no-session" && isBetterAuthSession(record)) return { signedIn: false, verified: true, problem: ENDED };
    // Another issuer's token (get-session knows only its own sessions), or get-session did not answer: the API decides.
    const verdict = await askApi(deps.apiUrl, credential, deps.timeoutMs);
    if (verdict.state === "rejected") return { signedIn: false, verified: true, problem: NOT_ACCEPTED };
    if (verdict.state === "unknown") return { signedIn: true, ...unverified(verdict.reason) };
    const userUnknownReason =
      who.state === "no-session"
        ? `the sign-in comes from ${record.issuer || "another authorization server"}, and Cronicorn's get-session names only the users of its own sessions`
        : "Cronicorn's get-session, which names the user, did not answer as expected";
    return { signedIn: true, verified: true, userUnknownReason };
  }

  /** A sign-in past its expiry that could not be renewed just now: what is known, and never "signed in". */
  function expiredVerdict(record: CredentialRecord, renewal: unknown): Partial<AuthStatus> & { signedIn: false } {
    // Renewing is not possible (no refresh token, not a session that slides), or the server said the session ended (verified).
    if (renewal instanceof AuthRequiredError) return { signedIn: false, verified: slides(record) && !record.refresh_token, problem: EXPIRED };
    const why = deps.session.renewalProblem() ?? (renewal instanceof Error ? renewal.message : undefined);
    if (!why) return { signedIn: false, verified: false, problem: EXPIRED };
    const problem = record.refresh_token
      ? "The saved sign-in expired and could not be renewed just now. It is kept, and renewed on the next call once the server can be reached."
      : "The saved sign-in passed its expiry and Cronicorn could not be asked whether it was extended. It is kept, and checked again on the next call.";
    return { signedIn: false, verified: false, reason: why, problem };
  }

  async function status(): Promise<AuthStatus> {
    if (deps.session.usesApiKey) return apiKeyStatus();
    const store = await deps.store().catch(() => undefined);
    const base = { apiUrl: deps.apiUrl, store: store?.describe() ?? "unavailable", ...(deps.signIn.prompt ? { pendingSignIn: deps.signIn.prompt } : {}) };
    // As stored now: another process may have signed out, or in as someone else, since this one loaded it.
    let record = await deps.session.reload();
    if (!record) return { ...base, signedIn: false, source: "none" };
    let renewal: unknown;
    if (record.expires_at <= now()) {
      // Past its local expiry is not the end: the session refreshes, or (Cronicorn) asks the server,
      // whose sessions slide. Whatever it learns is what status reports.
      renewal = await deps.session.credential().then(
        () => undefined,
        (error: unknown) => error,
      );
      const after = await deps.session.current();
      // The server refused the refresh and the saved sign-in was removed: signed out, whatever it said.
      if (!after) return { ...base, signedIn: false, source: "none", problem: "Cronicorn refused to renew the saved sign-in, so it was removed." };
      record = after;
    }
    const details = {
      ...base,
      source: store?.kind ?? "file",
      ...(record.flow ? { flow: record.flow } : {}),
      expiresAt: new Date(record.expires_at).toISOString(),
      daysLeft: Math.max(0, Math.floor((record.expires_at - now()) / DAY_MS)),
      hasRefreshToken: Boolean(record.refresh_token),
    };
    const verdict = record.expires_at <= now() ? expiredVerdict(record, renewal) : await verdictOn(record);
    return { ...details, ...verdict };
  }

  return {
    status,

    async login(call: CallContext, force: boolean): Promise<SignInOutcome & { status?: AuthStatus }> {
      if (!force) {
        const current = await status();
        if (current.signedIn) return { state: "ready", status: current };
      } else if (!call.link?.shown) {
        // A retry after the client showed the link continues the sign-in its first round started.
        deps.signIn.cancel();
      }
      const outcome = await deps.signIn.awaitSignIn(call);
      return outcome.state === "ready" ? { ...outcome, status: await status() } : outcome;
    },

    async logout() {
      deps.signIn.cancel();
      const inMemory = deps.session.usesApiKey ? null : await deps.session.current().catch(() => null);
      const store = await deps.store();
      // Deleted under the refresh lock, so a refresh in flight finishes first and cannot write its record back.
      const { deleted, removed } = await deps.session.forget();
      // The record as stored when it was deleted: after a refresh in flight, that is the rotated one to revoke.
      const record = deps.session.usesApiKey ? null : (removed ?? inMemory);
      const revoked = record ? await revokeOnServer(record, deps.apiUrl, deps.timeoutMs) : false;
      const deletedLocal = deleted ? [store.describe()] : [];
      const what = !record
        ? "No saved sign-in to remove"
        : revoked
          ? "Signed out: the session was revoked on the server"
          : "Signed out locally (the server could not be told; the session will expire by itself)";
      const where = deleted ? ` and the saved credential was deleted from ${store.describe()}` : "";
      const apiKeyNote = deps.session.usesApiKey ? " CRONICORN_API_KEY is still set in the environment and is still used." : "";
      return { revokedOnServer: record ? revoked : "not-applicable", deletedLocal, message: `${what}${where}.${apiKeyNote}` };
    },
  };
}
