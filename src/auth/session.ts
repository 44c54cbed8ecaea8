/**
 * The one place that decides which credential a request carries, and when to refresh it or ask for a
 * sign-in. Precedence: CRONICORN_API_KEY → the stored record for this API origin. Refresh happens ahead
 * of expiry and once after a 401, in a single flight per process and under a lock across processes,
 * re-reading the store under the lock so a token another process already rotated is used, not re-spent.
 * A record without a refresh token (Cronicorn's device sessions) slides instead: better-auth moves a
 * session's expiry forward when it is used, so near or past the local expiry we ask the server
 * (`checkSession`), store the expiry it answers, and ask for a sign-in only when it says the session is gone.
 *
 * One writer decides: every change to the stored record — refresh, slide, sign-in (`adopt`), sign-out
 * (`forget`) — happens under the same cross-process lock, after re-reading the store. A refresh or slide
 * that finds there that the user signed out (nothing stored) writes nothing and hands out nothing; one
 * that finds another sign-in works on that one. So a sign-out or account switch that answered "done" stays done;
 * a running process sees it at its next 401, or within 30 s, when it reads the store again.
 * A renewal that fails for want of the network is retried only after a short wait (1 s, doubling, at most
 * 15 s), so status reads and calls do not hammer the authorization server; a 401 is still acted on at once.
 */

import type { Logger } from "../core/log.js";
import { holdExit } from "../core/lifecycle.js";
import { registerSecret } from "../core/log.js";
import type { CredentialRecord, TokenStore } from "./store/types.js";
import type { Authorizer, Credential } from "./credential.js";
import { StoreError } from "./store/types.js";
import { AuthRequiredError } from "./errors.js";
import { NetworkError } from "../net/errors.js";

/** The refresh token is dead (`invalid_grant`): only a new sign-in helps. */
export class RefreshRejectedError extends Error {
  override readonly name = "RefreshRejectedError";
}

/** What the server says about a session (better-auth's get-session). */
export type SessionCheck = { state: "alive"; expiresAt?: number } | { state: "gone" } | { state: "unknown"; reason?: string };

/** After the server confirmed a session without moving its expiry, do not ask again for this long. */
const SLIDE_RECHECK_MS = 30_000;
/** A server-reported expiry further out than this is not believed (better-auth's sessions last days, not years). */
const MAX_SESSION_MS = 400 * 86_400_000;
/**
 * How long a loaded record is trusted before the store is read again: a sign-out or account switch in
 * another process reaches this one within it, even when the old token could not be revoked on the server.
 */
const STORE_RECHECK_MS = 30_000;
/** After a renewal failed for want of the network, the first wait before the next attempt; it doubles up to the cap. */
const FIRST_RETRY_MS = 1_000;
/** Short enough that a call soon after the network is back is not held up for long. */
const MAX_RETRY_MS = 15_000;

const SIGNED_OUT_MEANWHILE =
  "You signed out of Cronicorn while the sign-in was being renewed, so it was not saved again. Call the `login` tool (or run `npx cronicorn-mcp login`) to sign in again.";

