/** Account-wide views and keys: dashboard, webhook signing key, signed-in devices. */
import * as z from "zod";
import { DashboardStats, SigningKeyCreated, SigningKeyInfo } from "../api/schemas.js";
import { defineTool } from "./define.js";

const none = z.object({});
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
    description: "Account overview: job and endpoint counts, overall success rate, recent activity and per-job health. A good first call for \"how are my jobs doing?\".",
    input: z.object({
      jobId: z.string().trim().min(1).max(200).optional().describe("Only this job's endpoints."),
      startDate: z.iso.datetime({ offset: true, message: "startDate must be an ISO 8601 time" }).optional().describe("Start of the period (ISO 8601)."),
      endDate: z.iso.datetime({ offset: true, message: "endDate must be an ISO 8601 time" }).optional().describe("End of the period (ISO 8601)."),
    }),
    output: { key: "stats", schema: DashboardStats },
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    run: (query, { api }) => api.request({ method: "GET", path: "/dashboard/stats", query, response: DashboardStats }),
    summary: () => "Dashboard statistics:",
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
      "Fails with a conflict if a key already exists (use rotate_signing_key).",
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
