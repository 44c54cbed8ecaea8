/**
 * Cronicorn's business rules, which its OpenAPI document does not carry: free-tier limits, one
 * baseline per new endpoint, min ≤ max, cron syntax, hint bounds. Each refusal is text/plain with the
 * service's own wording (docs/real-api-notes.md; Cronicorn's JobsManager).
 */
import { cronProblem } from "./cron.js";
import type { EndpointRecord, EndpointSettings } from "./data.js";
import { refused } from "./problems.js";

export const FREE_TIER = { maxEndpoints: 5, minIntervalMs: 60_000, aiCalls: 100_000, totalRuns: 10_000 } as const;

export type EndpointChanges = Partial<EndpointSettings>;

export function checkEndpointQuota(liveEndpoints: number): void {
  if (liveEndpoints >= FREE_TIER.maxEndpoints) {
    throw refused(
      `Endpoint limit reached: free tier allows maximum ${FREE_TIER.maxEndpoints} endpoints. Upgrade to Pro for 100 endpoints or Enterprise for 1,000 endpoints.`,
    );
  }
}

/** As observed on 1.25.0 (docs/real-api-notes.md, "Observed again"): one full stop at the end, no field named. */
const TIER_MINIMUM = `free tier requires minimum ${FREE_TIER.minIntervalMs}ms (${FREE_TIER.minIntervalMs / 1000}s) between runs. Upgrade to Pro for shorter intervals.`;

export function checkTierInterval(baselineIntervalMs: number | undefined): void {
  if (baselineIntervalMs !== undefined && baselineIntervalMs < FREE_TIER.minIntervalMs) throw refused(`Interval too short: ${TIER_MINIMUM}`);
}

/** Checked before the endpoint's own bounds, as Cronicorn's applyIntervalHint does. */
export function checkTierHintInterval(intervalMs: number): void {
  if (intervalMs < FREE_TIER.minIntervalMs) throw refused(`AI hint interval too short: ${TIER_MINIMUM}`);
}

/** A new endpoint needs exactly one baseline (an empty cron counts as none, as in the service). */
export function checkNewBaseline(body: EndpointChanges): void {
  const hasCron = Boolean(body.baselineCron);
  const hasInterval = Boolean(body.baselineIntervalMs);
  if (!hasCron && !hasInterval) throw refused("Endpoint must have either baselineCron or baselineIntervalMs");
  if (hasCron && hasInterval) throw refused("Endpoint cannot have both baselineCron and baselineIntervalMs");
}

export function checkCron(cron: string | undefined): void {
  if (!cron) return;
  const problem = cronProblem(cron);
  if (problem) throw refused(`Invalid cron expression (${problem}). Use standard 5-field format (minute hour day month weekday)`);
}

export function checkBounds(minIntervalMs: number | undefined, maxIntervalMs: number | undefined): void {
  if (minIntervalMs !== undefined && maxIntervalMs !== undefined && maxIntervalMs < minIntervalMs) {
    throw refused("Maximum interval must be greater than minimum interval");
  }
}

/** Cronicorn refuses hints outside the endpoint's safety bounds rather than clamping them. */
export function checkHintBounds(endpoint: EndpointRecord, intervalMs: number): void {
  if (endpoint.minIntervalMs !== undefined && intervalMs < endpoint.minIntervalMs) {
    throw refused(`Interval ${intervalMs}ms is below minimum ${endpoint.minIntervalMs}ms`);
  }
  if (endpoint.maxIntervalMs !== undefined && intervalMs > endpoint.maxIntervalMs) {
    throw refused(`Interval ${intervalMs}ms exceeds maximum ${endpoint.maxIntervalMs}ms`);
  }
}
