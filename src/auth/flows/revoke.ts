/**
 * Server-side sign-out: RFC 7009 token revocation where the authorization server publishes an
 * endpoint; for Cronicorn's device sessions, better-auth's sign-out with the bearer.
 */
import * as client from "openid-client";
import { send } from "../../net/fetch.js";
import type { CredentialRecord } from "../store/types.js";
import { discoverAuthorizationServer } from "./discovery.js";

/** True when the server confirmed the revocation; false when it could not be done (the local record is deleted either way). */
export async function revokeOnServer(record: CredentialRecord, apiUrl: string, timeoutMs: number): Promise<boolean> {
  try {
    if (record.flow === "pkce") {
      const config = await discoverAuthorizationServer(record.issuer, record.client_id);
      if (!config?.serverMetadata().revocation_endpoint) return false;
      if (record.refresh_token) await client.tokenRevocation(config, record.refresh_token, { token_type_hint: "refresh_token" });
      await client.tokenRevocation(config, record.access_token, { token_type_hint: "access_token" });
      return true;
    }
    // better-auth rejects a POST without a JSON content type (415), even with no fields to send.
    // A redirect is not followed (the bearer stays here) and is not a confirmation: only a 2xx is.
    const response = await send(`${apiUrl}/auth/sign-out`, {
      method: "POST",
      headers: { authorization: `Bearer ${record.access_token}`, "content-type": "application/json" },
      body: "{}",
      timeoutMs,
    });
    return response.status >= 200 && response.status < 300;
  } catch {
    return false;
  }
}
