/** Who a credential belongs to, from better-auth's get-session (Cronicorn's own sessions and API keys). */
import * as z from "zod";
import type { Credential } from "../api/client.js";
import { send } from "../net/fetch.js";

const SessionResponse = z
  .looseObject({ user: z.looseObject({ id: z.string().optional(), email: z.string().optional(), name: z.string().optional() }) })
  .nullable();

export type WhoAmI = { state: "known"; user: { id?: string; email?: string; name?: string } } | { state: "rejected" } | { state: "unknown" };

export async function whoAmI(apiUrl: string, credential: Credential, timeoutMs: number): Promise<WhoAmI> {
  try {
    const headers: Record<string, string> = credential.kind === "api-key" ? { "x-api-key": credential.value } : { authorization: `Bearer ${credential.value}` };
    // Through the shared dispatcher: capped, bounded, and never following a redirect with the credential.
    const response = await send(`${apiUrl}/auth/get-session`, { method: "GET", headers: { accept: "application/json", ...headers }, timeoutMs });
    if (response.status === 401) return { state: "rejected" };
    if (response.status < 200 || response.status >= 300) return { state: "unknown" };
    const parsed = SessionResponse.safeParse(JSON.parse(response.text()));
    if (!parsed.success || !parsed.data) return { state: "unknown" };
    const { id, email, name } = parsed.data.user;
    return { state: "known", user: { ...(id ? { id } : {}), ...(email ? { email } : {}), ...(name ? { name } : {}) } };
  } catch {
    return { state: "unknown" };
  }
}
