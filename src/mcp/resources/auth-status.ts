/**
 * `cronicorn://auth/status`: the sign-in state as JSON (never a token), and a change notice when it
 * changes — a sign-in starts, completes, fails or is cancelled, the user signs out, or the saved sign-in
 * reaches its expiry. 2025-era clients subscribe with `resources/subscribe` and hear
 * `notifications/resources/updated`; 2026-07-28 clients open `subscriptions/listen` (served by the SDK's
 * stdio entry, which routes the same notice onto it). Notices are coalesced: however often the state
 * flips, a subscriber hears at most one per `minGapMs`, and a status whose expiry has passed arms no timer.
 */
import type { McpServer } from "@modelcontextprotocol/server";
import { redactDeep } from "../../core/log.js";
import type { AuthStatus } from "../../auth/types.js";

export const AUTH_STATUS_URI = "cronicorn://auth/status";

/** What the resource shows when the status cannot be read (e.g. a configuration problem). */
export type AuthStatusView = AuthStatus | { signedIn: false; problem: string };

export interface AuthStatusResource {
  /** The state changed: tell subscribers to read the resource again (coalesced). */
  changed(): void;
  /** Serve the resource on one connection's server instance (the factory calls this for every instance). */
  attach(server: McpServer, era: "legacy" | "modern"): void;
}

export interface AuthStatusOptions {
  read(): Promise<AuthStatusView>;
  now?: () => number;
  /** Shortest time between two notices (default 1 s). */
  minGapMs?: number;
}

/** setTimeout's limit (about 24.8 days); a later expiry is re-armed on the next read. */
const MAX_TIMER_MS = 2_147_483_647;

export function createAuthStatusResource(options: AuthStatusOptions): AuthStatusResource {
  const now = options.now ?? Date.now;
  const minGapMs = options.minGapMs ?? 1000;
  let current: { server: McpServer; era: "legacy" | "modern"; subscribed: Set<string> } | undefined;
  let expiryTimer: NodeJS.Timeout | undefined;
  let lastNotice = -Infinity;
  let noticeTimer: NodeJS.Timeout | undefined;

  const notify = (): void => {
    noticeTimer = undefined;
    const target = current;
    if (!target || !target.server.isConnected()) return;
    // 2026-era: the stdio entry routes the notice to the listen subscriptions that asked for this URI, or drops it.
    if (target.era === "legacy" && !target.subscribed.has(AUTH_STATUS_URI)) return;
    lastNotice = now();
    target.server.server.sendResourceUpdated({ uri: AUTH_STATUS_URI }).catch(() => undefined);
  };

  const changed = (): void => {
    if (noticeTimer) return; // one notice is already on its way and will carry this change too
    const wait = lastNotice + minGapMs - now();
    if (wait <= 0) return notify();
    noticeTimer = setTimeout(notify, wait);
    noticeTimer.unref();
  };

  /** Expiry is a change nobody triggers: a timer stands in for it, but only for an expiry still ahead. */
  const armExpiry = (status: AuthStatusView): void => {
    clearTimeout(expiryTimer);
    expiryTimer = undefined;
    const expiresAt = "expiresAt" in status && status.signedIn && status.expiresAt ? Date.parse(status.expiresAt) : NaN;
    if (Number.isNaN(expiresAt) || expiresAt <= now()) return;
    expiryTimer = setTimeout(changed, Math.min(expiresAt - now(), MAX_TIMER_MS));
    expiryTimer.unref();
  };

  const view = async (): Promise<AuthStatusView> => {
    const status = await options
      .read()
      .catch((error: unknown): AuthStatusView => ({ signedIn: false, problem: error instanceof Error ? error.message : String(error) }));
    armExpiry(status);
    // Fields a server echoed back (a user name holding a token) are masked like every tool result.
    return redactDeep(status);
  };

  return {
    changed,
    attach(server, era) {
      const subscribed = new Set<string>();
      current = { server, era, subscribed };
      server.registerResource(
        "auth-status",
        AUTH_STATUS_URI,
        {
          title: "Cronicorn sign-in status",
          description:
            "Whether this server is signed in to Cronicorn, as whom, until when, and any sign-in waiting for approval (JSON, no secrets). Subscribe to hear when it changes.",
          mimeType: "application/json",
        },
        async (uri) => ({ contents: [{ uri: uri.href, mimeType: "application/json", text: JSON.stringify(await view()) }] }),
      );
      server.server.registerCapabilities({ resources: { subscribe: true } });
      if (era === "modern") return;
      server.server.setRequestHandler("resources/subscribe", (request) => {
        // No read here: subscribing must not start the network or the keychain; the first read arms the expiry timer.
        subscribed.add(request.params.uri);
        return {};
      });
      server.server.setRequestHandler("resources/unsubscribe", (request) => {
        subscribed.delete(request.params.uri);
        return {};
      });
    },
  };
}
