/**
 * Which sign-in flow to run (CRONICORN_AUTH_FLOW=auto|device|pkce): PKCE with a loopback redirect when
 * the server publishes metadata with an S256 authorization endpoint and a browser can be opened here;
 * otherwise the device flow (Cronicorn's own endpoints when no metadata advertises others).
 */
import type { Config } from "../../config/config.js";
import { SignInError } from "../errors.js";
import { startDeviceAuthorization } from "./device.js";
import { discoverAuthorizationServer, supportsPkce } from "./discovery.js";
import { startLoopbackAuthorization } from "./loopback.js";
import type { PendingAuthorization } from "./pending.js";

const DEVICE_SCOPE = "openid";
const PKCE_SCOPE = "openid offline_access";

export async function startSignIn(config: Config, browser: boolean): Promise<PendingAuthorization> {
  const metadata = config.authFlow === "device" ? null : await discoverAuthorizationServer(config.issuer, config.clientId);

  if (config.authFlow === "pkce" && (!metadata || !supportsPkce(metadata))) {
    throw new SignInError(
      `CRONICORN_AUTH_FLOW=pkce, but ${config.issuer} publishes no OAuth authorization server metadata with PKCE (S256). Set CRONICORN_ISSUER to your authorization server, or use CRONICORN_AUTH_FLOW=device.`,
    );
  }
  if (metadata && supportsPkce(metadata) && (config.authFlow === "pkce" || browser)) {
    return startLoopbackAuthorization({ config: metadata, clientId: config.clientId, scope: config.scope ?? PKCE_SCOPE, timeoutMs: config.signInTimeoutMs });
  }

  const server = metadata?.serverMetadata();
  const endpoints =
    server?.device_authorization_endpoint && server.token_endpoint
      ? { issuer: server.issuer, deviceAuthorization: server.device_authorization_endpoint, token: server.token_endpoint }
      : undefined;
  return startDeviceAuthorization({
    apiUrl: config.apiUrl,
    minIntervalS: config.devicePollFloorS,
    clientId: config.clientId,
    scope: config.scope ?? DEVICE_SCOPE,
    approvalUrl: endpoints ? undefined : config.deviceApprovalUrl,
    ...(endpoints ? { endpoints } : {}),
  });
}
