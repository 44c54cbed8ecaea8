/**
 * The PKCE test stack: an OAuth 2.1 authorization server (oidc-provider) whose access tokens the
 * Cronicorn stand-in accepts, plus a way to turn its acceptance off (a "revoked everywhere" switch).
 */
import { startAuthorizationServer } from "../stack/oauth-server.js";
import type { AuthServer, AuthServerOptions } from "../stack/oauth-server.js";
import { startCronicornStandIn } from "../stack/cronicorn.js";
import type { StandIn } from "../stack/cronicorn.js";
import type { Era, ServerHandle } from "./mcp.js";
import { startServer } from "./mcp.js";
import { trackIssuer } from "./secrets.js";
import { promptOf, storedRecord, untilSignedIn } from "./signin.js";

export interface PkceStack {
  stand: StandIn;
  as: AuthServer;
  /** When false, the API rejects every token of the authorization server (simulates a dead grant). */
  accept: { tokens: boolean };
  env: Record<string, string>;
  close(): Promise<void>;
}

export async function startPkceStack(options: Partial<AuthServerOptions> = {}): Promise<PkceStack> {
  const accept = { tokens: true };
  // The stand-in is started first (its user is the AS's account), so it reaches the AS through this holder.
  const holder: { as?: AuthServer } = {};
  const stand = await startCronicornStandIn({
    verifyExternalToken: async (token) => {
      if (!accept.tokens || !holder.as) return null;
      const result = await holder.as.verifyAccessToken(token);
      return result ? { userId: result.userId } : null;
    },
  });
  const as = await startAuthorizationServer({
    account: { id: stand.user.id, email: stand.user.email, password: stand.user.password, name: stand.user.name },
    ...options,
  });
  holder.as = as;
  // Every token the authorization server hands out, and every refresh token presented to it.
  const untrack = trackIssuer(() => [...as.issuedTokens, ...as.tokenRequests.map((r) => r.refreshToken)]);
  const env = {
    CRONICORN_API_URL: stand.apiUrl,
    CRONICORN_WEB_URL: stand.webUrl,
    CRONICORN_ISSUER: as.issuer,
    CRONICORN_AUTH_FLOW: "pkce",
    CRONICORN_LOGIN_WAIT_S: "0",
  };
  return {
    stand,
    as,
    accept,
    env,
    close: async () => {
      untrack();
      await as.close();
      await stand.close();
    },
  };
}

/** Every refresh-token grant the authorization server has answered so far. */
export function refreshGrants(stack: PkceStack) {
  return stack.as.tokenRequests.filter((r) => r.grantType === "refresh_token");
}

/** Wait until the access token `server` has stored is past its expiry. */
export async function waitPastExpiry(server: ServerHandle, stack: PkceStack): Promise<void> {
  const expiresAt = storedRecord(server.home, stack.stand.webUrl)?.expires_at as number;
  const wait = expiresAt - Date.now() + 200;
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
}

/** Sign `server` in through the authorization server's pages (plain HTTP, no browser). */
export async function signInHeadless(server: ServerHandle, stack: PkceStack): Promise<void> {
  const prompt = promptOf(await server.call("login"));
  const callback = await stack.as.completeLoginHeadless(prompt.verificationUrl);
  if (callback.status !== 200) throw new Error(`callback answered ${callback.status}: ${callback.body}`);
  await untilSignedIn(server);
}

export async function startSignedInServer(stack: PkceStack, env: Record<string, string> = {}, home?: string, era: Era = "legacy"): Promise<ServerHandle> {
  const server = await startServer({ era, env: { ...stack.env, ...env }, ...(home ? { home } : {}) });
  await signInHeadless(server, stack);
  return server;
}
