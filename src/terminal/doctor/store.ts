/**
 * Local checks: which credential store opens (and how long a read takes), the config folder's and
 * credentials file's permissions, and the saved sign-in's expiry. Only the store's public API is
 * used, and nothing of a record but its dates and kind is ever shown.
 */
import { stat } from "node:fs/promises";
import path from "node:path";
import type { Config } from "../../config/config.js";
import type { Logger } from "../../core/log.js";
import { openTokenStore, type CredentialRecord, type CredentialStore } from "../../auth/store/index.js";
import { KeychainError, KeychainTimeoutError } from "../../auth/store/keychain.js";
import { check, messageOf, timed, type CheckResult } from "./types.js";

const CREDENTIALS_FILE = "credentials.json";
const DAY_MS = 86_400_000;

/** A logger that keeps what the store says, to show it on the store's line instead of stderr. */
function collectingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  return { warnings, debug() {}, info() {}, warn: (m) => warnings.push(m), error: (m) => warnings.push(m) };
}

export interface StoreCheck {
  result: CheckResult;
  /** The saved record for the API origin, when the store could be read. */
  record: CredentialRecord | null | undefined;
}

/** What went wrong with the store, without the advice a keychain error carries (the line's fix gives it once). */
function keychainProblem(error: unknown): { text: string; notAnswering: boolean; keychain: boolean } {
  if (error instanceof KeychainTimeoutError) return { text: `keychain not answering (${error.problem})`, notAnswering: true, keychain: true };
  if (error instanceof KeychainError) return { text: error.problem, notAnswering: false, keychain: true };
  return { text: messageOf(error), notAnswering: false, keychain: false };
}

const SKIP_KEYCHAIN = "set CRONICORN_TOKEN_STORE=file to keep credentials in the private file without asking the keychain";

function keychainFix(notAnswering: boolean, timeoutMs: number): string {
  return notAnswering
    ? `Unlock the OS keychain or restart its service (on Linux: the Secret Service, e.g. gnome-keyring, on the D-Bus session), or ${SKIP_KEYCHAIN} (and without waiting ${timeoutMs} ms for it).`
    : `Make the OS keychain reachable by the MCP client (on Linux: a D-Bus session with a Secret Service such as gnome-keyring), or ${SKIP_KEYCHAIN}.`;
}

/** The way out of a store that failed: the keychain's, for a keychain failure; any other store error (a credentials file that is not a file) already says what to do. */
function storeFix(problem: { notAnswering: boolean; keychain: boolean }, timeoutMs: number): string | undefined {
  return problem.keychain ? keychainFix(problem.notAnswering, timeoutMs) : undefined;
}

export type StoreOpener = typeof openTokenStore;

export async function checkStore(config: Config, open: StoreOpener = openTokenStore): Promise<StoreCheck> {
  const title = "credential store";
  if (config.apiKey) {
    return { result: check("store", title, "skip", "not used: CRONICORN_API_KEY is set, so no sign-in is saved or read"), record: undefined };
  }
  const logger = collectingLogger();
  const opened = await timed(() => open({ mode: config.tokenStore, dir: config.configDir, timeoutMs: config.keychainTimeoutMs, logger }));
  if (!opened.ok) {
    const problem = keychainProblem(opened.error);
    return {
      result: check(
        "store",
        title,
        "fail",
        `CRONICORN_TOKEN_STORE=${config.tokenStore}: ${problem.text}`,
        storeFix(problem, config.keychainTimeoutMs),
        opened.ms,
      ),
      record: undefined,
    };
  }
  const store: CredentialStore = opened.value;
  // The fallback's own warning is told from keychainProblem below; what the read says is shown as said.
  const openWarnings = logger.warnings.length;
  const read = await timed(() => store.read(config.apiOrigin));
  const detail = `${store.describe()}; opened in ${Math.round(opened.ms)} ms, read in ${Math.round(read.ms)} ms`;
  if (!read.ok) {
    const problem = keychainProblem(read.error);
    return {
      result: check("store", title, "fail", `${detail}: ${problem.text}`, storeFix(problem, config.keychainTimeoutMs)),
      record: undefined,
    };
  }
  const said = logger.warnings.slice(openWarnings);
  if (store.keychainProblem) {
    const problem = keychainProblem(store.keychainProblem);
    const also = said.length > 0 ? ` ${said.join(" ")}` : "";
    // describe() already says "(OS keychain not answering)" or "(… unavailable)": here only why.
    const why = store.keychainProblem instanceof KeychainError ? store.keychainProblem.problem : problem.text;
    return {
      result: check("store", title, "warn", `${detail}. Why: ${why.replace(/\.$/, "")}.${also}`, keychainFix(problem.notAnswering, config.keychainTimeoutMs)),
      record: read.value,
    };
  }
  if (said.length > 0) return { result: check("store", title, "warn", `${detail}. ${said.join(" ")}`), record: read.value };
  if (read.ms > config.keychainTimeoutMs / 2) {
    return {
      result: check(
        "store",
        title,
        "warn",
        `${detail}: slow`,
        `A keychain that answers slowly delays every first tool call; set CRONICORN_TOKEN_STORE=file if it stays slow.`,
      ),
      record: read.value,
    };
  }
  return { result: check("store", title, "ok", detail), record: read.value };
}

