/**
 * Credentials in the OS keychain: service "cronicorn-mcp", account = API origin, password = the
 * record as JSON. The backend is @napi-rs/keyring, else keytar (keychain-backends.ts), asked from a
 * helper process (keychain-host.ts) because a keychain can block the thread that calls it. Keyrings
 * can hang (a locked or stuck daemon, a D-Bus that never answers), so every call has a deadline, and
 * every failure is a StoreError.
 *
 * Items written by keytar (versions ≤ 0.1) are moved once: on Linux keytar tags an item with
 * `service`/`account` and keyring-rs with `service`/`username`, and on Windows their target names
 * differ, so the new backend cannot see them. A read that finds nothing asks keytar (when installed),
 * writes what it finds through the new backend, then deletes the keytar item. On macOS both use the
 * same generic-password item, so there is nothing to move.
 */
import type { Logger } from "../../core/log.js";
import { loadDefaultBackend, messageOf, type KeychainBackend, type KeytarLike } from "./keychain-backends.js";
import { createKeychainHost } from "./keychain-host.js";
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

/** The keychain did not answer in time: a locked or stuck daemon, or a D-Bus that never answers. */
export class KeychainTimeoutError extends KeychainError {}

export {
  loadDefaultBackend,
  loadKeytarModule,
  loadNapiKeyringModule,
  type BackendLoaders,
  type KeychainBackend,
  type KeytarLike,
} from "./keychain-backends.js";

/** The default backend and the keytar of older versions, both loaded and called in one helper process. */
function hostedLoaders(timeoutMs: number): { loadBackend: () => Promise<KeychainBackend>; loadLegacy: () => Promise<KeychainBackend> } {
  const host = createKeychainHost({ timeoutMs });
  return {
    loadBackend: () => loadDefaultBackend({ keyring: () => host.load("@napi-rs/keyring"), keytar: () => host.load("keytar") }),
    loadLegacy: () => host.load("keytar"),
  };
}

export interface KeychainStoreOptions {
  timeoutMs: number;
  logger: Logger;
  /** Picks and loads the backend; defaults to @napi-rs/keyring, else keytar, in a helper process. */
  loadBackend?: () => Promise<KeytarLike>;
  /** Where items of older versions live; defaults to keytar with the default backend, none with an injected one. */
  loadLegacy?: () => Promise<KeytarLike>;
}

export interface KeychainStore extends TokenStore {
  readonly kind: "keychain";
  /** Resolve when the keychain answers a harmless lookup in time; reject with a StoreError otherwise. */
  probe(): Promise<void>;
  /** Which module talks to the keychain, once loaded (e.g. "@napi-rs/keyring"). */
  backendName(): string | undefined;
}

