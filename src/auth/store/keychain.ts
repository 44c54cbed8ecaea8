/**
 * Credentials in the OS keychain through keytar: service "cronicorn-mcp", account = API origin,
 * password = the record as JSON. keytar is optional and loaded on first use; keyrings can hang
 * (a locked or stuck daemon), so every call has a deadline, and every failure is a StoreError.
 */
import type { Logger } from "../../log.js";
import { assertStorable, parseCredentialJson } from "./record.js";
import { StoreError, type CredentialRecord, type TokenStore } from "./types.js";

export const KEYCHAIN_SERVICE = "cronicorn-mcp";
/** Looked up by `probe`: an account that never exists, so the probe reads no secret. */
const PROBE_ACCOUNT = "cronicorn-mcp-probe";
const FIX = "Unlock the keychain, or set CRONICORN_TOKEN_STORE=file to keep credentials in a private file instead.";

/** A StoreError whose `problem` says what went wrong without the advice, for messages that give their own. */
export class KeychainError extends StoreError {
  constructor(
    readonly problem: string,
    cause?: unknown,
  ) {
    super(`${problem.charAt(0).toUpperCase()}${problem.slice(1)}. ${FIX}`, { cause });
  }
}

/** The keytar functions we use. */
export interface KeytarLike {
  getPassword(service: string, account: string): Promise<string | null>;
  setPassword(service: string, account: string, password: string): Promise<void>;
  deletePassword(service: string, account: string): Promise<boolean>;
}

export interface KeychainStoreOptions {
  timeoutMs: number;
  logger: Logger;
  loadKeytar?: () => Promise<KeytarLike>;
}

export interface KeychainStore extends TokenStore {
  readonly kind: "keychain";
  /** Resolve when the keychain answers a harmless lookup in time; reject with a StoreError otherwise. */
  probe(): Promise<void>;
}

function isKeytarLike(value: unknown): value is KeytarLike {
  const candidate = value as Partial<KeytarLike> | null;
  return (
    typeof candidate?.getPassword === "function" &&
    typeof candidate.setPassword === "function" &&
    typeof candidate.deletePassword === "function"
  );
}

/** keytar is CommonJS: its functions arrive on `default` (and, depending on the loader, also as named exports). */
export async function loadKeytarModule(): Promise<KeytarLike> {
  const mod: unknown = await import("keytar");
  const keytar = (mod as { default?: unknown }).default ?? mod;
  if (!isKeytarLike(keytar)) throw new Error("the keytar module does not have the expected functions");
  return keytar;
}

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** Settle with `promise`, or reject with `onTimeout()` after `ms`. The timer is kept referenced on purpose: a pending keychain call must not let the process exit silently. */
function withDeadline<T>(promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(onTimeout()), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}

export function createKeychainStore(opts: KeychainStoreOptions): KeychainStore {
  const { timeoutMs, logger, loadKeytar = loadKeytarModule } = opts;
  let loading: Promise<KeytarLike> | undefined;

  function keytar(): Promise<KeytarLike> {
    // Loaded once; a failed load stays failed for this process (the module will not appear later).
    loading ??= loadKeytar().catch((err: unknown) => {
      const missing = ["ERR_MODULE_NOT_FOUND", "MODULE_NOT_FOUND"].includes((err as { code?: string }).code ?? "");
      throw new KeychainError(
        `the OS keychain is not available: ${missing ? "keytar, an optional dependency, is not installed" : `keytar could not be loaded (${messageOf(err)})`}`,
        err,
      );
    });
    return loading;
  }

  /** One keychain operation under the deadline (loading keytar included); `action` completes "while trying to …". */
  function call<T>(action: string, op: (k: KeytarLike) => Promise<T>): Promise<T> {
    const attempt = keytar().then(async (k) => {
      try {
        return await op(k);
      } catch (err) {
        throw new KeychainError(`the OS keychain failed to ${action}: ${messageOf(err)}`, err);
      }
    });
    return withDeadline(attempt, timeoutMs, () => new KeychainError(`the OS keychain did not answer within ${timeoutMs} ms while trying to ${action}; it may be locked or stuck`));
  }

  /** A corrupt item is kept under another account (never deleted) and reads as "signed out". */
  async function moveAside(origin: string, raw: string, reason: string): Promise<void> {
    const aside = `${origin} corrupt-${new Date().toISOString()}`;
    try {
      await call(`keep a copy of the corrupt item for ${origin}`, (k) => k.setPassword(KEYCHAIN_SERVICE, aside, raw));
      await call(`remove the corrupt item for ${origin}`, (k) => k.deletePassword(KEYCHAIN_SERVICE, origin));
      logger.warn(`The OS keychain item for ${origin} was corrupt (${reason}); kept it as "${aside}". You are signed out of ${origin}: sign in again.`);
    } catch (err) {
      logger.warn(`The OS keychain item for ${origin} is corrupt (${reason}) and could not be moved aside (${messageOf(err)}). You are signed out of ${origin}: sign in again.`);
    }
  }

  return {
    kind: "keychain",
    async probe() {
      await call("look up a test item", (k) => k.getPassword(KEYCHAIN_SERVICE, PROBE_ACCOUNT));
    },
    async read(origin) {
      const raw = await call(`read the credentials for ${origin}`, (k) => k.getPassword(KEYCHAIN_SERVICE, origin));
      if (raw === null) return null;
      const parsed = parseCredentialJson(raw);
      if (parsed.ok) return parsed.value;
      await moveAside(origin, raw, parsed.reason);
      return null;
    },
    async write(origin, record: CredentialRecord) {
      const valid = assertStorable(origin, record);
      await call(`save the credentials for ${origin}`, (k) => k.setPassword(KEYCHAIN_SERVICE, origin, JSON.stringify(valid)));
    },
    async delete(origin) {
      return call(`delete the credentials for ${origin}`, (k) => k.deletePassword(KEYCHAIN_SERVICE, origin));
    },
  };
}
