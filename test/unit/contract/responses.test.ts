/**
 * Every answer the stand-in gives, driven over HTTP through each operation of Cronicorn's OpenAPI
 * document, validates against the document's response schema for its status; the statuses whose
 * observed shape the document does not describe (left-out.ts OBSERVED_ERROR_SHAPES) are checked
 * against that observed shape instead.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTarget, type Target } from "../../helpers/target.js";
import { startCronicornStandIn, type StandIn } from "../../stack/cronicorn.js";
import { check, findOperation, operations, type Operation } from "../../stack/cronicorn/openapi.js";
import { OBSERVED_ERROR_SHAPES } from "./left-out.js";

interface Answer {
  operation: Operation;
  status: number;
  contentType: string;
  text: string;
  label: string;
}

const ZOD_ERROR = {
  type: "object",
  required: ["success", "error"],
  properties: {
    success: { const: false },
    error: {
      type: "object",
      required: ["name", "issues"],
      properties: {
        name: { const: "ZodError" },
        issues: { type: "array", minItems: 1, items: { type: "object", required: ["code", "path", "message"], properties: { path: { type: "array" } } } },
      },
    },
  },
};
const UNAUTHORIZED = {
  type: "object",
  required: ["error", "status"],
  properties: { error: { type: "string", pattern: "^Unauthorized" }, status: { const: 401 } },
};

/** Problems with one answer; empty when it matches the document (or the observed shape for its status). */
function problemsWith(answer: Answer): string[] {
  const status = String(answer.status);
  const json = answer.contentType.includes("application/json") ? (JSON.parse(answer.text) as unknown) : undefined;
  if (status in OBSERVED_ERROR_SHAPES) {
    if (status === "422") return check(ZOD_ERROR, json).errors.map((e) => `422${e.instancePath} ${e.message}`);
    if (status === "401") return check(UNAUTHORIZED, json).errors.map((e) => `401${e.instancePath} ${e.message}`);
    if (status === "403")
      return answer.text === "Forbidden" && answer.contentType.startsWith("text/plain") ? [] : [`403 was ${answer.contentType} ${answer.text}`];
    return answer.contentType.startsWith("text/plain") && answer.text.length > 0 ? [] : [`400 was ${answer.contentType} ${answer.text}`];
  }
  if (!(status in answer.operation.responses)) return [`status ${status} is not in the document`];
  const schema = answer.operation.responses[status];
  if (schema === null || schema === undefined) return answer.text === "" ? [] : [`${status} should have no body, got ${answer.text.slice(0, 80)}`];
  if (json === undefined) return [`${status} should be JSON, got ${answer.contentType}`];
  return check(schema, json).errors.map((e) => `${status}${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`);
}

