/** RFC 8414 authorization server metadata (then OpenID discovery), through openid-client. */
import * as client from "openid-client";

import { netFetch } from "../../net/fetch.js";
import { isLoopback } from "../../core/urls.js";

/** The server's configuration, or null when it publishes no metadata (Cronicorn's cloud today). Every
 *  request made with it later (PKCE code exchange, refresh, revocation) goes through `netFetch` too. */
export async function discoverAuthorizationServer(issuer: string, clientId: string): Promise<client.Configuration | null> {
  const url = new URL(issuer);
  const execute = isLoopback(url) && url.protocol === "http:" ? [client.allowInsecureRequests] : [];
  for (const algorithm of ["oauth2", "oidc"] as const) {
    try {
      return await client.discovery(url, clientId, undefined, client.None(), { algorithm, execute, timeout: 10, [client.customFetch]: netFetch });
    } catch {
      // Try the next well-known location; no metadata at all means "use the device flow".
    }
  }
  return null;
}

/** PKCE needs an authorization endpoint that accepts S256 challenges. */
export function supportsPkce(config: client.Configuration): boolean {
  const meta = config.serverMetadata();
  return Boolean(meta.authorization_endpoint) && (meta.code_challenge_methods_supported ?? []).includes("S256");
}
