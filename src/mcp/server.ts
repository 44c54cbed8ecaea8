/**
 * The McpServer factory both protocol eras are served from (`serveStdio` calls it once per connection,
 * and once more for a `server/discover` probe it may discard): instructions, the tools of this
 * configuration, resources and prompts, identical in both eras. What differs by era is only how the
 * user is reached: a 2025-era connection gets pushed URL elicitations and logging notifications; a
 * 2026-07-28 request gets `input_required` rounds and log messages at the level its `_meta` asks for.
 * Nothing here touches the network: the runtime (API client, session, sign-in) is built, once per
 * process, on the first tool call.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { randomBytes } from "node:crypto";
import { CLIENT_CAPABILITIES_META_KEY, McpServer, createRequestStateCodec } from "@modelcontextprotocol/server";
import type { ClientCapabilities, LoggingLevel, ServerContext, Tool } from "@modelcontextprotocol/server";
import { ConfigError } from "../api/errors.js";
import type { LinkChannel } from "../auth/types.js";
import type { SignInUi } from "../auth/ui.js";
import type { ConfigResult } from "../config/config.js";
import type { LogSink, Logger } from "../core/log.js";
import type { Runtime } from "../tools/context.js";
import { callDigest, type CallRound, type RoundState, type ToolDefinition, type ToolHost } from "../tools/define.js";
import { TOOLS } from "../tools/registry.js";
import { selectTools } from "../tools/select.js";
import { SERVER_INSTRUCTIONS } from "./instructions.js";
import { registerPrompts } from "./prompts.js";
import { createAuthStatusResource } from "./resources/auth-status.js";
import { registerGuides } from "./resources/guides.js";
import { mapStack } from "./stack.js";

export type Era = "legacy" | "modern";

export interface ServerOptions {
  version: string;
  config: ConfigResult;
  logger: Logger & { addSink(sink: LogSink): void };
  /** Builds the runtime on first use; injected so the heavy modules load lazily. */
  loadRuntime(ui: SignInUi): Promise<Runtime>;
  /**
   * The `tools/list` answer generated at build time for this configuration; when given it is served
   * instead of converting every zod schema again (the two are equal: test/e2e/mcp/tools-list.test.ts).
   */
  toolsList?: Tool[];
  /** The tools to serve (the registry, src/tools/registry.ts; tests hand in one with a tool more). */
  tools?: readonly ToolDefinition[];
}

export type ServerFactory = (context: { era: Era }) => McpServer;

/** How long a round's state stays valid: long enough to approve a sign-in page, short enough not to linger. */
const STATE_TTL_S = 600;
const LOGGER = "cronicorn-mcp";

const MCP_LEVEL: Record<"debug" | "info" | "warn" | "error", LoggingLevel> = { debug: "debug", info: "info", warn: "warning", error: "error" };

export function createServerFactory(options: ServerOptions): ServerFactory {
  const { config, logger } = options;
  // Per process: a round's state is valid only in the process that minted it, and only for a while.
  const codec = createRequestStateCodec<RoundState>({ key: randomBytes(32), ttlSeconds: STATE_TTL_S });
  const digestKey = randomBytes(32);
  /** The tool call in progress on this async path, while it is in progress (background work outlives it). */
  const inCall = new AsyncLocalStorage<{ ctx: ServerContext; live: boolean }>();
  let current: { server: McpServer; era: Era } | undefined;

  /** A message for the user outside a result: a 2025-era logging notification, or a log line on the 2026 call in progress. */
  const tell = (level: LoggingLevel, message: string): void => {
    if (!current?.server.isConnected()) return;
    if (current.era === "legacy") {
      current.server.sendLoggingMessage({ level, logger: LOGGER, data: message }).catch(() => undefined);
      return;
    }
    const call = inCall.getStore();
    // The SDK sends it only at the level the request's `_meta` asks for (absent: nothing).
    if (call?.live) call.ctx.mcpReq.log(level, message, LOGGER).catch(() => undefined);
  };
  /** Set while a sign-in notice is logged: the user hears it once, at notice level, not again as an info line. */
  let noticing = false;
  // 2025-era clients hear warnings and errors (every line still goes to stderr); a 2026 request hears what it asked for.
  logger.addSink((level, message) => {
    if (noticing || (current?.era === "legacy" && level !== "warn" && level !== "error")) return;
    tell(MCP_LEVEL[level], message);
  });

  const status = createAuthStatusResource({
    read: async () => (config.ok ? (await getRuntime()).account.status() : { signedIn: false, problem: new ConfigError(config.problems).message }),
  });
  const ui: SignInUi = {
    stateChanged: () => status.changed(),
    notify(message) {
      noticing = true;
      try {
        logger.info(message);
      } finally {
        noticing = false;
      }
      tell("notice", message);
    },
  };

  let runtime: Promise<Runtime> | undefined;
  const getRuntime = (): Promise<Runtime> => {
    if (!config.ok) return Promise.reject(new ConfigError(config.problems));
    runtime ??= options.loadRuntime(ui).then(announceLogout, (error: unknown) => {
      runtime = undefined; // let the next call try again
      throw error;
    });
    return runtime;
  };
  /** Signing out changes the status too; the sign-in coordinator reports the other changes through `ui`. */
  const announceLogout = (rt: Runtime): Runtime => ({
    ...rt,
    account: {
      ...rt.account,
      logout: async () => {
        const report = await rt.account.logout();
        status.changed();
        return report;
      },
    },
  });

  const selected = selectTools(options.tools ?? TOOLS, config);
  let listing = options.toolsList;
  const toolsList = (): Tool[] => (listing ??= selected.map((tool) => tool.listing()));

  return ({ era }) => {
    const server = new McpServer(
      { name: "cronicorn-mcp", title: "Cronicorn", version: options.version },
      { capabilities: { logging: {} }, instructions: SERVER_INSTRUCTIONS, requestState: { verify: codec.verify } },
    );
    current = { server, era };
    const host = toolHost({ server, era, codec, digestKey, runtime: getRuntime, logger, confirm: config.ok ? config.config.confirm : "destructive", inCall });
    for (const tool of selected) tool.register(server, host);
    serveToolsList(server, toolsList);
    registerGuides(server);
    status.attach(server, era);
    registerPrompts(server, { readOnly: config.ok && config.config.readOnly });
    return server;
  };
}

