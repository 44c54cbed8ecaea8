/** Account-wide views and keys: dashboard, activity, plan and usage, webhook signing key, signed-in devices. */
import * as z from "zod";
import { DashboardActivity, DashboardStats, JobId, OpaqueId, SigningKeyCreated, SigningKeyInfo, SubscriptionStatus, Usage } from "../api/schemas.js";
import { CREATES, READS, REMOVES, REPLACES } from "./annotations.js";
import { defineTool } from "./define.js";

const none = z.object({});
const WEEK_MS = 7 * 24 * 3_600_000;
const isoTime = (name: string) => z.iso.datetime({ offset: true, message: `${name} must be an ISO 8601 time` }).optional();
/** The reporting period and job filter shared by the dashboard tools. */
const period = {
  jobId: JobId.optional(),
  startDate: isoTime("startDate"),
  endDate: isoTime("endDate"),
};
/** Cronicorn requires both dates (422 without them): fill in the last 7 days. */
function withPeriod<Q extends { startDate?: string | undefined; endDate?: string | undefined }>(query: Q): Q & { startDate: string; endDate: string } {
  const endDate = query.endDate ?? new Date().toISOString();
  const startDate = query.startDate ?? new Date(Date.parse(endDate) - WEEK_MS).toISOString();
  return { ...query, startDate, endDate };
}
const Success = z.looseObject({ success: z.boolean() });
// A plain object (not loose): Cronicorn's device list carries each session's token, which must never reach the model.
const Device = z.object({
  id: z.string(),
  userAgent: z.string().nullable().optional(),
  ipAddress: z.string().nullable().optional(),
  createdAt: z.string().nullable().optional(),
  updatedAt: z.string().nullable().optional(),
  expiresAt: z.string().nullable().optional(),
});
const DeviceList = z.union([z.object({ devices: z.array(Device) }).transform((v) => v.devices), z.array(Device)]);

