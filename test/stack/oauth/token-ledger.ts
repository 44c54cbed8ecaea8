import type { ProviderContext, ProviderMiddleware } from "oidc-provider";
import { TOKEN_PATH } from "./provider.js";
import type { TokenEndpointRecord } from "./types.js";

/** What the token endpoint was asked, in order, and how often a spent refresh token came back. */
export interface TokenLedger {
  readonly records: TokenEndpointRecord[];
  /** Every token the endpoint answered with (so tests can prove none of them was ever printed). */
  readonly issued: string[];
  record(entry: TokenEndpointRecord): void;
  refreshTokenReuseCount(): number;
}

/**
 * With rotation, a refresh token is spent once a refresh with it succeeded; presenting it again
 * (later, or concurrently and also "succeeding") is reuse. Without rotation nothing is ever spent.
 */
export function createTokenLedger(rotateRefreshTokens: boolean): TokenLedger {
  const records: TokenEndpointRecord[] = [];
  const spent = new Set<string>();
  let reuse = 0;
  return {
    records,
    issued: [],
    record(entry) {
      const token = entry.grantType === "refresh_token" ? entry.refreshToken : undefined;
      if (token !== undefined) {
        if (spent.has(token)) reuse += 1;
        else if (entry.outcome === "ok" && rotateRefreshTokens) spent.add(token);
      }
      records.push(entry);
    },
    refreshTokenReuseCount: () => reuse,
  };
}

/** oidc-provider middleware that records every token endpoint request once the provider has answered it. */
export function recordTokenRequests(ledger: TokenLedger): ProviderMiddleware {
  return async (ctx, next) => {
    if (ctx.method !== "POST" || ctx.path !== TOKEN_PATH) {
      await next();
      return;
    }
    const at = Date.now();
    try {
      await next();
    } finally {
      ledger.record({ ...requestedGrant(ctx), outcome: outcomeOf(ctx), at });
      ledger.issued.push(...issuedTokens(ctx));
    }
  };
}

export function tokenRequestFromForm(form: URLSearchParams): Pick<TokenEndpointRecord, "grantType" | "refreshToken"> {
  return withRefreshToken(form.get("grant_type") ?? "", form.get("refresh_token") ?? undefined);
}

function requestedGrant(ctx: ProviderContext): Pick<TokenEndpointRecord, "grantType" | "refreshToken"> {
  // params is only assembled when the body parsed; fall back to the raw body for malformed requests.
  const source = ctx.oidc?.params ?? ctx.oidc?.body ?? {};
  const grantType = typeof source.grant_type === "string" ? source.grant_type : "";
  const refreshToken = typeof source.refresh_token === "string" ? source.refresh_token : undefined;
  return withRefreshToken(grantType, refreshToken);
}

function withRefreshToken(grantType: string, refreshToken: string | undefined) {
  return refreshToken === undefined ? { grantType } : { grantType, refreshToken };
}

function issuedTokens(ctx: ProviderContext): string[] {
  const body = ctx.body;
  if (typeof body !== "object" || body === null) return [];
  const fields = body as Record<string, unknown>;
  return ["access_token", "refresh_token", "id_token"].flatMap((key) => (typeof fields[key] === "string" ? [fields[key]] : []));
}

function outcomeOf(ctx: ProviderContext): string {
  if (ctx.status >= 200 && ctx.status < 300) return "ok";
  const body = ctx.body;
  if (typeof body === "object" && body !== null && "error" in body && typeof body.error === "string") return body.error;
  return `http_${ctx.status}`;
}
