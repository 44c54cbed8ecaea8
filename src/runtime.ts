/**
 * Builds everything a tool call needs, on the first call (never at startup): the token store, the
 * session, the API client, the sign-in coordinator and the account service. Loaded with import() so
 * none of it (openid-client, keytar, open) slows down the MCP handshake.
 */
import { CronicornClient } from "./api/client.js";
import type { Config } from "./config/config.js";
import type { Logger } from "./core/log.js";
import type { Runtime } from "./tools/context.js";
import { createAccountService } from "./auth/account-service.js";
import { browserAvailable, createOpener } from "./auth/browser.js";
import { startSignIn } from "./auth/flows/choose.js";
import { createRefresher } from "./auth/flows/refresh.js";
import { revokeOnServer } from "./auth/flows/revoke.js";
import { Session, type SessionCheck } from "./auth/session.js";
import { whoAmI } from "./auth/whoami.js";
import { SignInCoordinator } from "./auth/signin.js";
import { openTokenStore } from "./auth/store/index.js";
import { withStoreLock } from "./auth/store/lock.js";
import type { SignInUi } from "./auth/ui.js";

export interface AuthParts {
  session: Session;
  signIn: SignInCoordinator;
  runtime: Runtime;
}

export interface AuthPartsOptions {
  /** How long a call waits for approval (the CLI waits for the whole sign-in). */
  waitMs?: number;
  /** What happens once the user approves, for a caller that waits (a terminal: "this command continues by itself"). */
  whileWaiting?: string;
}

export function createAuthParts(config: Config, logger: Logger, ui: SignInUi, options: AuthPartsOptions = {}): AuthParts {
  let store: ReturnType<typeof openTokenStore> | undefined;
  const getStore = () =>
    (store ??= openTokenStore({ mode: config.tokenStore, dir: config.configDir, timeoutMs: config.keychainTimeoutMs, logger }).catch((error: unknown) => {
      store = undefined; // a store that failed to open is retried on the next call
      throw error;
    }));

  const session = new Session({
    origin: config.apiOrigin,
    apiKey: config.apiKey,
    refreshSkewMs: config.refreshSkewMs,
    store: getStore,
    refresh: createRefresher(),
    withLock: (fn) => withStoreLock(config.configDir, config.apiOrigin, fn, { logger }),
    checkSession: (accessToken) => checkSession(config, accessToken),
    logger,
  });

  const hasBrowser = browserAvailable(process.env, config.noBrowser);
  const opener = createOpener(logger);
  const signIn = new SignInCoordinator({
    start: () => startSignIn(config, hasBrowser),
    openBrowser: (url) => (hasBrowser ? opener(url) : Promise.resolve(false)),
    adopt: async (record) => {
      const replaced = await session.adopt(record);
      // A sign-in that replaces a live session (login --force, switching accounts) ends the old one on
      // the server too, so signing out later leaves nothing behind. The official server's record is
      // left alone: that server may still be using it.
      if (replaced && replaced.access_token !== record.access_token && replaced.flow !== "legacy") {
        await revokeOnServer(replaced, config.apiUrl, Math.min(config.requestTimeoutMs, 10_000));
      }
    },
    ui,
    waitMs: options.waitMs ?? config.loginWaitMs,
    logger,
    ...(options.whileWaiting ? { whileWaiting: options.whileWaiting } : {}),
  });

  const api = new CronicornClient({ apiUrl: config.apiUrl, timeoutMs: config.requestTimeoutMs, authorizer: session, logger });
  const account = createAccountService({ apiUrl: config.apiUrl, session, signIn, store: getStore, timeoutMs: Math.min(config.requestTimeoutMs, 10_000) });
  return { session, signIn, runtime: { api, account, gate: signIn } };
}

/** better-auth's get-session as a liveness check for a session without a refresh token (it also slides the session). */
async function checkSession(config: Config, accessToken: string): Promise<SessionCheck> {
  const who = await whoAmI(config.apiUrl, { kind: "bearer", value: accessToken }, Math.min(config.requestTimeoutMs, 10_000));
  // Only better-auth sessions are checked (Session decides), so no session means this one is gone.
  if (who.state === "rejected" || who.state === "no-session") return { state: "gone" };
  if (who.state === "unknown") return { state: "unknown" };
  return { state: "alive", ...(who.expiresAt ? { expiresAt: who.expiresAt } : {}) };
}

export async function loadRuntime(config: Config, logger: Logger, ui: SignInUi): Promise<Runtime> {
  const { runtime } = createAuthParts(config, logger, ui);
  // A test seam (test/e2e/mcp/eras.test.ts): every API call hits a bug of ours, to prove that a bug is
  // logged with its source position and answered without internals. Never set outside tests.
  if (process.env.CRONICORN_TEST_INJECT_BUG === "1") return { ...runtime, api: { request: injectedBug } as unknown as Runtime["api"] };
  return runtime;
}

function injectedBug(): never {
  const missing = undefined as unknown as { field: { length: number } };
  throw new RangeError(`unreachable: ${missing.field.length}`);
}
