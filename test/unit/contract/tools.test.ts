/**
 * The tools against Cronicorn's own OpenAPI document (test/stack/cronicorn/cronicorn-openapi.json):
 * every tool calls an operation the document has (or one listed in left-out.ts), every operation is
 * served or deliberately left out, and no input a tool accepts produces a request the document refuses.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { check, findOperation, operations, type JsonSchema, type Operation } from "../../stack/cronicorn/openapi.js";
import { variants } from "./boundaries.js";
import { LEFT_OUT, OUTSIDE_DOCUMENT, REQUIRED_THOUGH_DOCUMENTED_OPTIONAL } from "./left-out.js";
import { apiTools, type CapturedTool, type SentRequest } from "./tools.js";

const keyOf = (operation: Operation) => `${operation.method} ${operation.path}`;

/** "METHOD /api/template" of a request: the document's operation, or a route from OUTSIDE_DOCUMENT. */
function routeOf(request: SentRequest): { key: string; operation?: Operation; params: Record<string, string> } | undefined {
  const path = `/api${request.path}`;
  const found = findOperation(request.method, path);
  if (found) return { key: keyOf(found.operation), operation: found.operation, params: found.params };
  for (const key of Object.keys(OUTSIDE_DOCUMENT)) {
    const [method, template] = key.split(" ") as [string, string];
    const pattern = new RegExp(`^${template.replace(/:[A-Za-z]+/g, "[^/]+")}$`);
    if (method === request.method && pattern.test(path)) return { key, params: {} };
  }
  return undefined;
}

/** The query as the client puts it on the wire: undefined dropped, everything else as text. */
function wireQuery(query: SentRequest["query"]): Record<string, string> {
  return Object.fromEntries(Object.entries(query ?? {}).flatMap(([k, v]) => (v === undefined ? [] : [[k, String(v)]])));
}

function querySchema(operation: Operation): JsonSchema {
  const extra = REQUIRED_THOUGH_DOCUMENTED_OPTIONAL[keyOf(operation)] ?? [];
  return { ...operation.query, required: [...((operation.query.required as string[]) ?? []), ...extra] };
}

/** What the document (plus the observed stricter rules) says is wrong with `request`; empty when nothing. */
function problemsWith(request: SentRequest): string[] {
  const route = routeOf(request);
  if (!route) return [`${request.method} ${request.path} is not an operation of the document nor listed in OUTSIDE_DOCUMENT`];
  const { operation } = route;
  if (!operation) return [];
  const problems: string[] = [];
  for (const [name, value] of Object.entries(route.params)) if (value.length === 0) problems.push(`path parameter ${name} is empty`);
  const query = check(querySchema(operation), wireQuery(request.query), { coerce: true });
  for (const error of query.errors) problems.push(`query${error.instancePath} ${error.message ?? ""} ${JSON.stringify(error.params)}`);
  if (operation.body) {
    const body = request.body === undefined ? undefined : (JSON.parse(JSON.stringify(request.body)) as unknown);
    if (body === undefined && operation.bodyRequired) problems.push("the operation requires a body and none was sent");
    if (body !== undefined) for (const error of check(operation.body, body).errors) problems.push(`body${error.instancePath} ${error.message ?? ""}`);
  } else if (request.body !== undefined) {
    problems.push("the operation takes no body but one was sent");
  }
  return problems;
}

describe("tools against Cronicorn's OpenAPI document", () => {
  let tools: CapturedTool[];
  const served = new Map<string, string[]>();

  beforeAll(async () => {
    tools = apiTools();
    for (const tool of tools) {
      const [minimal] = await variants(tool.jsonSchema, async (args) => (await tool.requestsFor(args)) !== undefined);
      for (const request of (await tool.requestsFor(minimal?.args ?? {})) ?? []) {
        const key = routeOf(request)?.key ?? `${request.method} /api${request.path} (unknown)`;
        served.set(key, [...(served.get(key) ?? []), tool.name]);
      }
    }
  });

  it("maps every API tool to at least one operation of the document or a route listed outside it", async () => {
    for (const tool of tools) {
      const [minimal] = await variants(tool.jsonSchema, async (args) => (await tool.requestsFor(args)) !== undefined);
      const requests = (await tool.requestsFor(minimal?.args ?? {})) ?? [];
      expect(requests.length, `${tool.name} sent no request for ${JSON.stringify(minimal?.args)}`).toBeGreaterThan(0);
      for (const request of requests) expect(routeOf(request), `${tool.name}: ${request.method} ${request.path}`).toBeDefined();
    }
  });

  it("serves every operation of the document with a tool, or lists it in LEFT_OUT with a reason", () => {
    const unserved = operations.map(keyOf).filter((key) => !served.has(key) && !(key in LEFT_OUT));
    expect(unserved).toEqual([]);
    // The list stays honest: nothing listed as left out is served, and every entry is in the document.
    for (const key of Object.keys(LEFT_OUT)) {
      expect(served.has(key), `${key} is listed as left out but ${served.get(key)?.join(", ")} serves it`).toBe(false);
      expect(operations.map(keyOf)).toContain(key);
    }
    for (const key of Object.keys(OUTSIDE_DOCUMENT)) expect(operations.map(keyOf)).not.toContain(key);
  });

  it("never sends a request the document refuses, for boundary inputs generated from each tool's own schema", async () => {
    const failures: string[] = [];
    let checked = 0;
    for (const tool of tools) {
      for (const variant of await variants(tool.jsonSchema, async (args) => (await tool.requestsFor(args)) !== undefined)) {
        const requests = (await tool.requestsFor(variant.args)) ?? [];
        checked += 1;
        for (const request of requests)
          for (const problem of problemsWith(request)) failures.push(`${tool.name} [${variant.label}] → ${request.method} ${request.path}: ${problem}`);
      }
    }
    expect(failures).toEqual([]);
    expect(checked).toBeGreaterThan(tools.length * 3);
  });
});
