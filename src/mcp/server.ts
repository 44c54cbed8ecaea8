/**
 * Builds the McpServer: instructions, tools (filtered by read-only mode and tool groups), and the
 * bridge that lets sign-in talk to the user through the client. Nothing here touches the network:
 * the runtime (API client, session, sign-in) is built on the first tool call. Loaded only when the
 * start-up answers (src/mcp/front.ts) hand the session over.
 */
import type { Readable } from "node:stream";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { ListToolsRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import type { JSONRPCMessage, Tool } from "@modelcontextprotocol/sdk/types.js";
import type { ConfigResult } from "../config/config.js";
import { ConfigError } from "../api/errors.js";
import type { SignInUi } from "../auth/ui.js";
import type { Logger } from "../core/log.js";
import { REPLAYED_INITIALIZE_ID } from "./front.js";
import { SERVER_INSTRUCTIONS } from "./instructions.js";
import { registerAuthStatusResource } from "./resources/auth-status.js";
import { registerPrompts } from "./prompts.js";
import { registerGuides } from "./resources/guides.js";
import type { Runtime } from "../tools/context.js";
import type { ToolDefinition } from "../tools/define.js";
import { accountTools } from "../tools/account.js";
import { authTools } from "../tools/auth.js";
import { endpointTools } from "../tools/endpoints.js";
import { jobTools } from "../tools/jobs.js";
import { runTools } from "../tools/runs.js";
import { schedulingTools } from "../tools/scheduling.js";
import { selectTools } from "../tools/select.js";

export const ALL_TOOLS: readonly ToolDefinition[] = [...jobTools, ...endpointTools, ...schedulingTools, ...runTools, ...accountTools, ...authTools];

export interface ServerOptions {
  version: string;
  config: ConfigResult;
  logger: Logger & { addSink(sink: (level: "debug" | "info" | "warn" | "error", message: string) => void): void };
  /** Builds the runtime on first use; injected so the heavy modules load lazily. */
  loadRuntime(ui: SignInUi): Promise<Runtime>;
  /**
   * The `tools/list` answer generated at build time for this configuration; when given it is served
   * instead of converting every zod schema again (the two are equal: test/e2e/mcp/tools-list.test.ts).
   */
  toolsList?: Tool[];
}

export function buildServer(options: ServerOptions): McpServer {
  const server = new McpServer(
    { name: "cronicorn-mcp", title: "Cronicorn", version: options.version },
    { capabilities: { logging: {} }, instructions: SERVER_INSTRUCTIONS },
  );

  const ui: SignInUi = {
    supportsUrlElicitation: () => Boolean(server.server.getClientCapabilities()?.elicitation?.url),
    async elicitUrl(elicitationId, url, message) {
      return (await server.server.elicitInput({ mode: "url", elicitationId, url, message })).action;
    },
    async completeElicitation(elicitationId) {
      await server.server.createElicitationCompletionNotifier(elicitationId)();
    },
    stateChanged: () => authStatus.changed(),
    notify(message) {
      options.logger.info(message);
      if (server.isConnected()) server.sendLoggingMessage({ level: "notice", logger: "cronicorn-mcp", data: message }).catch(() => undefined);
    },
  };
  // Mirror warnings and errors to the client as MCP logging notifications, where the user can see them.
  options.logger.addSink((level, message) => {
    if (!server.isConnected() || (level !== "warn" && level !== "error")) return;
    server.sendLoggingMessage({ level: level === "warn" ? "warning" : "error", logger: "cronicorn-mcp", data: message }).catch(() => undefined);
  });

  let runtime: Promise<Runtime> | undefined;
  const getRuntime = (): Promise<Runtime> => {
    if (!options.config.ok) return Promise.reject(new ConfigError(options.config.problems));
    runtime ??= options.loadRuntime(ui).then(announceLogout, (error: unknown) => {
      runtime = undefined; // let the next call try again
      throw error;
    });
    return runtime;
  };
  const authStatus = registerAuthStatusResource(server, async () => {
    if (!options.config.ok) return { signedIn: false, problem: new ConfigError(options.config.problems).message };
    return (await getRuntime()).account.status();
  });
  /** Signing out changes the status too; the sign-in coordinator reports the other changes through `ui`. */
  const announceLogout = (rt: Runtime): Runtime => ({
    ...rt,
    account: {
      ...rt.account,
      logout: async () => {
        const report = await rt.account.logout();
        authStatus.changed();
        return report;
      },
    },
  });

  const selected = selectTools(ALL_TOOLS, options.config);
  for (const tool of selected) tool.register(server, getRuntime);
  serveToolsList(server, options.toolsList ?? (() => selected.map((tool) => tool.listing())));
  registerGuides(server);
  registerPrompts(server, { readOnly: options.config.ok && options.config.config.readOnly });
  return server;
}

/** The generated answer, or (running from source) our own listing of the definitions, built once. */
function serveToolsList(server: McpServer, source: Tool[] | (() => Tool[])): void {
  let tools = Array.isArray(source) ? source : undefined;
  // registerTool installed the SDK's own handler, which converts the schemas on every request and
  // lists them without the compaction of src/tools/listing.ts.
  server.server.removeRequestHandler("tools/list");
  server.server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: (tools ??= (source as () => Tool[])()) }));
}

/** The SDK's stdio transport, minus our answer to the replayed `initialize` (the client already has one). */
class ResumedStdioTransport extends StdioServerTransport {
  override send(message: JSONRPCMessage): Promise<void> {
    if ("id" in message && message.id === REPLAYED_INITIALIZE_ID && !("method" in message)) return Promise.resolve();
    return super.send(message);
  }
}

/** Builds the server and connects it to stdio, or to `input`: the rest of stdin after the start-up answers. */
export async function connectServer(options: ServerOptions, input?: Readable, watch?: (transport: StdioServerTransport) => void): Promise<McpServer> {
  const server = buildServer(options);
  const transport = input ? new ResumedStdioTransport(input, process.stdout) : new StdioServerTransport();
  watch?.(transport);
  await server.connect(transport);
  return server;
}
