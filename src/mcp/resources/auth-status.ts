/**
 * `cronicorn://auth/status`: the sign-in state as JSON (never a token), and
 * `notifications/resources/updated` to subscribers when it changes — a sign-in starts, completes,
 * fails or is cancelled, the user signs out, or the saved sign-in reaches its expiry.
 */
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { SubscribeRequestSchema, UnsubscribeRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import type { AuthStatus } from "../../auth/types.js";

export const AUTH_STATUS_URI = "cronicorn://auth/status";

/** What the resource shows when the status cannot be read (e.g. a configuration problem). */
export type AuthStatusView = AuthStatus | { signedIn: false; problem: string };

export interface AuthStatusResource {
  /** Tell subscribers to read the resource again. */
  changed(): void;
}

/** setTimeout's limit (about 24.8 days); a later expiry is re-armed on the next read. */
const MAX_TIMER_MS = 2_147_483_647;

export function registerAuthStatusResource(server: McpServer, read: () => Promise<AuthStatusView>, now: () => number = Date.now): AuthStatusResource {
  const subscribed = new Set<string>();
  let expiryTimer: NodeJS.Timeout | undefined;

  const changed = (): void => {
    if (!subscribed.has(AUTH_STATUS_URI) || !server.isConnected()) return;
    server.server.sendResourceUpdated({ uri: AUTH_STATUS_URI }).catch(() => undefined);
  };

  /** Expiry is a change nobody triggers: a timer stands in for it. */
  const armExpiry = (status: AuthStatusView): void => {
    clearTimeout(expiryTimer);
    expiryTimer = undefined;
    const expiresAt = "expiresAt" in status && status.signedIn && status.expiresAt ? Date.parse(status.expiresAt) : NaN;
    if (Number.isNaN(expiresAt)) return;
    expiryTimer = setTimeout(changed, Math.min(Math.max(0, expiresAt - now()), MAX_TIMER_MS));
    expiryTimer.unref();
  };

  const current = async (): Promise<AuthStatusView> => {
    const status = await read().catch((error: unknown): AuthStatusView => ({
      signedIn: false,
      problem: error instanceof Error ? error.message : String(error),
    }));
    armExpiry(status);
    return status;
  };

  server.registerResource(
    "auth-status",
    AUTH_STATUS_URI,
    {
      title: "Cronicorn sign-in status",
      description:
        "Whether this server is signed in to Cronicorn, as whom, until when, and any sign-in waiting for approval (JSON, no secrets). Subscribe to hear when it changes.",
      mimeType: "application/json",
    },
    async (uri) => ({ contents: [{ uri: uri.href, mimeType: "application/json", text: JSON.stringify(await current()) }] }),
  );

  server.server.registerCapabilities({ resources: { subscribe: true } });
  server.server.setRequestHandler(SubscribeRequestSchema, (request) => {
    // No read here: subscribing must not start the network or the keychain; the first read arms the expiry timer.
    subscribed.add(request.params.uri);
    return {};
  });
  server.server.setRequestHandler(UnsubscribeRequestSchema, (request) => {
    subscribed.delete(request.params.uri);
    return {};
  });

  return { changed };
}
