/**
 * Who is calling the Cronicorn API. Tried in order: `x-api-key` (better-auth apiKey plugin),
 * `Authorization: Bearer` holding a better-auth session (bearer plugin), then the test's
 * `verifyExternalToken` for bearers another authorization server issued. None → the contract's 401.
 */
import type { MiddlewareHandler } from "hono";
import type { StandInAuth } from "./auth.js";
import { ApiProblem, UNAUTHORIZED_BODY } from "./problems.js";
import type { StandInOptions } from "./types.js";

/** `query` and `body` are set by the contract validation (request-validation.ts), already checked. */
export type ApiEnv = { Variables: { userId: string; query: Record<string, unknown>; body: unknown } };

export function authenticate(auth: StandInAuth, verifyExternalToken: StandInOptions["verifyExternalToken"]): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const headers = c.req.raw.headers;
    const userId =
      (await apiKeyOwner(auth, headers.get("x-api-key"))) ??
      (await sessionOwner(auth, headers)) ??
      (await externalOwner(verifyExternalToken, bearerOf(headers)));
    if (!userId) throw new ApiProblem(401, UNAUTHORIZED_BODY);
    c.set("userId", userId);
    await next();
  };
}

async function apiKeyOwner(auth: StandInAuth, key: string | null): Promise<string | undefined> {
  if (!key) return undefined;
  const result = await auth.api.verifyApiKey({ body: { key } });
  return result.valid ? result.key?.userId : undefined;
}

async function sessionOwner(auth: StandInAuth, headers: Headers): Promise<string | undefined> {
  if (!bearerOf(headers)) return undefined;
  // Only the bearer counts here: a stray cookie must not authenticate a test's API call.
  const bearerOnly = new Headers({ authorization: headers.get("authorization") ?? "" });
  try {
    const session = await auth.api.getSession({ headers: bearerOnly });
    return session?.user.id;
  } catch {
    // Malformed bearers make better-auth throw; they are simply not sessions.
    return undefined;
  }
}

async function externalOwner(verify: StandInOptions["verifyExternalToken"], token: string | undefined): Promise<string | undefined> {
  if (!verify || !token) return undefined;
  return (await verify(token))?.userId;
}

function bearerOf(headers: Headers): string | undefined {
  const match = /^bearer\s+(.+)$/i.exec(headers.get("authorization") ?? "");
  return match?.[1]?.trim();
}