export const accountTools = [
  defineTool({
    name: "get_dashboard_stats",
    title: "Get dashboard stats",
    group: "account",
    description: 'Overview of a period (default last 7 days): counts, success rate %, per-job health, runs by source. First call for "how are my jobs doing?"',
    input: z.object({
      ...period,
      source: z.string().trim().min(1).max(100).optional().describe("e.g. baseline-cron, ai-interval."),
      endpointLimit: z.number().int().min(1).max(100).optional().describe("Endpoints in the series (default 20)."),
    }),
    output: { key: "stats", schema: DashboardStats },
    annotations: READS,
    run: (query, { api }) => api.request({ method: "GET", path: "/dashboard/stats", query: withPeriod(query), response: DashboardStats }),
    summary: () => "Dashboard statistics:",
  }),
  defineTool({
    name: "get_dashboard_activity",
    title: "Get dashboard activity",
    group: "account",
    description:
      "What ran and why in a period (default last 7 days): runs and AI sessions, newest first, with counts and success rate %. Pages with limit/offset.",
    input: z.object({
      ...period,
      eventType: z.enum(["all", "runs", "sessions"]).optional(),
      limit: z.number().int().min(1).max(100).optional(),
      offset: z.number().int().min(0).optional(),
    }),
    output: { key: "activity", schema: DashboardActivity },
    annotations: READS,
    run: (query, { api }) => api.request({ method: "GET", path: "/dashboard/activity", query: withPeriod(query), response: DashboardActivity }),
    summary: (a) =>
      `${a.events.length} event(s) shown of ${a.total}: ${a.summary.runsCount} run(s), ${a.summary.sessionsCount} AI session(s), ${a.summary.successRate}% success.`,
  }),
  defineTool({
    name: "get_usage",
    title: "Get plan and usage",
    group: "account",
    description: "Plan, quotas and use (endpoints, runs, AI tokens). Use when a limit refuses something.",
    input: none,
    output: { key: "usage", schema: z.object({ plan: SubscriptionStatus, usage: Usage }) },
    annotations: READS,
    run: async (_a, { api }) => {
      const [plan, usage] = await Promise.all([
        api.request({ method: "GET", path: "/subscriptions/status", response: SubscriptionStatus }),
        api.request({ method: "GET", path: "/subscriptions/usage", response: Usage }),
      ]);
      return { plan, usage };
    },
    summary: ({ plan, usage }) =>
      `Plan ${plan.tier}: ${usage.endpointsUsed}/${usage.endpointsLimit} endpoints, ${usage.totalRuns}/${usage.totalRunsLimit} runs, ${usage.aiCallsUsed}/${usage.aiCallsLimit} AI tokens this month.`,
  }),
  defineTool({
    name: "get_signing_key",
    title: "Get signing key",
    group: "account",
    description: "Whether the webhook signing key exists, its prefix and dates (never the key).",
    input: none,
    output: { key: "signingKey", schema: SigningKeyInfo },
    annotations: READS,
    run: (_a, { api }) => api.request({ method: "GET", path: "/signing-keys", response: SigningKeyInfo }),
    summary: (k) => (k.hasKey ? `A signing key exists (prefix ${k.keyPrefix ?? "?"}).` : "No signing key yet; create_signing_key makes one."),
  }),
  defineTool({
    name: "create_signing_key",
    title: "Create signing key",
    group: "account",
    description: "Create the webhook signing key, returned once: the user must store it. Sign-up makes one, so usually use rotate_signing_key.",
    input: none,
    output: { key: "signingKey", schema: SigningKeyCreated },
    annotations: CREATES,
    run: (_a, { api }) => api.request({ method: "POST", path: "/signing-keys", response: SigningKeyCreated }),
    summary: (k) => `Created signing key ${k.keyPrefix}…. Store the raw key now; Cronicorn will not show it again.`,
  }),
  defineTool({
    name: "rotate_signing_key",
    title: "Rotate signing key",
    group: "account",
    description: "Replace the webhook signing key (returned once); targets using the old one fail until updated. Confirm first.",
    input: none,
    output: { key: "signingKey", schema: SigningKeyCreated },
    annotations: REPLACES,
    confirm: () => "Replace the webhook signing key? Targets that verify the old key fail until you give them the new one.",
    run: (_a, { api }) =>
      api.request({
        method: "POST",
        path: "/signing-keys/rotate",
        response: SigningKeyCreated,
        what: "signing key (create one first with create_signing_key)",
      }),
    summary: (k) => `Rotated the signing key; new prefix ${k.keyPrefix}. Store the raw key now; update your targets.`,
  }),
  defineTool({
    name: "list_devices",
    title: "List devices",
    group: "account",
    description: "Sessions signed in to the account (MCP servers, CLIs), with created and expiry times.",
    input: none,
    output: { key: "devices", schema: z.array(Device) },
    annotations: READS,
    run: (_a, { api }) => api.request({ method: "GET", path: "/devices", response: DeviceList }),
    // Cronicorn names each session by the User-Agent that created it (this server's: cronicorn-mcp/<version>).
    summary: (devices) =>
      devices.length === 0
        ? "No signed-in sessions."
        : `${devices.length} signed-in session(s): ${devices.map((d) => `${d.userAgent || "unnamed client"} (id ${d.id})`).join("; ")}.`,
  }),
  defineTool({
    name: "revoke_device",
    title: "Revoke device",
    group: "account",
    description: "Sign out one session from list_devices (this server's own means signing in again).",
    input: z.object({ tokenId: OpaqueId("tokenId", "From list_devices.") }),
    output: { key: "result", schema: Success },
    annotations: REMOVES,
    confirm: ({ tokenId }) => `Sign out session ${tokenId}? If it is this server's own, you will have to sign in again.`,
    run: ({ tokenId }, { api }) =>
      api.request({ method: "DELETE", path: `/devices/${encodeURIComponent(tokenId)}`, response: Success, what: `device ${tokenId}` }),
    summary: (_r, args) => `Revoked device session ${args.tokenId}.`,
  }),
];
