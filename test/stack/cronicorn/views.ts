/**
 * Records → the JSON bodies Cronicorn sends. As on the real server, optional fields that are
 * unset are left out (not null), and dates are ISO strings.
 */
import type { AiSessionRecord, EndpointRecord, JobRecord, RunRecord } from "./data.js";

const iso = (date: Date | undefined): string | undefined => date?.toISOString();

export function jobView(job: JobRecord) {
  return {
    id: job.id,
    userId: job.userId,
    name: job.name,
    description: job.description,
    status: job.status,
    createdAt: job.createdAt.toISOString(),
    updatedAt: job.updatedAt.toISOString(),
    archivedAt: iso(job.archivedAt),
  };
}

export function jobWithCountView(job: JobRecord, endpointCount: number) {
  return { ...jobView(job), endpointCount };
}

export function endpointView(endpoint: EndpointRecord) {
  return {
    id: endpoint.id,
    jobId: endpoint.jobId,
    name: endpoint.name,
    description: endpoint.description,
    baselineCron: endpoint.baselineCron,
    baselineIntervalMs: endpoint.baselineIntervalMs,
    minIntervalMs: endpoint.minIntervalMs,
    maxIntervalMs: endpoint.maxIntervalMs,
    nextRunAt: endpoint.nextRunAt.toISOString(),
    lastRunAt: iso(endpoint.lastRunAt),
    failureCount: endpoint.failureCount,
    pausedUntil: iso(endpoint.pausedUntil),
    archivedAt: iso(endpoint.archivedAt),
    url: endpoint.url,
    method: endpoint.method,
    headersJson: endpoint.headersJson,
    bodyJson: endpoint.bodyJson,
    timeoutMs: endpoint.timeoutMs,
    maxExecutionTimeMs: endpoint.maxExecutionTimeMs,
    maxResponseSizeKb: endpoint.maxResponseSizeKb,
    aiHintIntervalMs: endpoint.aiHintIntervalMs,
    aiHintNextRunAt: iso(endpoint.aiHintNextRunAt),
    aiHintExpiresAt: iso(endpoint.aiHintExpiresAt),
    aiHintReason: endpoint.aiHintReason,
  };
}

export function runSummaryView(run: RunRecord) {
  return {
    runId: run.id,
    endpointId: run.endpointId,
    startedAt: run.startedAt.toISOString(),
    status: run.status,
    durationMs: run.durationMs,
    source: run.source,
  };
}

export function runDetailsView(run: RunRecord, endpoint: EndpointRecord | undefined) {
  return {
    id: run.id,
    endpointId: run.endpointId,
    status: run.status,
    startedAt: run.startedAt.toISOString(),
    finishedAt: run.finishedAt.toISOString(),
    durationMs: run.durationMs,
    errorMessage: run.errorMessage,
    source: run.source,
    attempt: run.attempt,
    responseBody: run.responseBody ?? null,
    statusCode: run.statusCode,
    endpoint: endpoint && { id: endpoint.id, name: endpoint.name, url: endpoint.url, method: endpoint.method },
  };
}

export function sessionView(session: AiSessionRecord) {
  return {
    id: session.id,
    analyzedAt: session.analyzedAt.toISOString(),
    toolCalls: session.toolCalls,
    reasoning: session.reasoning,
    tokenUsage: session.tokenUsage,
    durationMs: session.durationMs,
    warnings: [],
  };
}
