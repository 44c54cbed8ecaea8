/** Who a credential belongs to, from better-auth's get-session (Cronicorn's own sessions and API keys). */
import * as z from "zod";
import type { Credential } from "../api/client.js";

const SessionResponse = z
  .looseObject({ user: z.looseObject({ id: z.string().optional(), email: z.string().optional(), name: z.string().optional() }) })
  .nullable();

export type WhoAmI = { state: "known"; user: { id?: string; email?: string; name?: string } } | { state: "rejected" } | { state: "unknown" };

export async function whoAmI(apiUrl: string, credential: Credential, timeoutMs: number): Promise<WhoAmI> {
  try {
    const headers: Record<string, string> = credential.kind === "api-key" ? { "x-api-key": credential.value } : { authorization: `Bearer ${credential.value}` };
    const response = await fetch(`${apiUrl}/auth/get-session`, { headers, signal: AbortSignal.timeout(timeoutMs) });
    if (response.status === 401) return { state: "rejected" };
    if (!response.ok) return { state: "unknown" };
    const parsed = SessionResponse.safeParse(await response.json());
    if (!parsed.success || !parsed.data) return { state: "unknown" };
    const { id, email, name } = parsed.data.user;
    return { state: "known", user: { ...(id ? { id } : {}), ...(email ? { email } : {}), ...(name ? { name } : {}) } };
  } catch {
    return { state: "unknown" };
  }
}
