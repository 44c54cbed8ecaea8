/** Refresh token grant (RFC 6749 §6) through openid-client, with rotated tokens carried into the new record. */
import * as client from "openid-client";
import { RefreshRejectedError } from "../session.js";
import type { CredentialRecord } from "../store/types.js";
import { describeNetworkFailure } from "../../net/errors.js";
import { discoverAuthorizationServer } from "./discovery.js";
import { oauthErrorCode, recordFromTokens } from "./oauth.js";

export function createRefresher(now: () => number = Date.now): (record: CredentialRecord) => Promise<CredentialRecord> {
  const configs = new Map<string, Promise<client.Configuration | null>>();
  const configFor = (issuer: string, clientId: string) => {
    const key = `${issuer} ${clientId}`;
    let config = configs.get(key);
    if (!config) {
      config = discoverAuthorizationServer(issuer, clientId);
      configs.set(key, config);
      // A failed discovery (server down) must not be cached: the next refresh tries again.
      config.then(
        (c) => c ?? configs.delete(key),
        () => configs.delete(key),
      );
    }
    return config;
  };

  return async (record) => {
    if (!record.refresh_token) throw new RefreshRejectedError("no refresh token");
    const config = await configFor(record.issuer, record.client_id);
    if (!config) throw new Error(`the authorization server ${record.issuer} could not be reached`);
    try {
      const tokens = await client.refreshTokenGrant(config, record.refresh_token);
      return recordFromTokens(tokens, {
        issuer: record.issuer,
        clientId: record.client_id,
        flow: "pkce",
        now: now(),
        previousRefreshToken: record.refresh_token,
      });
    } catch (error) {
      if (oauthErrorCode(error) === "invalid_grant") throw new RefreshRejectedError("invalid_grant");
      // openid-client wraps network failures as "something went wrong": name the cause instead.
      const network = describeNetworkFailure(error);
      throw network ? new Error(network, { cause: error }) : error;
    }
  };
}
