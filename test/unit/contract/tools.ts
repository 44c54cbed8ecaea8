/**
 * The API tools as the contract tests see them: each tool is registered on a capturing stand-in for
 * McpServer, and run with a recording `api` that keeps every request the tool would send (method,
 * path, query, body) and answers nothing. No HTTP, no MCP transport: only what the tool asks for.
 */
import type { McpServer, ServerContext } from "@modelcontextprotocol/server";
import * as z from "zod";
import type { CronicornClient, RequestSpec } from "../../../src/api/client.js";
import { silentLogger } from "../../../src/core/log.js";
import type { Runtime } from "../../../src/tools/context.js";
import type { ToolDefinition, ToolHost } from "../../../src/tools/define.js";
import { TOOLS } from "../../../src/tools/registry.js";

/** Every tool that calls the Cronicorn API (the sign-in tools do not), from the one registry. */
export const API_TOOL_DEFINITIONS: ToolDefinition[] = TOOLS.filter((tool) => tool.group !== "auth");

/** A tools/call context with no client capabilities and nothing from earlier rounds. */
export function bareContext(): ServerContext {
  return {
    mcpReq: { id: 1, method: "tools/call", signal: new AbortController().signal, requestState: () => undefined, notify: async () => undefined },
  } as unknown as ServerContext;
}

/** A host for `runtime`, as the server builds it for a 2025-era client that declared no elicitation. */
export function hostFor(runtime: Runtime): ToolHost {
  return {
    runtime: async () => runtime,
    logger: silentLogger,
    confirm: "destructive",
    mint: async () => "state",
    digest: (name) => name,
    round: () => ({ era: "legacy", canConfirm: false, canOpenUrl: false, responses: undefined, state: undefined }),
    mapStack: (stack) => stack,
  };
}

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
  definition.register(server, hostFor(runtime));
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
      await run(parsed.data, bareContext());
      return sent;
    },
  };
}

export const apiTools = (): CapturedTool[] => API_TOOL_DEFINITIONS.map(capture);
