/**
 * The one place that decides which credential a request carries, and when to refresh it or ask for a
 * sign-in. Precedence: CRONICORN_API_KEY → the stored record for this API origin. Refresh happens ahead
 * of expiry and once after a 401, in a single flight per process and under a lock across processes,
 * re-reading the store under the lock so a token another process already rotated is used, not re-spent.
 * A record without a refresh token (Cronicorn's device sessions) slides instead: better-auth moves a
 * session's expiry forward when it is used, so near or past the local expiry we ask the server
 * (`checkSession`), store the expiry it answers, and ask for a sign-in only when it says the session is gone.
 */

import type { Logger } from "../core/log.js";
import { holdExit } from "../core/lifecycle.js";
import { registerSecret } from "../core/log.js";
import type { CredentialRecord, TokenStore } from "./store/types.js";
import type { Authorizer, Credential } from "./credential.js";
import { AuthRequiredError } from "./errors.js";
import { NetworkError } from "../net/errors.js";

/** The refresh token is dead (`invalid_grant`): only a new sign-in helps. */
export class RefreshRejectedError extends Error {
  override readonly name = "RefreshRejectedError";
}

/** What the server says about a session (better-auth's get-session). */
export type SessionCheck = { state: "alive"; expiresAt?: number } | { state: "gone" } | { state: "unknown" };

/** After the server confirmed a session without moving its expiry, do not ask again for this long. */
const SLIDE_RECHECK_MS = 30_000;
/** A server-reported expiry further out than this is not believed (better-auth's sessions last days, not years). */
const MAX_SESSION_MS = 400 * 86_400_000;

export interface SessionDeps {
  origin: string;
  apiKey: string | undefined;
  refreshSkewMs: number;
  store: () => Promise<TokenStore>;
  /** Exchange the record's refresh token for a new record (openid-client refresh grant). */
  refresh: (record: CredentialRecord) => Promise<CredentialRecord>;
  /** Run `fn` holding the cross-process refresh lock for this origin. */
  withLock: <T>(fn: () => Promise<T>) => Promise<T>;
  /** Ask the server whether a session (bearer without refresh token) is still alive, and until when. */
  checkSession?: (accessToken: string) => Promise<SessionCheck>;
  logger: Logger;
  now?: () => number;
}

export class Session implements Authorizer {
  private record: CredentialRecord | null | undefined; // undefined: not loaded yet
  private refreshing: Promise<CredentialRecord> | null = null;
  private sliding: Promise<CredentialRecord> | null = null;
  /** Access token the server last confirmed alive, and when (so a session that does not slide is not asked on every call). */
  private confirmed: { token: string; at: number } | null = null;
  private readonly now: () => number;

  constructor(private readonly deps: SessionDeps) {
    this.now = deps.now ?? Date.now;
    registerSecret(deps.apiKey);
  }

  get usesApiKey(): boolean {
    return this.deps.apiKey !== undefined;
  }

  async credential(): Promise<Credential> {
    if (this.deps.apiKey) return { kind: "api-key", value: this.deps.apiKey };
    let record = await this.current();
    if (!record) throw new AuthRequiredError();
    if (this.expiresWithin(record, this.deps.refreshSkewMs)) {
      if (record.refresh_token) record = await this.refreshOnce(record);
      else if (this.deps.checkSession && slides(record)) record = await this.slideOnce(record);
      else if (this.expiresWithin(record, 0)) {
        throw new AuthRequiredError("Your Cronicorn sign-in has expired. Call the `login` tool (or run `npx cronicorn-mcp login`) to sign in again.");
      }
    }
    return { kind: "bearer", value: record.access_token };
  }

  async unauthorized(rejected: Credential): Promise<Credential | null> {
    if (rejected.kind === "api-key") return null;
    // A concurrent call may already have replaced the token.
    if (this.record && this.record.access_token !== rejected.value) return bearer(this.record);
    // Re-read: another process may have rotated the token, or signed out (then a sign-in is needed).
    const stored = await this.load();
    if (stored && stored.access_token !== rejected.value) return bearer(stored);
    if (!stored?.refresh_token) return null;
    const refreshed = await this.refreshOnce(stored, rejected.value);
    return bearer(refreshed);
  }

  /** The record in use (loaded from the store once, then kept in memory). */
  async current(): Promise<CredentialRecord | null> {
    if (this.record === undefined) await this.load();
    return this.record ?? null;
  }

  /** Save a record obtained by a sign-in, then use it; returns the record it replaced, if any. */
  async adopt(record: CredentialRecord): Promise<CredentialRecord | null> {
    registerSecret(record.access_token);
    registerSecret(record.refresh_token);
    const previous = await this.current();
    await holdExit((async () => (await this.deps.store()).write(this.deps.origin, record))());
    this.record = record;
    return previous;
  }

