/**
 * Which store holds the credentials (CRONICORN_TOKEN_STORE): "file", "keychain", or "auto" — the
 * OS keychain when it answers, else the private file, said once on stderr. In auto mode the file is
 * still read after the keychain, so a record the official server (or an earlier fallback) left
 * there keeps working, and a keychain that fails later costs one warning, never a lost write — but a
 * sign-out it could not carry out is an error, since the record would come back.
 */
import os from "node:os";
import path from "node:path";
import type { Logger } from "../../core/log.js";
import { createFileStore, type FileStore } from "./file.js";
import { createKeychainStore, KeychainError, KeychainTimeoutError, type KeychainStore, type KeytarLike } from "./keychain.js";
import { StoreError, type CredentialRecord, type StoreKind, type TokenStore } from "./types.js";

export type StoreMode = "auto" | "keychain" | "file";

export interface CredentialStore extends TokenStore {
  /** The store that receives writes. */
  readonly kind: StoreKind;
  /** For `status`: e.g. "OS keychain (Secret Service)" or "file ~/.cronicorn/credentials.json". */
  describe(): string;
  /** Why auto mode did not use the keychain (for `doctor`); undefined when it did, or was not asked to. */
  readonly keychainProblem?: StoreError;
}

export interface OpenTokenStoreOptions {
  mode: StoreMode;
  dir: string;
  timeoutMs: number;
  logger: Logger;
  /** Tests inject the keychain backend (and the keytar of older versions); production loads them lazily on first use. */
  loadBackend?: () => Promise<KeytarLike>;
  loadLegacy?: () => Promise<KeytarLike>;
  /** The OS whose keychain `describe()` names; this one unless a test names another. */
  platform?: NodeJS.Platform;
}

function keychainName(platform: NodeJS.Platform): string {
  if (platform === "darwin") return "OS keychain (macOS Keychain)";
  if (platform === "win32") return "OS keychain (Windows Credential Manager)";
  return "OS keychain (Secret Service)";
}

/** The file's absolute path, with ~ for the home folder only where ~ means that folder (an empty HOME gives "" here). */
function displayPath(file: string): string {
  const absolute = path.resolve(file);
  const home = os.homedir();
  const usable = path.isAbsolute(home) && home !== path.parse(home).root;
  return usable && absolute.startsWith(home + path.sep) ? `~${absolute.slice(home.length)}` : absolute;
}

function describedAs(store: TokenStore, description: string, keychainProblem?: StoreError): CredentialStore {
  return {
    kind: store.kind,
    describe: () => description,
    ...(keychainProblem ? { keychainProblem } : {}),
    read: (origin) => store.read(origin),
    write: (origin, record) => store.write(origin, record),
    delete: (origin) => store.delete(origin),
  };
}

/** Auto mode with a working keychain: writes go there, the file is the safety net. */
function keychainFirst(keychain: KeychainStore, keychainLabel: string, file: FileStore, logger: Logger): CredentialStore {
  const fileName = displayPath(file.path);
  const fellBack = (err: unknown, what: string): void => {
    if (!(err instanceof StoreError)) throw err;
    logger.warn(`${err.message} Using the file ${fileName} for this ${what}.`);
  };

  return {
    kind: "keychain",
    describe: () => `${keychainLabel}, then file ${fileName}`,
    async read(origin) {
      let stored: CredentialRecord | null;
      try {
        stored = await keychain.read(origin);
      } catch (err) {
        fellBack(err, "read");
        return file.read(origin);
      }
      if (!stored) return file.read(origin);
      // A newer record of ours in the file means a keychain write failed (or file mode was used since).
      const own = await file.read(origin, { legacy: false }).catch(() => null);
      return own && own.obtained_at > stored.obtained_at ? own : stored;
    },
    async write(origin, record) {
      try {
        await keychain.write(origin, record);
      } catch (err) {
        fellBack(err, "write");
        return file.write(origin, record);
      }
      // Our older copy in the file would be stale plaintext; the official server's record is not ours to remove.
      await file.delete(origin, { legacy: false }).catch((err: unknown) => {
        logger.warn(`Saved to the keychain, but could not remove the older copy from ${fileName}: ${String(err)}`);
      });
    },
    async delete(origin) {
      let failure: StoreError | undefined;
      let removed = false;
      try {
        removed = await keychain.delete(origin);
      } catch (err) {
        if (!(err instanceof StoreError)) throw err;
        failure = err;
      }
      const removedFromFile = await file.delete(origin);
      // A sign-out reported done while the keychain still holds the record would come back on the next read.
      if (failure) throw new StoreError(`${failure.message} It may still hold the sign-in: sign out again once it answers.`, { cause: failure });
      return removedFromFile || removed;
    },
  };
}

/** Decide the store once per process (gh-style precedence: the keychain when it works, else the file). */
export async function openTokenStore(opts: OpenTokenStoreOptions): Promise<CredentialStore> {
  const { mode, dir, timeoutMs, logger, loadBackend, loadLegacy, platform = process.platform } = opts;
  const file = createFileStore({ dir, logger });
  const fileDescription = `file ${displayPath(file.path)}`;
  if (mode === "file") return describedAs(file, fileDescription);

  const keychain = createKeychainStore({ timeoutMs, logger, ...(loadBackend ? { loadBackend } : {}), ...(loadLegacy ? { loadLegacy } : {}) });
  const keychainLabel = keychainName(platform);
  if (mode === "keychain") {
    await keychain.probe();
    return describedAs(keychain, keychainLabel);
  }
  try {
    await keychain.probe();
  } catch (err) {
    if (!(err instanceof StoreError)) throw err;
    const problem = err instanceof KeychainError ? err.problem : err.message;
    logger.warn(`Credentials are kept in ${fileDescription}, readable only by you, because ${problem}. Set CRONICORN_TOKEN_STORE=file to skip the keychain.`);
    return describedAs(file, `${fileDescription} (OS keychain ${err instanceof KeychainTimeoutError ? "not answering" : "unavailable"})`, err);
  }
  logger.debug(`Credentials are kept in the ${keychainLabel}.`);
  return keychainFirst(keychain, keychainLabel, file, logger);
}

export { StoreError } from "./types.js";
export type { CredentialRecord, StoreKind, TokenStore } from "./types.js";
export type { KeytarLike } from "./keychain.js";
export { withStoreLock, storeLockPath, type LockOptions } from "./lock.js";
