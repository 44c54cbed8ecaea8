/** The auth tools' view of the account: status, sign-in on request, and sign-out. Never returns a token. */

import type { Session } from "./session.js";
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

export function createAccountService(deps: AccountDeps): AccountService {
  const now = deps.now ?? Date.now;

  async function status(): Promise<AuthStatus> {
    if (deps.session.usesApiKey) {
      // The key is the whole credential: the keychain is neither used nor probed (probing it warns for nothing).
      const base = { apiUrl: deps.apiUrl, store: "not used (CRONICORN_API_KEY is set)" };
      const who = await whoAmI(deps.apiUrl, await deps.session.credential(), deps.timeoutMs);
      if (who.state === "rejected") return { ...base, signedIn: false, source: "api-key", flow: "api-key", problem: "Cronicorn rejected CRONICORN_API_KEY." };
      return { ...base, signedIn: true, source: "api-key", flow: "api-key", ...(who.state === "known" ? { user: who.user } : {}) };
    }
    const store = await deps.store().catch(() => undefined);
    const base = { apiUrl: deps.apiUrl, store: store?.describe() ?? "unavailable", ...(deps.signIn.prompt ? { pendingSignIn: deps.signIn.prompt } : {}) };
    let record = await deps.session.current();
    if (!record) return { ...base, signedIn: false, source: "none" };
    if (record.expires_at <= now()) {
      // Past its local expiry is not the end: the session refreshes, or (Cronicorn) asks the server,
      // whose sessions slide. Whatever it learns is what status reports.
      await deps.session.credential().catch(() => undefined);
      const after = await deps.session.current();
      // The server refused the refresh and the saved sign-in was removed: signed out, whatever it said.
      if (!after) return { ...base, signedIn: false, source: "none", problem: "Cronicorn refused to renew the saved sign-in, so it was removed." };
      record = after;
    }
    const expired = record.expires_at <= now();
    const who = expired ? ({ state: "unknown" } as const) : await whoAmI(deps.apiUrl, { kind: "bearer", value: record.access_token }, deps.timeoutMs);
    const details = {
      ...base,
      source: store?.kind ?? "file",
      ...(record.flow ? { flow: record.flow } : {}),
      expiresAt: new Date(record.expires_at).toISOString(),
      daysLeft: Math.max(0, Math.floor((record.expires_at - now()) / DAY_MS)),
      hasRefreshToken: Boolean(record.refresh_token),
      ...(who.state === "known" ? { user: who.user } : {}),
    };
    if (expired && !record.refresh_token) return { ...details, signedIn: false, problem: "The saved sign-in has expired." };
    if (who.state === "rejected") return { ...details, signedIn: false, problem: "Cronicorn no longer accepts the saved sign-in." };
    // better-auth answers null for a token without a session; for its own device sessions that means it ended.
    if (who.state === "no-session" && record.flow !== "pkce")
      return { ...details, signedIn: false, problem: "Cronicorn no longer has this session (signed out elsewhere, or revoked)." };
    return { ...details, signedIn: true };
  }

  return {
    status,

    async login(call: CallContext, force: boolean): Promise<SignInOutcome & { status?: AuthStatus }> {
      if (!force) {
        const current = await status();
        if (current.signedIn) return { state: "ready", status: current };
      } else {
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