export interface ToolHostOptions {
  server: McpServer;
  era: Era;
  /** Signs and checks the state a round leaves for the next one (one key per process). */
  codec: { mint(state: RoundState): Promise<string> };
  digestKey: Uint8Array;
  runtime(): Promise<Runtime>;
  logger: Logger;
  confirm: "destructive" | "never";
  /** Where the call in progress is kept, so what it logs reaches its client (2026 era). */
  inCall?: AsyncLocalStorage<{ ctx: ServerContext; live: boolean }>;
}

/** What the tools of one server instance (one connection, one era) are given: src/tools/define.ts. */
export function toolHost(options: ToolHostOptions): ToolHost {
  const { server, era, codec, digestKey, inCall } = options;
  return {
    runtime: options.runtime,
    logger: options.logger,
    confirm: options.confirm,
    mint: (state) => codec.mint(state),
    digest: (name, args) => callDigest(digestKey, name, args),
    round: (ctx) => roundOf(ctx, era, server),
    mapStack,
    ...(inCall
      ? {
          async inCall<T>(ctx: ServerContext, run: () => Promise<T>): Promise<T> {
            const call = { ctx, live: true };
            try {
              return await inCall.run(call, run);
            } finally {
              call.live = false;
            }
          },
        }
      : {}),
  };
}

/** How a call arrived: its era, what its client declared it can show (per request in 2026, per connection before), and the rounds so far. */
function roundOf(ctx: ServerContext, era: Era, server: McpServer): CallRound {
  const capabilities: ClientCapabilities | undefined =
    era === "modern"
      ? ((ctx.mcpReq.envelope as Record<string, unknown> | undefined)?.[CLIENT_CAPABILITIES_META_KEY] as ClientCapabilities | undefined)
      : server.server.getClientCapabilities();
  const elicitation = capabilities?.elicitation;
  // A bare `elicitation: {}` means form elicitation (its meaning before modes existed).
  const canConfirm = elicitation !== undefined && (elicitation.form !== undefined || Object.keys(elicitation).length === 0);
  const canOpenUrl = elicitation?.url !== undefined;
  const state = roundState(ctx.mcpReq.requestState());
  return {
    era,
    canConfirm,
    canOpenUrl,
    responses: ctx.mcpReq.inputResponses,
    state,
    ...(era === "legacy" && canOpenUrl ? { push: pushChannel(server) } : {}),
  };
}

/** The SDK verified the signature and expiry; this checks it is a state this server mints. */
function roundState(value: unknown): RoundState | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const { call, confirmed } = value as Record<string, unknown>;
  if (typeof call !== "string") return undefined;
  return { call, ...(confirmed === true ? { confirmed: true as const } : {}) };
}

/** A 2025-era client that declared URL mode: the sign-in link is pushed as a URL elicitation. */
function pushChannel(server: McpServer): LinkChannel {
  return {
    elicitUrl: async (elicitationId, url, message) => (await server.server.elicitInput({ mode: "url", elicitationId, url, message })).action,
    completeElicitation: async (elicitationId) => server.server.createElicitationCompletionNotifier(elicitationId)(),
  };
}

/** The generated answer, or (running from source) our own listing of the definitions, built once. */
function serveToolsList(server: McpServer, tools: () => Tool[]): void {
  // registerTool installed the SDK's own handler, which converts the schemas on every request and
  // lists them without the compaction of src/tools/listing.ts.
  server.server.removeRequestHandler("tools/list");
  server.server.setRequestHandler("tools/list", () => ({ tools: tools() }));
}
