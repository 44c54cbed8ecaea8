/**
 * Every tool of the registry, its files loaded afresh inside the test, called once through its own
 * definition: an API tool sends at least one request (its path names no "undefined"), answers a
 * schema-valid body with a sentence of its own, and a destructive one asks its question before
 * anything is sent; the sign-in tools answer from the account and never wait on the sign-in gate.
 *
 * The per-area tool tests (jobs.test.ts, endpoints.test.ts, …) pin each request and sentence exactly,
 * with one server per file. A tool's `run`, `summary` and `confirm` are module-level values, though:
 * only a test that loads the tool files while it runs can see one of them replaced
 * (test/helpers/fresh-module.ts), so this one does, for every tool at once.
 */
import type { CallToolResult } from "@modelcontextprotocol/server";
import { describe, expect, it } from "vitest";
import * as z from "zod";
import type { RequestSpec } from "../../../src/api/client.js";
import type { AccountService, AuthStatus, SignInGate } from "../../../src/auth/types.js";
import type { Runtime } from "../../../src/tools/context.js";
import type { CallRound, ToolDefinition, ToolHost } from "../../../src/tools/define.js";
import { freshly } from "../../helpers/fresh-module.js";
import { bareContext, capture, hostFor } from "../contract/tools.js";

type Schema = Record<string, unknown>;

/** A value with every property a JSON Schema describes (the first option, enum value, the lower bound). */
function sampleOf(schema: Schema): unknown {
  if ("const" in schema) return schema.const;
  if (Array.isArray(schema.enum)) return schema.enum[0];
  const options = (schema.anyOf ?? schema.oneOf) as Schema[] | undefined;
  if (options) return sampleOf(options.find((option) => option.type !== "null") ?? options[0] ?? {});
  switch (schema.type) {
    case "object":
      return Object.fromEntries(Object.entries((schema.properties ?? {}) as Record<string, Schema>).map(([key, property]) => [key, sampleOf(property)]));
    case "array":
      return [sampleOf((schema.items ?? {}) as Schema)];
    case "string":
      if (schema.format === "date-time") return "2030-01-31T09:00:00.000Z";
      if (schema.format === "uri") return "https://example.com/health";
      return "s".repeat(Math.max(Number(schema.minLength ?? 1), 1));
    case "integer":
    case "number":
      return typeof schema.minimum === "number" ? Math.max(schema.minimum, 1) : 1;
    case "boolean":
      return true;
    default:
      return null;
  }
}

/** What Cronicorn would answer for `spec`: a body its response schema accepts, parsed as the client would. */
function answerFor(spec: RequestSpec<unknown>): unknown {
  if (!spec.response) return undefined;
  const sample = sampleOf(z.toJSONSchema(spec.response, { io: "input", unrepresentable: "any" }) as Schema);
  return spec.response.parse(sample);
}

const loadRegistry = () => freshly(async () => (await import("../../../src/tools/registry.js")).TOOLS);

/** A host whose API client records each request and answers it with a schema-valid body. */
function recordingHost(round: Partial<CallRound> = {}) {
  const sent: Array<RequestSpec<unknown>> = [];
  const api = {
    request: async (spec: RequestSpec<unknown>) => {
      sent.push(spec);
      return answerFor(spec);
    },
  };
  const base = hostFor({ api } as unknown as Runtime);
  const digested: string[] = [];
  const host: ToolHost = {
    ...base,
    round: () => ({ ...base.round(bareContext()), ...round }),
    digest: (name, args) => (digested.push(name), base.digest(name, args)),
  };
  return { host, sent, digested };
}

/**
 * The minimal input each API tool accepts (ids, a name, a schedule where one is required). A plain text
 * field gets a value naming it (`jobId-7`), so a sentence that should name it can be checked for it.
 */
