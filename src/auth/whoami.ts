/** Who a credential belongs to, from better-auth's get-session (Cronicorn's own sessions and API keys). */
import * as z from "zod";

import { send } from "../net/fetch.js";
import { credentialHeaders, type Credential } from "./credential.js";

const SessionResponse = z
  .looseObject({
    user: z.looseObject({ id: z.string().optional(), email: z.string().optional(), name: z.string().optional() }),
    // better-auth slides the session when it is used; this is its expiry after this call.
    session: z.looseObject({ expiresAt: z.union([z.string(), z.number()]).optional() }).nullish(),
  })
  .nullable();

/** `expiresAt`: the session's expiry (ms since the epoch) as the server reports it, when it does. */
export type WhoAmI =
  | { state: "known"; user: { id?: string; email?: string; name?: string }; expiresAt?: number }
  | { state: "rejected" }
  | { state: "no-session" }
  | { state: "unknown" };

function expiryOf(value: string | number | undefined): number | undefined {
  const ms = typeof value === "string" ? Date.parse(value) : value;
  return ms !== undefined && Number.isFinite(ms) && ms > 0 ? ms : undefined;
}

export async function whoAmI(apiUrl: string, credential: Credential, timeoutMs: number): Promise<WhoAmI> {
  try {
    // Through the shared dispatcher: capped, bounded, and never following a redirect with the credential.
    const response = await send(`${apiUrl}/auth/get-session`, {
      method: "GET",
      headers: { accept: "application/json", ...credentialHeaders(credential) },
      timeoutMs,
    });
    if (response.status === 401) return { state: "rejected" };
    if (response.status < 200 || response.status >= 300) return { state: "unknown" };
    const parsed = SessionResponse.safeParse(JSON.parse(response.text()));
    // better-auth answers null when the credential has no session of its own: a better-auth session that
    // is gone, but also an API key or another issuer's token, which the API may still accept.
    if (parsed.success && parsed.data === null) return { state: "no-session" };
    if (!parsed.success || !parsed.data) return { state: "unknown" };
    const { id, email, name } = parsed.data.user;
    const expiresAt = expiryOf(parsed.data.session?.expiresAt);
    return { state: "known", user: { ...(id ? { id } : {}), ...(email ? { email } : {}), ...(name ? { name } : {}) }, ...(expiresAt ? { expiresAt } : {}) };
  } catch {
    return { state: "unknown" };
  }
}
