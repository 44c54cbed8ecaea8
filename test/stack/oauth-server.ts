// A standards-compliant OAuth 2.1 authorization server (oidc-provider) on 127.0.0.1, with the
// instrumentation tests need: token endpoint ledger, refresh token reuse count, request log, faults.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Provider } from "oidc-provider";
import { completeLoginHeadless } from "./oauth/headless-login.js";
import { readForm, sendJson } from "./oauth/http.js";
import { interactionRoutes } from "./oauth/interactions.js";
import { listenOnLoopback } from "./oauth/listener.js";
import { createProvider, TOKEN_PATH } from "./oauth/provider.js";
import { createTokenLedger, recordTokenRequests, tokenRequestFromForm, type TokenLedger } from "./oauth/token-ledger.js";
import type { AuthServerAccount, TokenEndpointRecord } from "./oauth/types.js";

export type { AuthServerAccount, TokenEndpointRecord } from "./oauth/types.js";

export interface AuthServerOptions {
  /** The one user who can log in. */
  account: AuthServerAccount;
  /** Default "cronicorn-mcp": a public native client, PKCE S256, redirect http://127.0.0.1:<any port>/callback. */
  clientId?: string;
  /** Default 3600. */
  accessTokenTtlS?: number;
  /** Default 14 days. */
  refreshTokenTtlS?: number;
  /** Default true: every refresh returns a new refresh token and re-using a spent one fails with invalid_grant. */
  rotateRefreshTokens?: boolean;
  /** Default 0 (any free port). */
  port?: number;
}

export type TokenEndpointFault = "ok" | "503" | "refuse";

export interface AuthServer {
  /** "http://127.0.0.1:<port>"; RFC 8414 metadata at /.well-known/oauth-authorization-server, OIDC discovery at /.well-known/openid-configuration. */
  issuer: string;
  clientId: string;
  /** Is this access token currently valid? → its account id and scope; null when unknown, expired or revoked. */
  verifyAccessToken(token: string): Promise<{ userId: string; scope: string } | null>;
  /** Revoke one access token server-side (as an admin would); the rest of its grant stays valid. */
  revokeAccessToken(token: string): Promise<void>;
  /** Every request to the token endpoint, in the order they were answered. */
  tokenRequests: TokenEndpointRecord[];
  /** Every access, refresh and ID token the token endpoint has issued. */
  issuedTokens: string[];
  /** How many times a refresh token that had already been used was presented. */
  refreshTokenReuseCount(): number;
  /** Every request the server received (method + path without query). */
  requests: { method: string; path: string; at: number }[];
  /** "503" answers the token endpoint with 503 JSON; "refuse" closes the listening socket; "ok" restores both (same port). */
  setTokenEndpointFault(fault: TokenEndpointFault): Promise<void>;
  /** Hold every token endpoint request until `release()`; `arrived` resolves when the first one is held. */
  holdTokenRequests(): { arrived: Promise<void>; release(): void };
  /** Follow an authorization URL through login + consent with plain HTTP, then GET the client's callback URL. */
  completeLoginHeadless(authorizationUrl: string, opts?: { deny?: boolean }): Promise<{ callbackUrl: string; status: number; body: string }>;
  close(): Promise<void>;
}

const RFC8414_METADATA_PATH = "/.well-known/oauth-authorization-server";
const OIDC_DISCOVERY_PATH = "/.well-known/openid-configuration";

export async function startAuthorizationServer(options: AuthServerOptions): Promise<AuthServer> {
  const { account } = options;
  const clientId = options.clientId ?? "cronicorn-mcp";
  const rotateRefreshTokens = options.rotateRefreshTokens ?? true;
  const requests: AuthServer["requests"] = [];
  const ledger = createTokenLedger(rotateRefreshTokens);
  let fault: TokenEndpointFault = "ok";
  let hold: { gate: Promise<void>; arrive(): void } | null = null;

  // The issuer names the port, so listen before the provider exists and attach the handler after.
  const listener = await listenOnLoopback(options.port ?? 0);
  const issuer = `http://127.0.0.1:${listener.port}`;
  let provider: Provider;
  try {
    provider = createProvider({
      issuer,
      account,
      clientId,
      accessTokenTtlS: options.accessTokenTtlS ?? 3600,
      refreshTokenTtlS: options.refreshTokenTtlS ?? 14 * 24 * 60 * 60,
      rotateRefreshTokens,
    });
  } catch (error) {
    await listener.close();
    throw error;
  }
  provider.use(recordTokenRequests(ledger));
  const answerWithProvider = provider.callback();
  const answerInteraction = interactionRoutes(provider, account);

  listener.server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", issuer);
    requests.push({ method: req.method ?? "GET", path: url.pathname, at: Date.now() });
    // No keep-alive: a pooled connection would outlive a "refuse" fault and fail with
    // "other side closed" instead of ECONNREFUSED.
    res.setHeader("connection", "close");
    if (hold && req.method === "POST" && url.pathname === TOKEN_PATH) {
      const { gate, arrive } = hold;
      arrive();
      // Read the body only after the gate opens: oidc-provider parses it from the stream itself.
      void gate.then(() => answerWithProvider(req, res));
      return;
    }
    if (fault === "503" && url.pathname === TOKEN_PATH) {
      void answerUnavailable(req, res, ledger);
      return;
    }
    // oidc-provider serves only the OIDC document; its content is valid RFC 8414 metadata for this issuer.
    if (url.pathname === RFC8414_METADATA_PATH) req.url = `${OIDC_DISCOVERY_PATH}${url.search}`;
    answerInteraction(req, res, url).then(
      (handled) => {
        if (!handled) answerWithProvider(req, res);
      },
      () => {
        if (!res.headersSent) sendJson(res, 500, { error: "server_error" });
        else res.destroy();
      },
    );
  });

  return {
    issuer,
    clientId,
    async verifyAccessToken(token) {
      const accessToken = await provider.AccessToken.find(token);
      if (!accessToken || accessToken.isExpired) return null;
      // Reuse detection and RFC 7009 revocation revoke the whole grant.
      if (!(await provider.Grant.find(accessToken.grantId))) return null;
      return { userId: accessToken.accountId, scope: accessToken.scope ?? "" };
    },
    async revokeAccessToken(token) {
      await (await provider.AccessToken.find(token))?.destroy();
    },
    tokenRequests: ledger.records,
    issuedTokens: ledger.issued,
    refreshTokenReuseCount: ledger.refreshTokenReuseCount,
    requests,
    async setTokenEndpointFault(next) {
      fault = next;
      if (next === "refuse") await listener.refuse();
      else await listener.resume();
    },
    holdTokenRequests() {
      let release = (): void => undefined;
      let arrive = (): void => undefined;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const arrived = new Promise<void>((resolve) => (arrive = resolve));
      hold = { gate, arrive };
      return {
        arrived,
        release: () => {
          hold = null;
          release();
        },
      };
    },
    completeLoginHeadless: (authorizationUrl, opts) => completeLoginHeadless(authorizationUrl, { issuer, account, deny: opts?.deny ?? false }),
    close: () => listener.close(),
  };
}

async function answerUnavailable(req: IncomingMessage, res: ServerResponse, ledger: TokenLedger): Promise<void> {
  const at = Date.now();
  const form = await readForm(req).catch(() => new URLSearchParams());
  ledger.record({ ...tokenRequestFromForm(form), outcome: "temporarily_unavailable", at });
  sendJson(res, 503, { error: "temporarily_unavailable", error_description: "token endpoint fault injected by the test" });
}