describe("the stand-in's answers against Cronicorn's OpenAPI document", () => {
  let stand: StandIn;
  let target: Target;
  const answers: Answer[] = [];

  async function hit(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<unknown> {
    const found = findOperation(method, `/api${path.split("?")[0] ?? ""}`);
    if (!found) throw new Error(`${method} ${path} is not an operation of the document`);
    const response = await fetch(`${stand.apiUrl}${path}`, {
      method,
      headers: { "x-api-key": stand.apiKey, "content-type": "application/json", ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    const contentType = response.headers.get("content-type") ?? "";
    answers.push({ operation: found.operation, status: response.status, contentType, text, label: `${method} ${path}` });
    return contentType.includes("json") ? (JSON.parse(text) as unknown) : text;
  }

  beforeAll(async () => {
    stand = await startCronicornStandIn();
    target = await startTarget();
    const week = `startDate=${new Date(Date.now() - 7 * 86_400_000).toISOString()}&endDate=${new Date(Date.now() + 60_000).toISOString()}`;
    const job = (await hit("POST", "/jobs", { name: "Contract", description: "every route" })) as { id: string };
    await hit("GET", "/jobs");
    await hit("GET", "/jobs?status=active");
    await hit("GET", `/jobs/${job.id}`);
    await hit("PATCH", `/jobs/${job.id}`, { description: "changed" });
    await hit("POST", `/jobs/${job.id}/pause`);
    await hit("POST", `/jobs/${job.id}/resume`);
    const endpoints = `/jobs/${job.id}/endpoints`;
    const cron = (await hit("POST", endpoints, {
      name: "cron",
      url: `${target.url}/ok`,
      baselineCron: "*/5 * * * *",
      headersJson: { a: "b" },
      bodyJson: null,
    })) as { id: string };
    const interval = (await hit("POST", endpoints, { name: "interval", url: `${target.url}/fail`, baselineIntervalMs: 60_000, method: "POST" })) as {
      id: string;
    };
    await hit("GET", endpoints);
    await hit("GET", `${endpoints}/${cron.id}`);
    await hit("PATCH", `${endpoints}/${cron.id}`, { baselineCron: "", baselineIntervalMs: 120_000 });
    await hit("POST", `/endpoints/${cron.id}/hints/interval`, { intervalMs: 90_000, ttlMinutes: 5, reason: "contract" });
    await hit("POST", `/endpoints/${cron.id}/hints/oneshot`, { nextRunInMs: 60_000 });
    await hit("POST", `/endpoints/${cron.id}/pause`, { pausedUntil: new Date(Date.now() + 3_600_000).toISOString() });
    await hit("POST", `/endpoints/${cron.id}/pause`, { pausedUntil: null });
    await hit("DELETE", `/endpoints/${cron.id}/hints`);
    const passed = (await hit("POST", `/endpoints/${cron.id}/test`)) as { runId: string };
    await hit("POST", `/endpoints/${interval.id}/test`);
    await hit("POST", `/endpoints/${interval.id}/reset-failures`);
    await hit("GET", `/endpoints/${cron.id}/runs?limit=10&offset=0&status=success`);
    await hit("GET", "/endpoints/unknown-endpoint/runs");
    await hit("GET", `/runs/${passed.runId}`);
    await hit("GET", `/endpoints/${interval.id}/health?sinceHours=1`);
    const sessionId = stand.seedAiSession(cron.id);
    await hit("GET", `/endpoints/${cron.id}/sessions?limit=100&offset=0`);
    await hit("GET", `/sessions/${sessionId}`);
    await hit("GET", "/sessions/unknown-session");
    await hit("GET", `/dashboard/stats?${week}&endpointLimit=5`);
    await hit("GET", `/dashboard/activity?${week}&eventType=runs&limit=10`);
    await hit("GET", "/signing-keys");
    await hit("POST", "/signing-keys");
    await hit("POST", "/signing-keys/rotate");
    await hit("POST", `${endpoints}/${interval.id}/archive`);
    await hit("DELETE", `${endpoints}/${cron.id}`);
    await hit("DELETE", `/jobs/${job.id}`);
    // Errors: not found, validation, business rules, CSRF, no credential.
    await hit("GET", "/jobs/unknown-job");
    await hit("GET", "/dashboard/stats");
    await hit("POST", "/jobs", { name: "" });
    await hit("POST", endpoints, { name: "too fast", url: `${target.url}/ok`, baselineIntervalMs: 30_000 });
    await hit("POST", `/jobs/${job.id}/pause`, undefined, { "content-type": "" });
    await hit("GET", "/jobs", undefined, { "x-api-key": "" });
  });

  afterAll(async () => {
    await target?.close();
    await stand?.close();
  });

  it("answers every operation of the document at least once with a success", () => {
    const succeeded = new Set(answers.filter((a) => a.status < 300).map((a) => `${a.operation.method} ${a.operation.path}`));
    // POST /signing-keys cannot succeed: sign-up already created the key (its 409 is checked below).
    const missing = operations.map((o) => `${o.method} ${o.path}`).filter((key) => !succeeded.has(key) && key !== "POST /api/signing-keys");
    expect(missing).toEqual([]);
  });

  it("gives answers that validate against the document's schema for their status, or the observed shape", () => {
    const failures = answers.flatMap((answer) => problemsWith(answer).map((problem) => `${answer.label} → ${problem}`));
    expect(failures).toEqual([]);
    // The error paths above were really taken.
    expect(new Set(answers.map((a) => a.status))).toEqual(new Set([200, 201, 204, 400, 401, 403, 404, 409, 422]));
  });
});
