/** Small helpers shared by the OAuth flows; all protocol work itself is openid-client's. */
import * as client from "openid-client";

import type { CredentialRecord } from "../store/types.js";
import { registerSecret } from "../../core/log.js";
import { formatBytes, MAX_SECRET_BYTES, oversizeSecret } from "../../core/redact.js";
import { isLoopback, isSecureOrLoopback } from "../../core/urls.js";
import { SignInError } from "../errors.js";

/** The OAuth error code (`access_denied`, `invalid_grant`, …) carried by an openid-client error, if any. */
export function oauthErrorCode(error: unknown): string | undefined {
  if (error instanceof client.ResponseBodyError || error instanceof client.AuthorizationResponseError) return error.error;
  return undefined;
}

/** Plain http is allowed only towards this machine (tests, the local stand-in, self-hosting on localhost). */
export function allowHttpIfLoopback(config: client.Configuration, url: string): void {
  if (isLoopback(new URL(url)) && new URL(url).protocol === "http:") client.allowInsecureRequests(config);
}

/**
 * Refuse a code or token larger than redaction tracks (a hostile or broken server): a value that could
 * not be kept out of every output must not be used. `sent` names it ("The sign-in server sent a
 * device code"), `outcome` says what happens instead, `fix` what the user can do; never the value.
 */
export function refuseOversize(value: unknown, sent: string, outcome: string, fix: string): void {
  const bytes = typeof value === "string" ? oversizeSecret(value) : undefined;
  if (bytes === undefined) return;
  throw new SignInError(
    `${sent} of ${formatBytes(bytes)}; cronicorn-mcp accepts at most ${formatBytes(MAX_SECRET_BYTES)} for a code or token, so ${outcome}. ${fix}`,
  );
}

/** Check the tokens of a token response at the door, then track them for redaction from this moment on. */
export function acceptTokens(tokens: Pick<client.TokenEndpointResponse, "access_token" | "refresh_token">): void {
  const fix = "If CRONICORN_ISSUER and CRONICORN_API_URL are right, report this to the server's operator.";
  refuseOversize(tokens.access_token, "The sign-in server sent an access token", "it was not used", fix);
  refuseOversize(tokens.refresh_token, "The sign-in server sent a refresh token", "it was not used", fix);
  registerSecret(tokens.access_token);
  registerSecret(tokens.refresh_token);
}

/** Whether an address a server gave may be opened in the browser: https, or http on this machine. */
export function isSafeBrowserUrl(uri: unknown): boolean {
  if (typeof uri !== "string") return false;
  try {
    return isSecureOrLoopback(new URL(uri));
  } catch {
    return false;
  }
}

const DEFAULT_TOKEN_LIFETIME_S = 3600;
/** Longer than any session Cronicorn issues (30 days, sliding). */
const MAX_TOKEN_LIFETIME_S = 90 * 24 * 3600;

export function recordFromTokens(
  tokens: client.TokenEndpointResponse,
  meta: { issuer: string; clientId: string; flow: "device" | "pkce"; now: number; previousRefreshToken?: string },
): CredentialRecord {
  acceptTokens(tokens);
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
