import { generateKeyPairSync, randomBytes, randomUUID } from "node:crypto";
// Must come before oidc-provider: imports are evaluated in order, and it warns while loading.
import { restoreConsoleWarn } from "./runtime-warning.js";
import Provider, { type Configuration } from "oidc-provider";
import { createMemoryAdapter } from "oidc-provider/lib/adapters/memory_adapter.js";
import { errorPage } from "./pages.js";
import type { AuthServerAccount } from "./types.js";

restoreConsoleWarn();

export const TOKEN_PATH = "/token";
export const INTERACTION_PATH = "/interaction";
/** Registered once; oidc-provider accepts any port on it for native clients (RFC 8252 §7.3). */
export const LOOPBACK_REDIRECT_URI = "http://127.0.0.1/callback";

export interface ProviderSettings {
  issuer: string;
  account: AuthServerAccount;
  clientId: string;
  accessTokenTtlS: number;
  refreshTokenTtlS: number;
  rotateRefreshTokens: boolean;
}

const DAY_S = 24 * 60 * 60;

export function createProvider(settings: ProviderSettings): Provider {
  return new Provider(settings.issuer, providerConfiguration(settings));
}

function providerConfiguration(settings: ProviderSettings): Configuration {
  const { account } = settings;
  return {
    clients: [
      {
        client_id: settings.clientId,
        application_type: "native",
        token_endpoint_auth_method: "none",
        redirect_uris: [LOOPBACK_REDIRECT_URI],
        grant_types: ["authorization_code", "refresh_token"],
        response_types: ["code"],
      },
    ],
    jwks: { keys: [signingKey()] },
    cookies: { keys: [randomBytes(32).toString("base64url")] },
    // The library's own store, without the default path's start-up warning; no clock skew in one process.
    adapter: createMemoryAdapter(0),
    clockTolerance: 0,
    findAccount: async (_ctx, id) =>
      id === account.id
        ? {
            accountId: account.id,
            claims: () => ({ sub: account.id, email: account.email, email_verified: true, name: account.name }),
          }
        : undefined,
    claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"] },
    responseTypes: ["code"],
    pkce: { required: () => true },
    interactions: { url: (_ctx, interaction) => `${INTERACTION_PATH}/${interaction.uid}` },
    // OIDC drops offline_access unless prompt=consent, and OAuth 2.1 clients need not ask for it:
    // issue a refresh token to every client allowed the grant, not tied to the browser session.
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed("refresh_token"),
    expiresWithSession: async () => false,
    rotateRefreshToken: settings.rotateRefreshTokens,
    clientBasedCORS: () => false,
    renderError: async (ctx, out) => {
      ctx.type = "html";
      ctx.body = errorPage(out.error ?? "error", out.error_description ?? "");
    },
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: { enabled: false },
      // Any `resource` parameter a client sends is ignored: every access token is the opaque, account-bound kind.
      resourceIndicators: { enabled: false },
      revocation: { enabled: true, allowedPolicy: sameClient },
      introspection: { enabled: true, allowedPolicy: sameClient },
    },
    ttl: {
      AccessToken: settings.accessTokenTtlS,
      IdToken: settings.accessTokenTtlS,
      RefreshToken: settings.refreshTokenTtlS,
      AuthorizationCode: 60,
      Interaction: 10 * 60,
      Session: 14 * DAY_S,
      // The grant bounds every refresh token issued under it, so it must outlive any of them.
      Grant: Math.max(365 * DAY_S, settings.refreshTokenTtlS),
    },
  };
}

/** A public client may only revoke or introspect its own tokens. */
async function sameClient(_ctx: unknown, client: { clientId: string }, token: { clientId: string }): Promise<boolean> {
  return client.clientId === token.clientId;
}

let cachedKey: object | undefined;

/** One RSA key per process: generating it takes a noticeable moment and tests start many servers. */
function signingKey(): object {
  cachedKey ??= {
    ...generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ format: "jwk" }),
    kid: randomUUID(),
    alg: "RS256",
    use: "sig",
  };
  return cachedKey;
}
