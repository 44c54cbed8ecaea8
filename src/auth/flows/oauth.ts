/** Small helpers shared by the OAuth flows; all protocol work itself is openid-client's. */
import * as client from "openid-client";

import type { CredentialRecord } from "../store/types.js";
import { isLoopback } from "../../core/urls.js";

/** The OAuth error code (`access_denied`, `invalid_grant`, …) carried by an openid-client error, if any. */
export function oauthErrorCode(error: unknown): string | undefined {
  if (error instanceof client.ResponseBodyError || error instanceof client.AuthorizationResponseError) return error.error;
  return undefined;
}

/** Plain http is allowed only towards this machine (tests, the local stand-in, self-hosting on localhost). */
export function allowHttpIfLoopback(config: client.Configuration, url: string): void {
  if (isLoopback(new URL(url)) && new URL(url).protocol === "http:") client.allowInsecureRequests(config);
}

const DEFAULT_TOKEN_LIFETIME_S = 3600;
/** Longer than any session Cronicorn issues (30 days, sliding). */
const MAX_TOKEN_LIFETIME_S = 90 * 24 * 3600;

export function recordFromTokens(
  tokens: client.TokenEndpointResponse,
  meta: { issuer: string; clientId: string; flow: "device" | "pkce"; now: number; previousRefreshToken?: string },
): CredentialRecord {
  // Servers that omit expires_in (or send nonsense) get a conservative hour; the 401 path covers any
  // earlier expiry. The cap keeps a lying `1e308` from ever becoming an invalid Date.
  const claimed = tokens.expires_in;
  const lifetimeS =
    typeof claimed === "number" && Number.isFinite(claimed) && claimed >= 0 ? Math.min(claimed, MAX_TOKEN_LIFETIME_S) : DEFAULT_TOKEN_LIFETIME_S;
  const refreshToken = tokens.refresh_token ?? meta.previousRefreshToken;
  return {
    access_token: tokens.access_token,
    ...(refreshToken ? { refresh_token: refreshToken } : {}),
    expires_at: meta.now + lifetimeS * 1000,
    token_type: tokens.token_type ?? "Bearer",
    ...(tokens.scope ? { scope: tokens.scope } : {}),
    issuer: meta.issuer,
    client_id: meta.clientId,
    obtained_at: meta.now,
    flow: meta.flow,
  };
}
