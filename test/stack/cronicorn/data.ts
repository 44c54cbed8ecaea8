/**
 * In-memory records of the stand-in, always looked up by owner: a user never reaches another
 * user's jobs, endpoints, runs or signing key (a foreign id reads as "not found").
 */
import { randomBytes } from "node:crypto";

export type JobStatus = "active" | "paused" | "archived";
export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
export type RunStatus = "success" | "failed";

export interface JobRecord {
  id: string;
  userId: string;
  name: string;
  description?: string;
  status: JobStatus;
  createdAt: Date;
  updatedAt: Date;
  archivedAt?: Date;
}

/** What a client may set on an endpoint (EndpointFields of the contract). */
export interface EndpointSettings {
  name: string;
  description?: string;
  baselineCron?: string;
  baselineIntervalMs?: number;
  minIntervalMs?: number;
  maxIntervalMs?: number;
  url: string;
  method: HttpMethod;
  headersJson?: Record<string, string>;
  bodyJson?: unknown;
  timeoutMs?: number;
  maxExecutionTimeMs?: number;
  maxResponseSizeKb?: number;
}

export interface EndpointRecord extends EndpointSettings {
  id: string;
  jobId: string;
  userId: string;
  nextRunAt: Date;
  lastRunAt?: Date;
  failureCount: number;
  pausedUntil?: Date;
  archivedAt?: Date;
  aiHintIntervalMs?: number;
  aiHintNextRunAt?: Date;
  aiHintExpiresAt?: Date;
  aiHintReason?: string;
  createdAt: Date;
  updatedAt: Date;
}

/** What one execution of an endpoint's request produced (runner.ts). */
export interface RunOutcome {
  status: RunStatus;
  startedAt: Date;
  finishedAt: Date;
  durationMs: number;
  statusCode?: number;
  responseBody?: unknown;
  errorMessage?: string;
}

export interface RunRecord extends RunOutcome {
  id: string;
  endpointId: string;
  userId: string;
  source: string;
  attempt: number;
}

export interface SigningKeyRecord {
  userId: string;
  keyHash: string;
  keyPrefix: string;
  createdAt: Date;
  rotatedAt?: Date;
}

/** One AI planner analysis of an endpoint (the stand-in has no planner: tests seed these). */
export interface AiSessionRecord {
  id: string;
  endpointId: string;
  userId: string;
  analyzedAt: Date;
  toolCalls: Array<{ tool: string; args?: unknown; result?: unknown }>;
  reasoning: string;
  tokenUsage: number | null;
  durationMs: number | null;
}

export function newId(): string {
  return randomBytes(12).toString("base64url");
}

export class Store {
  private readonly jobs = new Map<string, JobRecord>();
  private readonly endpoints = new Map<string, EndpointRecord>();
  private readonly runs = new Map<string, RunRecord>();
  private readonly signingKeys = new Map<string, SigningKeyRecord>();
  private readonly aiSessions = new Map<string, AiSessionRecord>();

  addAiSession(session: AiSessionRecord): AiSessionRecord {
    this.aiSessions.set(session.id, session);
    return session;
  }

  aiSession(userId: string, id: string): AiSessionRecord | undefined {
    return owned(this.aiSessions.get(id), userId);
  }

  /** Newest first; all of the user's when no endpoint is given. */
  aiSessionsOf(userId: string, endpointId?: string): AiSessionRecord[] {
    return [...this.aiSessions.values()]
      .filter((session) => session.userId === userId && (endpointId === undefined || session.endpointId === endpointId))
      .sort((a, b) => b.analyzedAt.getTime() - a.analyzedAt.getTime());
  }

  addJob(job: JobRecord): JobRecord {
    this.jobs.set(job.id, job);
    return job;
  }

  job(userId: string, id: string): JobRecord | undefined {
    return owned(this.jobs.get(id), userId);
  }

  jobsOf(userId: string): JobRecord[] {
    return [...this.jobs.values()].filter((job) => job.userId === userId);
  }

  addEndpoint(endpoint: EndpointRecord): EndpointRecord {
    this.endpoints.set(endpoint.id, endpoint);
    return endpoint;
  }

  endpoint(userId: string, id: string): EndpointRecord | undefined {
    return owned(this.endpoints.get(id), userId);
  }

  endpointsOf(userId: string): EndpointRecord[] {
    return [...this.endpoints.values()].filter((endpoint) => endpoint.userId === userId);
  }

  endpointsOfJob(userId: string, jobId: string): EndpointRecord[] {
    return this.endpointsOf(userId).filter((endpoint) => endpoint.jobId === jobId);
  }

  /** Deletes the endpoint and its run history (the contract's permanent delete). */
  deleteEndpoint(userId: string, id: string): boolean {
    if (!this.endpoint(userId, id)) return false;
    this.endpoints.delete(id);
    for (const run of this.runs.values()) if (run.endpointId === id) this.runs.delete(run.id);
    return true;
  }

  addRun(run: RunRecord): RunRecord {
    this.runs.set(run.id, run);
    return run;
  }

  run(userId: string, id: string): RunRecord | undefined {
    return owned(this.runs.get(id), userId);
  }

  /** Newest first. */
  runsOf(userId: string, endpointId?: string): RunRecord[] {
    return [...this.runs.values()]
      .filter((run) => run.userId === userId && (endpointId === undefined || run.endpointId === endpointId))
      .sort((a, b) => b.startedAt.getTime() - a.startedAt.getTime());
  }

  signingKey(userId: string): SigningKeyRecord | undefined {
    return this.signingKeys.get(userId);
  }

  setSigningKey(key: SigningKeyRecord): void {
    this.signingKeys.set(key.userId, key);
  }
}

function owned<T extends { userId: string }>(record: T | undefined, userId: string): T | undefined {
  return record?.userId === userId ? record : undefined;
}