/**
 * Settle with `promise`, or reject with `onTimeout()` after `ms`. The timer is kept referenced on purpose:
 * a pending keychain call must not let the process exit silently.
 */
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
  const { timeoutMs, logger } = opts;
  const defaults = opts.loadBackend ? { loadBackend: opts.loadBackend, loadLegacy: undefined } : hostedLoaders(timeoutMs);
  const loadBackend = defaults.loadBackend;
  const loadLegacy = opts.loadLegacy ?? defaults.loadLegacy;
  let loading: Promise<KeytarLike> | undefined;
  let loaded: KeytarLike | undefined;
  let legacyLoading: Promise<KeytarLike | undefined> | undefined;

  function backend(): Promise<KeytarLike> {
    // Loaded once; a failed load stays failed for this process (the module will not appear later).
    loading ??= loadBackend().then(
      (b) => (loaded = b),
      (err: unknown) => {
        throw new KeychainError(`the OS keychain is not available: ${messageOf(err)}`, err);
      },
    );
    return loading;
  }

  /** One operation under the deadline; `action` completes "while trying to …". */
  function underDeadline<T>(action: string, attempt: Promise<T>): Promise<T> {
    return withDeadline(
      attempt,
      timeoutMs,
      () => new KeychainTimeoutError(`the OS keychain did not answer within ${timeoutMs} ms while trying to ${action}; it may be locked or stuck`),
    );
  }

  /** One keychain operation under the deadline (loading the backend included). */
  function call<T>(action: string, op: (k: KeytarLike) => Promise<T>): Promise<T> {
    const attempt = backend().then(async (k) => {
      try {
        return await op(k);
      } catch (err) {
        throw new KeychainError(`the OS keychain failed to ${action}: ${messageOf(err)}`, err);
      }
    });
    return underDeadline(action, attempt);
  }

  /** keytar for items of older versions, or undefined when it is absent or is the backend itself. */
  function legacy(): Promise<KeytarLike | undefined> {
    legacyLoading ??= (async () => {
      if (!loadLegacy || (loaded as KeychainBackend | undefined)?.name === "keytar") return undefined;
      return loadLegacy().catch(() => undefined); // not installed: nothing older to look at
    })();
    return legacyLoading;
  }

  /** Move an item an older version wrote with keytar into the backend, once. Never loses it: the old item goes only after the new one is written. */
  async function migrate(origin: string): Promise<string | null> {
    const old = await underDeadline(`look for an older keytar item for ${origin}`, legacy()).catch(() => undefined);
    if (!old) return null;
    let raw: string | null;
    try {
      raw = await underDeadline(`read the older keytar item for ${origin}`, old.getPassword(KEYCHAIN_SERVICE, origin));
    } catch (err) {
      logger.debug(`Could not look for an older keytar item for ${origin}: ${messageOf(err)}`);
      return null;
    }
    if (raw === null) return null;
    try {
      await call(`save the credentials for ${origin}`, (k) => k.setPassword(KEYCHAIN_SERVICE, origin, raw));
      await underDeadline(`remove the older keytar item for ${origin}`, old.deletePassword(KEYCHAIN_SERVICE, origin));
      logger.info(`Moved the keychain item for ${origin} that an earlier version saved with keytar.`);
    } catch (err) {
      logger.warn(
        `Using the keychain item for ${origin} that an earlier version saved with keytar; moving it failed (${messageOf(err)}) and will be tried again.`,
      );
    }
    return raw;
  }

  /** A corrupt item is kept under another account (never deleted) and reads as "signed out". */
  async function moveAside(origin: string, raw: string, reason: string): Promise<void> {
    const aside = `${origin} corrupt-${new Date().toISOString()}`;
    try {
      await call(`keep a copy of the corrupt item for ${origin}`, (k) => k.setPassword(KEYCHAIN_SERVICE, aside, raw));
      await call(`remove the corrupt item for ${origin}`, (k) => k.deletePassword(KEYCHAIN_SERVICE, origin));
      logger.warn(`The OS keychain item for ${origin} was corrupt (${reason}); kept it as "${aside}". You are signed out of ${origin}: sign in again.`);
    } catch (err) {
      logger.warn(
        `The OS keychain item for ${origin} is corrupt (${reason}) and could not be moved aside (${messageOf(err)}). You are signed out of ${origin}: sign in again.`,
      );
    }
  }

  return {
    kind: "keychain",
    backendName: () => (loaded as KeychainBackend | undefined)?.name,
    async probe() {
      await call("look up a test item", (k) => k.getPassword(KEYCHAIN_SERVICE, PROBE_ACCOUNT));
    },
    async read(origin) {
      const raw = (await call(`read the credentials for ${origin}`, (k) => k.getPassword(KEYCHAIN_SERVICE, origin))) ?? (await migrate(origin));
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
      const removed = await call(`delete the credentials for ${origin}`, (k) => k.deletePassword(KEYCHAIN_SERVICE, origin));
      // Signing out must not leave an older keytar copy of the refresh token behind.
      const old = await underDeadline(`look for an older keytar item for ${origin}`, legacy()).catch(() => undefined);
      const removedOld = old
        ? await underDeadline(`remove the older keytar item for ${origin}`, old.deletePassword(KEYCHAIN_SERVICE, origin)).catch(() => false)
        : false;
      return removed || removedOld;
    },
  };
}