function argsFor(tool: ToolDefinition): Record<string, unknown> {
  const schema = tool.listing().inputSchema as Schema;
  const properties = (schema.properties ?? {}) as Record<string, Schema>;
  const valueOf = (name: string, property: Schema) =>
    property.type === "string" && property.format === undefined && property.enum === undefined ? `${name}-7` : sampleOf(property);
  const args = Object.fromEntries(((schema.required ?? []) as string[]).map((name) => [name, valueOf(name, properties[name] ?? {})]));
  // Cross-field rules JSON Schema cannot carry: a schedule to add or change, one field of an update.
  if ("baselineCron" in properties) args.baselineCron = "*/5 * * * *";
  if (tool.name === "update_job") args.name = "Renamed";
  if (tool.name === "apply_interval_hint") args.intervalMs = 60_000;
  if (tool.name === "schedule_one_shot") args.nextRunInMs = 60_000;
  return args;
}

const ENDPOINT = { jobId: "j1", name: "Health", url: "https://example.com/health", baselineCron: "*/5 * * * *" };
const LATER = "2030-01-31T09:00:00+02:00";

/** [tool, arguments, the message of the one issue (or what the accepted value becomes)]. */
const RULES: Array<[string, Record<string, unknown>, { issue: string; path?: string; custom?: true } | { accepted: Record<string, unknown> }]> = [
  ["create_job", { name: "  " }, { issue: "name must not be empty" }],
  ["create_job", { name: "n".repeat(256) }, { issue: "name must be at most 255 characters" }],
  ["create_job", { name: "n", description: "d".repeat(1001) }, { issue: "description must be at most 1000 characters" }],
  ["create_job", { name: "  Nightly  " }, { accepted: { name: "Nightly" } }],
  ["update_job", { jobId: "j1" }, { issue: "give name and/or description to change", path: "name", custom: true }],
  ["update_job", { jobId: "j1", description: "only this" }, { accepted: { description: "only this" } }],
  ["get_job", { jobId: "a/b" }, { issue: 'jobId must be an id: it cannot contain "/", "\\" or control characters' }],
  ["get_endpoint", { jobId: "j1", endpointId: ".." }, { issue: 'endpointId must be an id, not "." or ".."' }],
  ["get_run", { runId: "a/b" }, { issue: 'runId must be an id: it cannot contain "/", "\\" or control characters' }],
  ["add_endpoint", { ...ENDPOINT, name: " " }, { issue: "name must not be empty" }],
  ["add_endpoint", { ...ENDPOINT, name: "n".repeat(256) }, { issue: "name must be at most 255 characters" }],
  ["add_endpoint", { ...ENDPOINT, name: " Health ", url: " https://example.com/h " }, { accepted: { name: "Health", url: "https://example.com/h" } }],
  ["add_endpoint", { ...ENDPOINT, description: "d".repeat(2001) }, { issue: "description must be at most 2000 characters" }],
  [
    "add_endpoint",
    { ...ENDPOINT, baselineCron: "every minute" },
    { issue: 'must be a 5-field cron expression such as "*/5 * * * *" (minute hour day-of-month month day-of-week)' },
  ],
  ["add_endpoint", { ...ENDPOINT, baselineCron: " */5 * * * * " }, { accepted: { baselineCron: "*/5 * * * *" } }],
  ["add_endpoint", { ...ENDPOINT, baselineCron: undefined, baselineIntervalMs: 1.5 }, { issue: "baselineIntervalMs must be a whole number of milliseconds" }],
  ["add_endpoint", { ...ENDPOINT, baselineCron: undefined, baselineIntervalMs: 0 }, { issue: "baselineIntervalMs must be greater than 0" }],
  ["add_endpoint", { ...ENDPOINT, minIntervalMs: 1.5 }, { issue: "minIntervalMs must be a whole number of milliseconds" }],
  ["add_endpoint", { ...ENDPOINT, maxIntervalMs: 0 }, { issue: "maxIntervalMs must be greater than 0" }],
  ["add_endpoint", { ...ENDPOINT, url: "example.com/health" }, { issue: "url must be a full URL such as https://example.com/health" }],
  ["add_endpoint", { ...ENDPOINT, timeoutMs: 0 }, { issue: "timeoutMs must be greater than 0" }],
  ["add_endpoint", { ...ENDPOINT, maxExecutionTimeMs: 1.5 }, { issue: "maxExecutionTimeMs must be a whole number of milliseconds" }],
  ["add_endpoint", { ...ENDPOINT, maxExecutionTimeMs: 1_800_001 }, { issue: "maxExecutionTimeMs must be at most 1800000 (30 minutes)" }],
  ["add_endpoint", { ...ENDPOINT, maxResponseSizeKb: 0 }, { issue: "maxResponseSizeKb must be greater than 0" }],
  [
    "add_endpoint",
    { ...ENDPOINT, baselineIntervalMs: 60_000 },
    { issue: "give either baselineCron or baselineIntervalMs, not both", path: "baselineIntervalMs", custom: true },
  ],
  [
    "add_endpoint",
    { ...ENDPOINT, baselineCron: undefined },
    { issue: 'a schedule is required: give baselineCron (e.g. "*/5 * * * *") or baselineIntervalMs (e.g. 300000)', path: "baselineCron", custom: true },
  ],
  [
    "add_endpoint",
    { ...ENDPOINT, minIntervalMs: 2, maxIntervalMs: 1 },
    { issue: "minIntervalMs must be less than or equal to maxIntervalMs", path: "minIntervalMs", custom: true },
  ],
  ["update_endpoint", { jobId: "j1", endpointId: "e1" }, { issue: "give at least one field to change", path: "name", custom: true }],
  ["update_endpoint", { jobId: "j1", endpointId: "e1", timeoutMs: 5000 }, { accepted: { timeoutMs: 5000 } }],
  ["get_endpoint_health", { endpointId: "e1", sinceHours: 1.5 }, { issue: "sinceHours must be a whole number of hours" }],
  ["get_ai_session", { sessionId: "a/b" }, { issue: 'sessionId must be an id: it cannot contain "/", "\\" or control characters' }],
  ["revoke_device", { tokenId: ".." }, { issue: 'tokenId must be an id, not "." or ".."' }],
  ["apply_interval_hint", { endpointId: "e1", intervalMs: 1.5 }, { issue: "intervalMs must be a whole number of milliseconds" }],
  ["apply_interval_hint", { endpointId: "e1", intervalMs: 0 }, { issue: "intervalMs must be greater than 0" }],
  ["apply_interval_hint", { endpointId: "e1", intervalMs: 1, ttlMinutes: 1.5 }, { issue: "ttlMinutes must be a whole number" }],
  ["apply_interval_hint", { endpointId: "e1", intervalMs: 1, ttlMinutes: 0 }, { issue: "ttlMinutes must be greater than 0" }],
  ["apply_interval_hint", { endpointId: "e1", intervalMs: 1, reason: "  why  " }, { accepted: { reason: "why" } }],
  ["schedule_one_shot", { endpointId: "e1", nextRunAt: "tomorrow" }, { issue: "nextRunAt must be an ISO 8601 time such as 2026-01-31T09:00:00Z" }],
  ["schedule_one_shot", { endpointId: "e1", nextRunAt: LATER }, { accepted: { nextRunAt: LATER } }],
  ["schedule_one_shot", { endpointId: "e1", nextRunInMs: 1.5 }, { issue: "nextRunInMs must be a whole number of milliseconds" }],
  ["schedule_one_shot", { endpointId: "e1", nextRunInMs: 0 }, { issue: "nextRunInMs must be greater than 0" }],
  ["schedule_one_shot", { endpointId: "e1" }, { issue: "give exactly one of nextRunAt or nextRunInMs", path: "nextRunAt", custom: true }],
  ["pause_endpoint", { endpointId: "e1", pausedUntil: "soon" }, { issue: "pausedUntil must be an ISO 8601 time such as 2026-01-31T09:00:00Z" }],
  ["pause_endpoint", { endpointId: "e1", pausedUntil: LATER }, { accepted: { pausedUntil: LATER } }],
  ["get_dashboard_stats", { startDate: "monday" }, { issue: "startDate must be an ISO 8601 time" }],
  ["get_dashboard_stats", { endDate: "friday" }, { issue: "endDate must be an ISO 8601 time" }],
  ["get_dashboard_stats", { startDate: LATER, source: " baseline-cron " }, { accepted: { startDate: LATER, source: "baseline-cron" } }],
];