async function modeOf(file: string): Promise<number | undefined> {
  try {
    return (await stat(file)).mode & 0o777;
  } catch {
    return undefined;
  }
}

export async function checkConfigFolder(config: Config, platform: NodeJS.Platform = process.platform): Promise<CheckResult> {
  const title = "config folder";
  const dir = config.configDir;
  const file = path.join(dir, CREDENTIALS_FILE);
  const dirMode = await modeOf(dir);
  if (dirMode === undefined) return check("config-dir", title, "ok", `${dir} does not exist yet (created, private, at the first sign-in)`);
  if (platform === "win32") return check("config-dir", title, "ok", `${dir} (permissions follow your Windows user profile)`);
  const fileMode = await modeOf(file);
  const open: string[] = [];
  const fixes: string[] = [];
  if ((dirMode & 0o077) !== 0) {
    open.push(`${dir} is ${octal(dirMode)}`);
    fixes.push(`chmod 700 "${dir}"`);
  }
  if (fileMode !== undefined && (fileMode & 0o077) !== 0) {
    open.push(`${file} is ${octal(fileMode)}`);
    fixes.push(`chmod 600 "${file}"`);
  }
  if (open.length > 0) return check("config-dir", title, "fail", `readable by other users: ${open.join(", ")}`, `Run ${fixes.join(" && ")}.`);
  const what = fileMode === undefined ? "no credentials file" : `${CREDENTIALS_FILE} ${octal(fileMode)}`;
  return check("config-dir", title, "ok", `${dir} ${octal(dirMode)}, ${what}`);
}

function octal(mode: number): string {
  return `0${mode.toString(8).padStart(3, "0")}`;
}

export function checkSignedIn(config: Config, record: CredentialRecord | null | undefined, now: number): CheckResult {
  const title = "sign-in";
  if (config.apiKey) return check("sign-in", title, "ok", "CRONICORN_API_KEY is set: requests use the API key, no sign-in needed");
  if (record === undefined) return check("sign-in", title, "skip", "not checked: the credential store could not be read");
  if (record === null)
    return check(
      "sign-in",
      title,
      "warn",
      `not signed in to ${config.apiUrl}`,
      "Run `cronicorn-mcp login`, or just ask your assistant: the first tool call signs you in.",
    );
  const expires = new Date(record.expires_at).toISOString();
  const via = record.flow ? ` via ${record.flow}` : "";
  if (record.expires_at <= now) {
    return record.refresh_token
      ? check("sign-in", title, "ok", `signed in${via}; the access token expired at ${expires} and is refreshed on the next call`)
      : check("sign-in", title, "fail", `the saved sign-in${via} expired at ${expires}`, "Run `cronicorn-mcp login` to sign in again.");
  }
  const days = Math.floor((record.expires_at - now) / DAY_MS);
  const refresh = record.refresh_token ? "; refreshes automatically" : "";
  if (!record.refresh_token && days < 3) {
    return check(
      "sign-in",
      title,
      "warn",
      `signed in${via} until ${expires} (${days} day(s) left)`,
      "Run `cronicorn-mcp login --force` before then to avoid an interruption.",
    );
  }
  return check("sign-in", title, "ok", `signed in${via} until ${expires} (${days} day(s) left)${refresh}`);
}
