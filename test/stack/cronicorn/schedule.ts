/**
 * When an endpoint runs next: its baseline (cron or interval) unless an unexpired hint runs it
 * sooner, clamped to [minIntervalMs, maxIntervalMs], and never before a pause ends.
 * The stand-in never runs endpoints on schedule; nextRunAt is for clients to read back.
 */
import { nextCronTime, parseCron } from "./cron.js";
import type { EndpointRecord } from "./data.js";

type ScheduleInputs = Pick<
  EndpointRecord,
  "baselineCron" | "baselineIntervalMs" | "minIntervalMs" | "maxIntervalMs" | "pausedUntil" | "aiHintIntervalMs" | "aiHintNextRunAt" | "aiHintExpiresAt"
>;

export function nextRunAt(endpoint: ScheduleInputs, now = new Date()): Date {
  const candidates = [baselineRun(endpoint, now)];
  const hintActive = endpoint.aiHintExpiresAt !== undefined && endpoint.aiHintExpiresAt > now;
  if (hintActive && endpoint.aiHintIntervalMs !== undefined) {
    candidates.push(new Date(now.getTime() + clampInterval(endpoint, endpoint.aiHintIntervalMs)));
  }
  if (hintActive && endpoint.aiHintNextRunAt !== undefined) candidates.push(endpoint.aiHintNextRunAt);
  const earliest = new Date(Math.min(...candidates.map((d) => d.getTime())));
  return endpoint.pausedUntil && endpoint.pausedUntil > earliest ? endpoint.pausedUntil : earliest;
}

function baselineRun(endpoint: ScheduleInputs, now: Date): Date {
  if (endpoint.baselineCron !== undefined) {
    const next = nextCronTime(parseCron(endpoint.baselineCron), now);
    // Validation rejects expressions that never fire; this guards records edited around it.
    if (next) return next;
  }
  const interval = endpoint.baselineIntervalMs ?? endpoint.maxIntervalMs ?? 60_000;
  return new Date(now.getTime() + clampInterval(endpoint, interval));
}

function clampInterval(endpoint: ScheduleInputs, intervalMs: number): number {
  const floor = endpoint.minIntervalMs ?? 0;
  const ceiling = endpoint.maxIntervalMs ?? Number.POSITIVE_INFINITY;
  return Math.min(Math.max(intervalMs, floor), ceiling);
}
