/**
 * GET /dashboard/stats and /dashboard/activity, computed from the caller's own records. Shapes follow
 * Cronicorn's OpenAPI document; the time series the web charts use are returned empty.
 */
import type { EndpointRecord, JobRecord, RunRecord } from "./data.js";

export interface DashboardFilters {
  jobId?: string | undefined;
  source?: string | undefined;
  startDate?: Date | undefined;
  endDate?: Date | undefined;
  endpointLimit?: number | undefined;
  eventType?: "all" | "runs" | "sessions" | undefined;
  limit?: number | undefined;
  offset?: number | undefined;
}

const DAY_MS = 86_400_000;
const DEFAULT_WINDOW_DAYS = 7;
const DEFAULT_ENDPOINT_LIMIT = 20;
const RECENT_RUNS = 10;
const DEFAULT_ACTIVITY_LIMIT = 50;

export function dashboardStats(jobs: JobRecord[], endpoints: EndpointRecord[], runs: RunRecord[], filters: DashboardFilters, now = new Date()) {
  const jobById = new Map(jobs.map((job) => [job.id, job]));
  const endpointById = new Map(endpoints.map((endpoint) => [endpoint.id, endpoint]));
  const liveEndpoints = endpoints.filter((endpoint) => !endpoint.archivedAt);
  const paused = liveEndpoints.filter((endpoint) => endpoint.pausedUntil && endpoint.pausedUntil > now).length;
  const last24h = runs.filter((run) => run.startedAt.getTime() >= now.getTime() - DAY_MS);
  const start = filters.startDate ?? new Date(now.getTime() - DEFAULT_WINDOW_DAYS * DAY_MS);
  const end = filters.endDate ?? now;
  const filtered = runs.filter((run) => {
    const jobId = endpointById.get(run.endpointId)?.jobId;
    return (
      run.startedAt >= start &&
      run.startedAt <= end &&
      (filters.jobId === undefined || jobId === filters.jobId) &&
      (filters.source === undefined || run.source === filters.source)
    );
  });
  const nameOfJob = (endpoint: EndpointRecord | undefined) => (endpoint && jobById.get(endpoint.jobId)?.name) ?? "";

  return {
    jobs: { total: jobs.filter((job) => job.status !== "archived").length },
    endpoints: { total: liveEndpoints.length, active: liveEndpoints.length - paused, paused },
    successRate: { overall: successPercent(filtered), trend: "stable" as const },
    recentActivity: { runs24h: last24h.length, success24h: countSuccess(last24h), failure24h: last24h.length - countSuccess(last24h) },
    jobHealth: jobs.map((job) => {
      const jobRuns = filtered.filter((run) => endpointById.get(run.endpointId)?.jobId === job.id);
      return { jobId: job.id, jobName: job.name, successCount: countSuccess(jobRuns), failureCount: jobRuns.length - countSuccess(jobRuns) };
    }),
    filteredMetrics: {
      totalRuns: filtered.length,
      successCount: countSuccess(filtered),
      failureCount: filtered.length - countSuccess(filtered),
      avgDurationMs: filtered.length ? Math.round(filtered.reduce((sum, run) => sum + run.durationMs, 0) / filtered.length) : null,
    },
    sourceDistribution: [...countBy(filtered, (run) => run.source)].map(([source, count]) => ({ source, count })),
    runTimeSeries: [],
    endpointTimeSeries: [],
    endpointTimeSeriesMaxStacked: 0,
    aiSessionTimeSeries: [],
    aiSessionTimeSeriesMaxStacked: 0,
    topEndpoints: liveEndpoints
      .map((endpoint) => {
        const endpointRuns = filtered.filter((run) => run.endpointId === endpoint.id);
        return {
          id: endpoint.id,
          name: endpoint.name,
          jobName: nameOfJob(endpoint),
          successRate: successPercent(endpointRuns),
          lastRunAt: endpoint.lastRunAt?.toISOString() ?? null,
          runCount: endpointRuns.length,
        };
      })
      .sort((a, b) => b.runCount - a.runCount)
      .slice(0, filters.endpointLimit ?? DEFAULT_ENDPOINT_LIMIT),
    recentRuns: filtered.slice(0, RECENT_RUNS).map((run) => {
      const endpoint = endpointById.get(run.endpointId);
      return {
        id: run.id,
        endpointId: run.endpointId,
        endpointName: endpoint?.name ?? "",
        jobName: nameOfJob(endpoint),
        status: run.status,
        startedAt: run.startedAt.toISOString(),
        durationMs: run.durationMs,
        source: run.source,
      };
    }),
  };
}

/** A timeline of runs (the stand-in has no AI sessions), newest first. */
export function dashboardActivity(endpoints: EndpointRecord[], runs: RunRecord[], filters: DashboardFilters, now = new Date()) {
  const endpointById = new Map(endpoints.map((endpoint) => [endpoint.id, endpoint]));
  const start = filters.startDate ?? new Date(now.getTime() - DEFAULT_WINDOW_DAYS * DAY_MS);
  const end = filters.endDate ?? now;
  const inWindow = runs.filter(
    (run) => run.startedAt >= start && run.startedAt <= end && (filters.jobId === undefined || endpointById.get(run.endpointId)?.jobId === filters.jobId),
  );
  const events = filters.eventType === "sessions" ? [] : inWindow;
  const offset = filters.offset ?? 0;
  return {
    events: events.slice(offset, offset + (filters.limit ?? DEFAULT_ACTIVITY_LIMIT)).map((run) => ({
      type: "run" as const,
      id: run.id,
      endpointId: run.endpointId,
      endpointName: endpointById.get(run.endpointId)?.name ?? "",
      timestamp: run.startedAt.toISOString(),
      status: run.status,
      durationMs: run.durationMs,
      source: run.source,
    })),
    total: events.length,
    summary: { runsCount: inWindow.length, sessionsCount: 0, successRate: successPercent(inWindow) },
  };
}

function countSuccess(runs: RunRecord[]): number {
  return runs.filter((run) => run.status === "success").length;
}

function successPercent(runs: RunRecord[]): number {
  return runs.length ? Math.round((countSuccess(runs) / runs.length) * 1000) / 10 : 0;
}

function countBy<T>(items: T[], key: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
}