/** The last renewal of a record (its refresh token, or the token of a session that slides) failed: when to try again, and why it failed. */
interface Backoff {
  key: string;
  until: number;
  waitMs: number;
  reason: string;
}

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
  /** When `record` was last known to match the store (read, or written by this process). */
  private loadedAt = 0;
  private refreshing: Promise<CredentialRecord> | null = null;
  private sliding: Promise<CredentialRecord> | null = null;
  /** Access token the server last confirmed alive, and when (so a session that does not slide is not asked on every call). */
  private confirmed: { token: string; at: number } | null = null;
  private backoff: Backoff | null = null;
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
    if (this.expiresWithin(record, this.deps.refreshSkewMs)) record = await this.renew(record);
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
    // Not subject to the backoff: the API just answered, so the network is there.
    const refreshed = await this.refreshOnce(stored, rejected.value);
    return bearer(refreshed);
  }

  /** The record in use (loaded from the store, then kept in memory and read again every STORE_RECHECK_MS). */
  async current(): Promise<CredentialRecord | null> {
    if (this.record === undefined) await this.load();
    else if (this.now() - this.loadedAt >= STORE_RECHECK_MS) {
      await this.load().catch((error: unknown) => {
        // A store that cannot answer right now (a keychain hiccup) fails no call: the record loaded before serves.
        this.loadedAt = this.now();
        this.deps.logger.debug(
          `Could not read the saved sign-in again (${error instanceof Error ? error.message : String(error)}); using the one loaded before.`,
        );
      });
    }
    return this.record ?? null;
  }

  /** The record as stored now (another process may have signed out or in since it was loaded); it becomes the one in use. */
  reload(): Promise<CredentialRecord | null> {
    return this.load();
  }

  /** Why the last attempt to renew the record in use failed (network, server), while it waits to be tried again; for status. */
  renewalProblem(): string | undefined {
    return this.record && this.backoff?.key === renewalKey(this.record) ? this.backoff.reason : undefined;
  }

  /** Save a record obtained by a sign-in, then use it; returns the record it replaced (as stored when it landed), if any. */
  async adopt(record: CredentialRecord): Promise<CredentialRecord | null> {
    registerSecret(record.access_token);
    registerSecret(record.refresh_token);
    const replaced = await holdExit(
      this.exclusive("Saving the sign-in", async () => {
        const store = await this.deps.store();
        // Only used to end the replaced session on the server: a record that cannot be read is the one in memory.
        const previous = await store.read(this.deps.origin).catch(() => this.record ?? null);
        await store.write(this.deps.origin, record);
        return previous;
      }),
    ).catch((error: unknown) => {
      // Never used unsaved (it would be gone at the next start): say what happened to the approval, with the store's reason.
      if (error instanceof StoreError) throw new StoreError(`The sign-in was approved but could not be saved: ${error.message}`, { cause: error });
      throw error;
    });
    this.use(record);
    return replaced;
  }

  /** Forget the record everywhere (logout): `removed` is the record that was stored (for revocation), `deleted` whether anything was deleted. */
  async forget(): Promise<{ deleted: boolean; removed: CredentialRecord | null }> {
    const outcome = await holdExit(
      this.exclusive("Signing out", async () => {
        const store = await this.deps.store();
        const removed = await store.read(this.deps.origin).catch(() => null);
        return { deleted: await store.delete(this.deps.origin), removed };
      }),
    );
    this.use(null);
    return outcome;
  }

  /** `record` is what the store holds now (just read or written). */
  private remember(record: CredentialRecord | null): void {
    this.record = record;
    this.loadedAt = this.now();
  }

  private use(record: CredentialRecord | null): void {
    this.remember(record);
    this.confirmed = null;
    this.backoff = null;
  }

  private async load(): Promise<CredentialRecord | null> {
    const record = await (await this.deps.store()).read(this.deps.origin);
    if (record) {
      registerSecret(record.access_token);
      registerSecret(record.refresh_token);
    }
    this.remember(record);
    return record;
  }

  /**
   * Run `fn` under the cross-process lock. A sign-in or sign-out the user asked for still goes ahead when
   * the lock itself cannot be taken (e.g. a read-only folder with the keychain as store), saying so.
   */
  private async exclusive<T>(what: string, fn: () => Promise<T>): Promise<T> {
    let entered = false;
    try {
      return await this.deps.withLock(() => {
        entered = true;
        return fn();
      });
    } catch (error) {
      if (entered || !(error instanceof StoreError)) throw error;
      this.deps.logger.warn(`${error.message} ${what} without it: a refresh in another cronicorn-mcp process at this moment could undo it.`);
      return fn();
    }
  }

  private expiresWithin(record: CredentialRecord, ms: number): boolean {
    return record.expires_at - this.now() < ms;
  }

  /** The record is inside the refresh margin: refresh it, let the server slide it, or say it has expired. */
  private async renew(record: CredentialRecord): Promise<CredentialRecord> {
    const expired = this.expiresWithin(record, 0);
    const canSlide = !record.refresh_token && this.deps.checkSession !== undefined && slides(record);
    if (!record.refresh_token && !canSlide) {
      if (expired)
        throw new AuthRequiredError("Your Cronicorn sign-in has expired. Call the `login` tool (or run `npx cronicorn-mcp login`) to sign in again.");
      return record;
    }
    const waiting = this.backoff && this.backoff.key === renewalKey(record) && this.now() < this.backoff.until ? this.backoff : null;
    if (waiting) {
      // A token that still works (or a session only the server can judge) is used meanwhile; the API's answer decides.
      if (!expired || canSlide) return record;
      throw refreshFailed(waiting.reason);
    }
    if (canSlide) return this.slideOnce(record);
    try {
      return await this.refreshOnce(record);
    } catch (error) {
      // The early refresh could not reach the server: the token has not expired yet, so it still serves.
      if (error instanceof NetworkError && !expired && this.record?.access_token === record.access_token) return record;
      throw error;
    }
  }

  /** A renewal failed for want of the network (or a server fault): wait before the next one, longer each time. */
  private failedToRenew(record: CredentialRecord, reason: string): void {
    const key = renewalKey(record);
    const waitMs = this.backoff?.key === key ? Math.min(this.backoff.waitMs * 2, MAX_RETRY_MS) : FIRST_RETRY_MS;
    this.backoff = { key, until: this.now() + waitMs, waitMs, reason };
  }

  /** Under the lock the store is empty: the user signed out after this process loaded the record. Nothing is written or handed out. */
  private signedOutMeanwhile(): never {
    this.use(null);
    throw new AuthRequiredError(SIGNED_OUT_MEANWHILE);
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
    const answer: SessionCheck = check ? await check(record.access_token) : { state: "unknown" };
    if (answer.state === "gone") {
      this.confirmed = null;
      throw new AuthRequiredError(
        "Your Cronicorn sign-in has ended (the server no longer accepts it). Call the `login` tool (or run `npx cronicorn-mcp login`) to sign in again.",
      );
    }
    // Unknown (server unreachable, odd answer): use the token; a 401 on the real call still ends it.
    if (answer.state === "unknown") {
      this.failedToRenew(record, answer.reason ?? "Cronicorn could not be asked whether the session is still valid");
      return record;
    }
    this.backoff = null;
    this.confirmed = { token: record.access_token, at: this.now() };
    if (answer.expiresAt === undefined || answer.expiresAt <= record.expires_at) return record;
    const expiresAt = Math.min(answer.expiresAt, this.now() + MAX_SESSION_MS);
    return this.deps.withLock(async () => {
      const store = await this.deps.store();
      const latest = await store.read(this.deps.origin);
      if (!latest) return this.signedOutMeanwhile();
      // Another process may have signed in again meanwhile: its record wins.
      if (latest.access_token !== record.access_token) {
        this.remember(latest);
        return latest;
      }
      const next: CredentialRecord = { ...latest, expires_at: Math.max(expiresAt, latest.expires_at) };
      await store.write(this.deps.origin, next);
      this.remember(next);
      this.deps.logger.debug("Cronicorn extended the session; saved its new expiry.");
      return next;
    });
  }

  private async refreshUnderLock(record: CredentialRecord, rejectedToken: string | undefined): Promise<CredentialRecord> {
    return this.deps.withLock(async () => {
      const store = await this.deps.store();
      const latest = await store.read(this.deps.origin);
      if (!latest) return this.signedOutMeanwhile();
      registerSecret(latest.access_token);
      registerSecret(latest.refresh_token);
      // Another process rotated the token or signed in again while this one waited: that record is the one in use now,
      // refreshed only if it is due itself (and can be: a sign-in without a refresh token is never replaced by an older one).
      const replaced = latest.access_token !== record.access_token && latest.access_token !== rejectedToken;
      if (!latest.refresh_token || (replaced && !this.expiresWithin(latest, this.deps.refreshSkewMs))) {
        this.remember(latest);
        return latest;
      }
      let next: CredentialRecord;
      try {
        next = await this.deps.refresh(latest);
      } catch (error) {
        if (error instanceof RefreshRejectedError) {
          this.deps.logger.warn("The saved Cronicorn sign-in can no longer be refreshed (the server rejected it); a new sign-in is needed.");
          // Under the lock, the stored record is still the one just refused. It is dead either way: a store
          // that cannot delete it now (a locked keychain) must not hide that a sign-in is needed.
          await store.delete(this.deps.origin).catch((problem: unknown) => this.deps.logger.warn(problem instanceof Error ? problem.message : String(problem)));
          this.use(null);
          throw new AuthRequiredError("Your Cronicorn sign-in has ended (the server no longer accepts it). Call the `login` tool to sign in again.");
        }
        const detail = error instanceof Error ? error.message : String(error);
        this.failedToRenew(latest, detail);
        throw refreshFailed(detail);
      }
      registerSecret(next.access_token);
      registerSecret(next.refresh_token);
      // Persist before use: a rotated refresh token that is only in memory would be lost on a crash.
      await store.write(this.deps.origin, next);
      this.use(next);
      this.deps.logger.debug("Refreshed the Cronicorn access token.");
      return next;
    });
  }
}

/** better-auth sessions (device flow, the official server's record) slide; other OAuth tokens do not. */
export function slides(record: CredentialRecord): boolean {
  return record.flow === "device" || record.flow === "legacy";
}

/** What identifies a renewal: the refresh token it spends, or the session token the server slides. */
function renewalKey(record: CredentialRecord): string {
  return record.refresh_token ?? record.access_token;
}

function refreshFailed(detail: string): NetworkError {
  return new NetworkError(`Could not refresh the Cronicorn sign-in (${detail}). Your saved sign-in is kept; try again in a moment.`);
}

function bearer(record: CredentialRecord): Credential {
  return { kind: "bearer", value: record.access_token };
}