/** The sentence before the compact JSON of a tool's (text) result; empty for an input_required round. */
const summaryOf = (result: Awaited<ReturnType<ToolDefinition["invoke"]>>) => {
  const first = "content" in result ? (result as CallToolResult).content[0] : undefined;
  return first?.type === "text" ? (first.text.split("\n\n")[0] ?? "") : "";
};

describe("every tool, loaded afresh inside the test", () => {
  it("every API tool sends its request and answers Cronicorn's body with a sentence of its own", async () => {
    const tools = (await loadRegistry()).filter((tool) => tool.group !== "auth");
    expect(tools.length).toBeGreaterThan(25);
    for (const tool of tools) {
      const { host, sent, digested } = recordingHost();
      const args = argsFor(tool);
      const asGiven = structuredClone(args);
      const result = await tool.invoke(args, bareContext(), host);
      // Request state is bound to the arguments as they arrived, digested only when state is checked or minted.
      expect(args, `${tool.name} changed its arguments`).toEqual(asGiven);
      expect(digested, `${tool.name} digested a call that needed no state`).toEqual([]);
      const summary = summaryOf(result);
      expect("isError" in result && result.isError, `${tool.name}(${JSON.stringify(args)}): ${summary}`).toBeFalsy();
      expect(sent.length, `${tool.name} sent no request`).toBeGreaterThan(0);
      for (const request of sent) expect(request.path, tool.name).toMatch(/^\/[a-z-]+(\/[^/]+)*$/);
      for (const request of sent) expect(request.path, tool.name).not.toContain("undefined");
      expect(summary, tool.name).toMatch(/^\S.*[.:]$/s);
      expect(summary, tool.name).not.toMatch(/undefined|\[object Object\]/);
    }
  });

  it("a destructive tool asks its own question, naming what it acts on, and sends nothing until answered", async () => {
    const destructive = ["archive_endpoint", "archive_job", "delete_endpoint", "revoke_device", "rotate_signing_key"];
    const asked: string[] = [];
    for (const tool of (await loadRegistry()).filter((t) => t.group !== "auth")) {
      const { host, sent } = recordingHost({ era: "modern", canConfirm: true });
      const args = argsFor(tool);
      const result = (await tool.invoke(args, bareContext(), host)) as unknown as {
        inputRequests?: Record<string, { params?: { message?: unknown } }>;
      };
      const question = result.inputRequests?.confirm?.params?.message;
      if (question === undefined) continue;
      asked.push(tool.name);
      expect(question, tool.name).toMatch(/^[A-Z].*\?/s);
      for (const value of Object.values(args)) expect(question, tool.name).toContain(String(value));
      expect(sent, tool.name).toEqual([]);
    }
    expect(asked.sort()).toEqual(destructive);
  });

  it("the sign-in tools answer from the account, in its words, and never wait on the sign-in gate", async () => {
    const tools = (await loadRegistry()).filter((tool) => tool.group === "auth");
    expect(tools.map((tool) => tool.name).sort()).toEqual(["auth_status", "login", "logout"]);
    const status: AuthStatus = { signedIn: false, apiUrl: "https://cronicorn.example/api", source: "none", store: "file" };
    const account: AccountService = {
      status: async () => status,
      logout: async () => ({ revokedOnServer: "not-applicable", deletedLocal: [], message: "Signed out; nothing was saved." }),
      login: async () => ({ state: "ready", status }),
    } as unknown as AccountService;
    const gateCalls: string[] = [];
    const gate: SignInGate = {
      begin: async () => {
        gateCalls.push("begin");
        throw new Error("the gate was asked to begin");
      },
      awaitSignIn: async () => {
        gateCalls.push("awaitSignIn");
        throw new Error("the gate was asked to wait");
      },
    };
    const host = hostFor({ account, gate } as unknown as Runtime);
    const texts = Object.fromEntries(await Promise.all(tools.map(async (tool) => [tool.name, summaryOf(await tool.invoke({}, bareContext(), host))] as const)));
    expect(texts).toEqual({
      login: 'Not signed in to https://cronicorn.example/api. Sign in with the `login` tool, or run "npx cronicorn-mcp login" in a terminal.',
      auth_status: 'Not signed in to https://cronicorn.example/api. Sign in with the `login` tool, or run "npx cronicorn-mcp login" in a terminal.',
      logout: "Signed out; nothing was saved.",
    });

    // When the account itself says a sign-in is needed, these tools say so: they are how one signs in.
    // The error class comes from the module graph the registry was just loaded into, so `instanceof` holds.
    const { AuthRequiredError } = await import("../../../src/auth/errors.js");
    const refuse = async () => {
      throw new AuthRequiredError("Not signed in (from the account).");
    };
    const refused = hostFor({ account: { status: refuse, logout: refuse, login: refuse }, gate } as unknown as Runtime);
    for (const tool of tools) {
      const result = await tool.invoke({}, bareContext(), refused);
      expect("isError" in result && result.isError, tool.name).toBe(true);
      expect(summaryOf(result), tool.name).toBe("Not signed in (from the account).");
    }
    expect(gateCalls).toEqual([]);
  });

  it.each(RULES)("%s %j: each input rule, loaded afresh, refuses with its own message or keeps the cleaned value", async (name, args, expected) => {
    const tool = (await loadRegistry()).find((t) => t.name === name);
    if (!tool) throw new Error(`no tool ${name}`);
    const parsed = capture(tool).input.safeParse(args);
    if ("accepted" in expected) {
      expect(parsed.error?.issues).toBeUndefined();
      expect(parsed.data).toMatchObject(expected.accepted);
      return;
    }
    expect(parsed.error?.issues.map((issue) => issue.message)).toEqual([expected.issue]);
    const [issue] = parsed.error?.issues ?? [];
    if (expected.path) expect(issue?.path).toEqual([expected.path]);
    if (expected.custom) expect(issue?.code).toBe("custom");
  });

  it("the dashboard tools ask for the week before the end date when no start is given", async () => {
    for (const tool of (await loadRegistry()).filter((t) => t.name.startsWith("get_dashboard_"))) {
      const { host, sent } = recordingHost();
      await tool.invoke({ endDate: "2030-01-31T09:00:00.000Z" }, bareContext(), host);
      expect(
        sent.map((request) => request.query),
        tool.name,
      ).toEqual([expect.objectContaining({ startDate: "2030-01-24T09:00:00.000Z", endDate: "2030-01-31T09:00:00.000Z" })]);
    }
  });

  it("an API key that is refused says to check CRONICORN_API_KEY, where the tool's reader can change it", async () => {
    const { describeStatus } = await freshly(() => import("../../../src/tools/auth.js"));
    const status: AuthStatus = { signedIn: false, apiUrl: "https://cronicorn.example/api", source: "api-key", store: "file" };
    expect(describeStatus(status)).toBe("Not signed in to https://cronicorn.example/api. Check CRONICORN_API_KEY in this server's configuration.");
    expect(describeStatus(status, "terminal")).toBe("Not signed in to https://cronicorn.example/api. Check CRONICORN_API_KEY in your environment.");
    expect(describeStatus({ ...status, source: "none" }, "terminal")).toBe(
      "Not signed in to https://cronicorn.example/api. Sign in with `cronicorn-mcp login` (or `npx cronicorn-mcp login`).",
    );
  });
});