  /** Forget the record everywhere (logout); true when a stored record was deleted. */
  async forget(): Promise<boolean> {
    const deleted = await (await this.deps.store()).delete(this.deps.origin);
    this.record = null;
    return deleted;
  }

  private async load(): Promise<CredentialRecord | null> {
    const record = await (await this.deps.store()).read(this.deps.origin);
    if (record) {
      registerSecret(record.access_token);
      registerSecret(record.refresh_token);
    }
    this.record = record;
    return record;
  }

  private expiresWithin(record: CredentialRecord, ms: number): boolean {
    return record.expires_at - this.now() < ms;
  }

  /** Single flight: every caller that needs a refresh right now shares one. */
  private refreshOnce(record: CredentialRecord, rejectedToken?: string): Promise<CredentialRecord> {
    // Held: an exit between "rotated token issued" and "saved" would lose the sign-in.
    this.refreshing ??= holdExit(
      this.refreshUnderLock(record, rejectedToken).finally(() => {
        this.refreshing = null;
      }),
    );
    return this.refreshing;
  }

  /** Single flight, like refresh: every caller near the expiry shares one get-session. */
  private slideOnce(record: CredentialRecord): Promise<CredentialRecord> {
    const recent = this.confirmed && this.confirmed.token === record.access_token && this.now() - this.confirmed.at < SLIDE_RECHECK_MS;
    if (recent) return Promise.resolve(record);
    this.sliding ??= holdExit(
      this.slide(record).finally(() => {
        this.sliding = null;
      }),
    );
    return this.sliding;
  }

  private async slide(record: CredentialRecord): Promise<CredentialRecord> {
    const check = this.deps.checkSession;
    const answer = check ? await check(record.access_token) : ({ state: "unknown" } as const);
    if (answer.state === "gone") {
      this.confirmed = null;
      throw new AuthRequiredError(
        "Your Cronicorn sign-in has ended (the server no longer accepts it). Call the `login` tool (or run `npx cronicorn-mcp login`) to sign in again.",
      );
    }
    // Unknown (server unreachable, odd answer): use the token; a 401 on the real call still ends it.
    if (answer.state === "unknown") return record;
    this.confirmed = { token: record.access_token, at: this.now() };
    if (answer.expiresAt === undefined || answer.expiresAt <= record.expires_at) return record;
    const expiresAt = Math.min(answer.expiresAt, this.now() + MAX_SESSION_MS);
    return this.deps.withLock(async () => {
      const store = await this.deps.store();
      // Another process may have signed in again meanwhile: its record wins.
      const latest = await store.read(this.deps.origin);
      if (latest && latest.access_token !== record.access_token) {
        this.record = latest;
        return latest;
      }
      const next: CredentialRecord = { ...(latest ?? record), expires_at: Math.max(expiresAt, (latest ?? record).expires_at) };
      await store.write(this.deps.origin, next);
      this.record = next;
      this.deps.logger.debug("Cronicorn extended the session; saved its new expiry.");
      return next;
    });
  }

  private async refreshUnderLock(record: CredentialRecord, rejectedToken: string | undefined): Promise<CredentialRecord> {
    return this.deps.withLock(async () => {
      const store = await this.deps.store();
      // Another process may have rotated the token while we waited for the lock: use its result.
      const latest = await store.read(this.deps.origin);
      if (
        latest &&
        latest.access_token !== record.access_token &&
        latest.access_token !== rejectedToken &&
        !this.expiresWithin(latest, this.deps.refreshSkewMs)
      ) {
        registerSecret(latest.access_token);
        registerSecret(latest.refresh_token);
        this.record = latest;
        return latest;
      }
      const base = latest?.refresh_token ? latest : record;
      let next: CredentialRecord;
      try {
        next = await this.deps.refresh(base);
      } catch (error) {
        if (error instanceof RefreshRejectedError) {
          this.deps.logger.warn("The saved Cronicorn sign-in can no longer be refreshed (the server rejected it); a new sign-in is needed.");
          await store.delete(this.deps.origin);
          this.record = null;
          throw new AuthRequiredError("Your Cronicorn sign-in has ended (the server no longer accepts it). Call the `login` tool to sign in again.");
        }
        const detail = error instanceof Error ? error.message : String(error);
        throw new NetworkError(`Could not refresh the Cronicorn sign-in (${detail}). Your saved sign-in is kept; try again in a moment.`);
      }
      registerSecret(next.access_token);
      registerSecret(next.refresh_token);
      // Persist before use: a rotated refresh token that is only in memory would be lost on a crash.
      await store.write(this.deps.origin, next);
      this.record = next;
      this.deps.logger.debug("Refreshed the Cronicorn access token.");
      return next;
    });
  }
}

/** better-auth sessions (device flow, the official server's record) slide; other OAuth tokens do not. */
function slides(record: CredentialRecord): boolean {
  return record.flow === "device" || record.flow === "legacy";
}

function bearer(record: CredentialRecord): Credential {
  return { kind: "bearer", value: record.access_token };
}
