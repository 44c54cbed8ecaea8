/**
 * Account routes: dashboard stats and activity, the webhook signing key, subscription status and
 * usage, and connected devices (better-auth sessions).
 */
import { createHash, randomBytes } from "node:crypto";
import { Hono } from "hono";
import type { StandInAuth } from "./auth.js";
import type { ApiEnv } from "./authn.js";
import { dashboardActivity, dashboardStats, type DashboardFilters } from "./dashboard.js";
import type { AiSessionRecord, SigningKeyRecord, Store } from "./data.js";
import { conflict, notFound, orNotFound, validationFailed, type ZodIssue } from "./problems.js";
import { FREE_TIER } from "./rules.js";

export function accountRoutes(store: Store, auth: StandInAuth): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();

  app.get("/dashboard/stats", (c) => {
    const filters = requireDates(c.var.query);
    const userId = c.var.userId;
    return c.json(dashboardStats(store.jobsOf(userId), store.endpointsOf(userId), store.runsOf(userId), filters));
  });

  app.get("/dashboard/activity", (c) => {
    const filters = requireDates(c.var.query);
    const userId = c.var.userId;
    return c.json(dashboardActivity(store.endpointsOf(userId), store.runsOf(userId), filters));
  });

  app.get("/signing-keys", (c) => {
    const key = store.signingKey(c.var.userId);
    return c.json({
      hasKey: key !== undefined,
      keyPrefix: key?.keyPrefix ?? null,
      createdAt: key?.createdAt.toISOString() ?? null,
      rotatedAt: key?.rotatedAt?.toISOString() ?? null,
    });
  });

  app.post("/signing-keys", (c) => {
    if (store.signingKey(c.var.userId)) throw conflict("Signing key already exists. Use rotate to generate a new one.");
    const { rawKey, record } = newSigningKey(c.var.userId);
    store.setSigningKey(record);
    return c.json({ rawKey, keyPrefix: record.keyPrefix }, 201);
  });

  app.post("/signing-keys/rotate", (c) => {
    const existing = orNotFound(store.signingKey(c.var.userId), "Signing key");
    const { rawKey, record } = newSigningKey(c.var.userId);
    store.setSigningKey({ ...existing, keyHash: record.keyHash, keyPrefix: record.keyPrefix, rotatedAt: new Date() });
    return c.json({ rawKey, keyPrefix: record.keyPrefix });
  });

  // Not in the OpenAPI document; shapes observed for a free-tier user.
  app.get("/subscriptions/status", (c) =>
    c.json({ tier: "free", status: null, endsAt: null, refundEligibility: { eligible: false, expiresAt: null, status: null } }),
  );

  app.get("/subscriptions/usage", (c) => {
    const userId = c.var.userId;
    return c.json({
      // Despite its name, the AI tokens the planner used this month (observed on 1.25.0).
      aiCallsUsed: aiTokensThisMonth(store.aiSessionsOf(userId)),
      aiCallsLimit: FREE_TIER.aiCalls,
      endpointsUsed: store.endpointsOf(userId).filter((e) => !e.archivedAt).length,
      endpointsLimit: FREE_TIER.maxEndpoints,
      totalRuns: store.runsOf(userId).length,
      totalRunsLimit: FREE_TIER.totalRuns,
    });
  });

  app.get("/devices", async (c) => {
    const { internalAdapter } = await auth.$context;
    const sessions = await internalAdapter.listSessions(c.var.userId);
    // Cronicorn's route returns the session token too; the stand-in mirrors it so clients face it.
    const devices = sessions.map((session) => ({
      id: session.id,
      token: session.token,
      userAgent: session.userAgent ?? null,
      ipAddress: session.ipAddress ?? null,
      createdAt: new Date(session.createdAt).toISOString(),
      expiresAt: new Date(session.expiresAt).toISOString(),
    }));
    return c.json({ devices });
  });

  app.delete("/devices/:tokenId", async (c) => {
    const { internalAdapter } = await auth.$context;
    const sessions = await internalAdapter.listSessions(c.var.userId);
    const session = sessions.find((candidate) => candidate.id === c.req.param("tokenId"));
    if (!session) throw notFound("Device");
    await internalAdapter.deleteSession(session.token);
    return c.json({ success: true });
  });

  return app;
}

/** Since the first of the month, UTC. */
function aiTokensThisMonth(sessions: AiSessionRecord[]): number {
  const now = new Date();
  const since = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
  return sessions.filter((session) => session.analyzedAt.getTime() >= since).reduce((sum, session) => sum + (session.tokenUsage ?? 0), 0);
}

/**
 * The document marks startDate/endDate optional, but the service refuses requests without them
 * (422, issue code "invalid_date"): observed behaviour wins.
 */
function requireDates(query: Record<string, unknown>): DashboardFilters {
  const issues: ZodIssue[] = [];
  const date = (name: "startDate" | "endDate"): Date | undefined => {
    const value = query[name];
    const parsed = typeof value === "string" ? new Date(value) : undefined;
    if (!parsed || Number.isNaN(parsed.getTime())) {
      issues.push({ code: "invalid_date", path: [name], message: "Invalid date" });
      return undefined;
    }
    return parsed;
  };
  const startDate = date("startDate");
  const endDate = date("endDate");
  if (issues.length > 0) throw validationFailed(issues);
  return {
    startDate,
    endDate,
    jobId: query.jobId as string | undefined,
    source: query.source as string | undefined,
    endpointLimit: query.endpointLimit as number | undefined,
    eventType: query.eventType as DashboardFilters["eventType"],
    limit: query.limit as number | undefined,
    offset: (query.offset as number | null | undefined) ?? undefined,
  };
}

/** Only the hash is kept: the raw key is shown once, as in Cronicorn. */
export function newSigningKey(userId: string): { rawKey: string; record: SigningKeyRecord } {
  const rawKey = `whsec_${randomBytes(32).toString("hex")}`;
  return { rawKey, record: { userId, keyPrefix: rawKey.slice(0, 14), keyHash: createHash("sha256").update(rawKey).digest("hex"), createdAt: new Date() } };
}
