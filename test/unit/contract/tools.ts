/**
 * The API tools as the contract tests see them: each tool is registered on a capturing stand-in for
 * McpServer, and run with a recording `api` that keeps every request the tool would send (method,
 * path, query, body) and answers nothing. No HTTP, no MCP transport: only what the tool asks for.
 */
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import type { CronicornClient, RequestSpec } from "../../../src/api/client.js";
import { accountTools } from "../../../src/tools/account.js";
import type { Runtime } from "../../../src/tools/context.js";
import type { ToolDefinition } from "../../../src/tools/define.js";
import { endpointTools } from "../../../src/tools/endpoints.js";
import { jobTools } from "../../../src/tools/jobs.js";
import { runTools } from "../../../src/tools/runs.js";
import { schedulingTools } from "../../../src/tools/scheduling.js";

/** Every tool that calls the Cronicorn API (the auth tools do not). */
export const API_TOOL_DEFINITIONS: ToolDefinition[] = [...jobTools, ...endpointTools, ...schedulingTools, ...runTools, ...accountTools];

export type SentRequest = Pick<RequestSpec<unknown>, "method" | "path" | "query" | "body">;

export interface CapturedTool {
  name: string;
  input: z.ZodObject;
  /** The tool's input as JSON Schema (what tools/list shows the model). */
  jsonSchema: Record<string, unknown>;
  /** Parses `args` like the SDK does; undefined when the tool refuses them, else the requests its run sent. */
  requestsFor(args: Record<string, unknown>): Promise<SentRequest[] | undefined>;
}

class Recorded extends Error {}

type Handler = (args: unknown, extra: unknown) => Promise<unknown>;

export function capture(definition: ToolDefinition): CapturedTool {
  let input: z.ZodObject | undefined;
  let handler: Handler | undefined;
  let sent: SentRequest[] = [];
  const api = {
    async request(spec: RequestSpec<unknown>): Promise<never> {
      sent.push({ method: spec.method, path: spec.path, query: spec.query, body: spec.body });
      // Nothing to answer with: stop the run here. Requests issued together (Promise.all) are all recorded.
      throw new Recorded("recorded");
    },
  } as unknown as CronicornClient;
  const runtime = { api } as unknown as Runtime;
  const server = {
    registerTool(_name: string, config: { inputSchema: z.ZodObject }, callback: Handler) {
      input = config.inputSchema;
      handler = callback;
    },
  } as unknown as McpServer;
  definition.register(server, async () => runtime);
  if (!input || !handler) throw new Error(`${definition.name} did not register`);
  const schema = input;
  const run = handler;
  return {
    name: definition.name,
    input: schema,
    jsonSchema: z.toJSONSchema(schema, { io: "input" }) as Record<string, unknown>,
    async requestsFor(args) {
      const parsed = schema.safeParse(args);
      if (!parsed.success) return undefined;
      sent = [];
      await run(parsed.data, { signal: new AbortController().signal, sendNotification: async () => undefined });
      return sent;
    },
  };
}

export const apiTools = (): CapturedTool[] => API_TOOL_DEFINITIONS.map(capture);
