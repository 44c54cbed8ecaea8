/** Account-wide views and keys: dashboard, activity, plan and usage, webhook signing key, signed-in devices. */
import * as z from "zod";
import { DashboardActivity, DashboardStats, JobId, SigningKeyCreated, SigningKeyInfo, SubscriptionStatus, Usage } from "../api/schemas.js";
import { defineTool } from "./define.js";

const none = z.object({});
const WEEK_MS = 7 * 24 * 3_600_000;
const isoTime = (name: string) => z.iso.datetime({ offset: true, message: `${name} must be an ISO 8601 time` }).optional();
/** The reporting period and job filter shared by the dashboard tools. */
const period = {
  jobId: JobId.optional().describe("Only this job."),
  startDate: isoTime("startDate").describe("Start of the period (ISO 8601; default 7 days before endDate)."),
  endDate: isoTime("endDate").describe("End of the period (ISO 8601; default now)."),
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
    description:
      "Account overview for a period: job and endpoint counts, success rate (%), runs in the last 24 h, per-job health and run counts by source. " +
      "A good first call for \"how are my jobs doing?\". startDate/endDate default to the last 7 days.",
    input: z.object({ ...period, source: z.string().trim().min(1).max(100).optional().describe("Only runs from this scheduling source, e.g. baseline-cron, ai-interval."), endpointLimit: z.number().int().min(1).max(100).optional().describe("How many endpoints the per-endpoint series include (1–100, default 20).") }),
    output: { key: "stats", schema: DashboardStats },
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    run: (query, { api }) => api.request({ method: "GET", path: "/dashboard/stats", query: withPeriod(query), response: DashboardStats }),
    summary: () => "Dashboard statistics:",
  }),
  defineTool({
    name: "get_dashboard_activity",
    title: "Get dashboard activity",
    group: "account",
    description:
      "Timeline of what happened in a period: runs (status, duration in ms, source) and AI planner sessions, newest first, with a summary " +
      "(counts, success rate %). Use it to see what ran and why. startDate/endDate default to the last 7 days; page with limit (1–100, default 50) and offset.",
    input: z.object({
      ...period,
      eventType: z.enum(["all", "runs", "sessions"]).optional().describe("Which events (default all)."),
      limit: z.number().int().min(1).max(100).optional().describe("At most this many events (1–100, default 50)."),
      offset: z.number().int().min(0).optional().describe("Skip this many events (for paging)."),
    }),
    output: { key: "activity", schema: DashboardActivity },
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    run: (query, { api }) => api.request({ method: "GET", path: "/dashboard/activity", query: withPeriod(query), response: DashboardActivity }),
    summary: (a) => `${a.events.length} event(s) shown of ${a.total}: ${a.summary.runsCount} run(s), ${a.summary.sessionsCount} AI session(s), ${a.summary.successRate}% success.`,
  }),
  defineTool({
    name: "get_usage",
    title: "Get plan and usage",
    group: "account",
    description:
      "The account's plan (tier, subscription status) and its quotas with current use: endpoints, runs and AI calls, each used/limit. " +
      "Use it when Cronicorn refuses something with a limit (endpoint count, minimum interval) or to check headroom.",
    input: none,
    output: { key: "usage", schema: z.object({ plan: SubscriptionStatus, usage: Usage }) },
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    run: async (_a, { api }) => {
      const [plan, usage] = await Promise.all([
        api.request({ method: "GET", path: "/subscriptions/status", response: SubscriptionStatus }),
        api.request({ method: "GET", path: "/subscriptions/usage", response: Usage }),
      ]);
      return { plan, usage };
    },
    summary: ({ plan, usage }) =>
      `Plan ${plan.tier}: ${usage.endpointsUsed}/${usage.endpointsLimit} endpoints, ${usage.totalRuns}/${usage.totalRunsLimit} runs, ${usage.aiCallsUsed}/${usage.aiCallsLimit} AI calls.`,
  }),
  defineTool({
    name: "get_signing_key",
    title: "Get signing key info",
    group: "account",
    description: "Whether a webhook signing key exists (Cronicorn signs its requests with it so targets can verify them), with its prefix and dates. Never returns the key itself.",
    input: none,
    output: { key: "signingKey", schema: SigningKeyInfo },
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    run: (_a, { api }) => api.request({ method: "GET", path: "/signing-keys", response: SigningKeyInfo }),
    summary: (k) => (k.hasKey ? `A signing key exists (prefix ${k.keyPrefix ?? "?"}).` : "No signing key yet; create_signing_key makes one."),
  }),
  defineTool({
    name: "create_signing_key",
    title: "Create signing key",
    group: "account",
    description:
      "Create the account's webhook signing key. The raw key is returned ONCE: tell the user to store it now (it cannot be shown again). " +
      "Sign-up already creates a key, so this usually fails with a conflict: then use rotate_signing_key.",
    input: none,
    output: { key: "signingKey", schema: SigningKeyCreated },
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
    run: (_a, { api }) => api.request({ method: "POST", path: "/signing-keys", response: SigningKeyCreated }),
    summary: (k) => `Created signing key ${k.keyPrefix}…. Store the raw key now; Cronicorn will not show it again.`,
  }),
  defineTool({
    name: "rotate_signing_key",
    title: "Rotate signing key",
    group: "account",
    description:
      "Replace the webhook signing key with a new one; targets verifying signatures with the old key will start failing until updated. " +
      "Confirm with the user first. The new raw key is returned ONCE.",
    input: none,
    output: { key: "signingKey", schema: SigningKeyCreated },
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
    run: (_a, { api }) => api.request({ method: "POST", path: "/signing-keys/rotate", response: SigningKeyCreated, what: "signing key (create one first with create_signing_key)" }),
    summary: (k) => `Rotated the signing key; new prefix ${k.keyPrefix}. Store the raw key now; update your targets.`,
  }),
  defineTool({
    name: "list_devices",
    title: "List signed-in devices",
    group: "account",
    description: "List the sessions signed in to the account (e.g. MCP servers and CLIs that used the device sign-in), with creation and expiry times.",
    input: none,
    output: { key: "devices", schema: z.array(Device) },
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    run: (_a, { api }) => api.request({ method: "GET", path: "/devices", response: DeviceList }),
    summary: (devices) => `${devices.length} signed-in session(s).`,
  }),
  defineTool({
    name: "revoke_device",
    title: "Revoke device",
    group: "account",
    description: "Sign out one device session by its id (from list_devices). If it is this server's own session, the next call will ask to sign in again.",
    input: z.object({ tokenId: z.string().trim().min(1).max(200).describe("The device session's id from list_devices.") }),
    output: { key: "result", schema: Success },
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
    run: ({ tokenId }, { api }) => api.request({ method: "DELETE", path: `/devices/${encodeURIComponent(tokenId)}`, response: Success, what: `device ${tokenId}` }),
    summary: (_r, args) => `Revoked device session ${args.tokenId}.`,
  }),
];
