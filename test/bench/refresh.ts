/**
 * Refresh figures against oidc-provider with rotating refresh tokens, from a client of the given era:
 * - the storm: N concurrent calls with an expired token → how many refresh requests reach the server;
 * - the cost: list_jobs p50 when every call refreshes first (skew longer than the token lifetime)
 *   against list_jobs p50 with no refresh, interleaved call by call.
 */
import type { Era } from "../helpers/mcp.js";
import { refreshGrants, startPkceStack, startSignedInServer, waitPastExpiry } from "../helpers/pkce-stack.js";
import { percentile, since } from "./stats.js";

export async function measureRefreshStorm(era: Era, concurrent: number) {
  const stack = await startPkceStack({ accessTokenTtlS: 3 });
  try {
    const server = await startSignedInServer(stack, { CRONICORN_REFRESH_SKEW_S: "1", CRONICORN_LOG_LEVEL: "warn" }, undefined, era);
    try {
      await waitPastExpiry(server, stack);
      const before = refreshGrants(stack).length;
      const results = await Promise.all(Array.from({ length: concurrent }, () => server.call("list_jobs")));
      const failed = results.filter((r) => r.isError).length;
      const refreshes = refreshGrants(stack).length - before;
      return { concurrent, refreshes, failed };
    } finally {
      await server.close();
    }
  } finally {
    await stack.close();
  }
}

export async function measureRefreshCost(era: Era, calls: number) {
  const stack = await startPkceStack();
  try {
    const refreshing = await startSignedInServer(stack, { CRONICORN_REFRESH_SKEW_S: "7200", CRONICORN_LOG_LEVEL: "warn" }, undefined, era);
    const plain = await startSignedInServer(stack, { CRONICORN_REFRESH_SKEW_S: "0", CRONICORN_LOG_LEVEL: "warn" }, undefined, era);
    try {
      const time = async (server: typeof plain) => {
        const start = process.hrtime.bigint();
        const result = await server.call("list_jobs");
        if (result.isError) throw new Error(JSON.stringify(result.content));
        return since(start);
      };
      for (let i = 0; i < 5; i++) {
        await time(refreshing);
        await time(plain);
      }
      const before = refreshGrants(stack).length;
      const withRefresh: number[] = [];
      const without: number[] = [];
      for (let i = 0; i < calls; i++) {
        withRefresh.push(await time(refreshing));
        without.push(await time(plain));
      }
      const refreshes = refreshGrants(stack).length - before;
      return { calls, refreshes, refreshP50: percentile(withRefresh, 50), plainP50: percentile(without, 50) };
    } finally {
      await refreshing.close();
      await plain.close();
    }
  } finally {
    await stack.close();
  }
}
