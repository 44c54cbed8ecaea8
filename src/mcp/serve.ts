/**
 * The stdio server process: configuration, the exits that first finish saving credentials, the
 * start-up answers (src/mcp/front.ts), and the hand-over to the MCP SDK's stdio entry, which serves
 * both protocol eras from one factory (src/mcp/server.ts). Nothing but JSON-RPC may reach stdout.
 * CRONICORN_NO_FRONT=1 leaves every message to the SDK (to compare the two, or should the front misbehave).
 * The usual start runs the front before this module loads (src/start.ts) and calls `prepareServer`.
 */
import { fileURLToPath } from "node:url";
import pkg from "../../package.json" with { type: "json" };
import { loadConfig } from "../config/config.js";
import type { ConfigOverrides } from "../config/config.js";
import { installShutdown } from "../core/lifecycle.js";
import { createLogger } from "../core/log.js";
import { selectTools } from "../tools/select.js";
import { serveFront, type HandOff } from "./front.js";
import { readStaticAnswers } from "./static-answers.js";
import type { StaticAnswers } from "./static-answers.js";

export interface PreparedServer {
  /** What the front serves for this configuration; undefined without generated answers (then the SDK answers everything). */
  front: { answers: StaticAnswers; toolsJson: string } | undefined;
  /** Starts the SDK server on what the front hands over (its replay and the bytes it read, then the rest of stdin). */
  start(handed: HandOff): void;
  /** Ends the process the way every other exit does (held work first). */
  stop(reason: string): void;
}

/** Configuration, logging and the exits: everything the SDK server needs, ready before a message needs it. */
export function prepareServer(overrides: ConfigOverrides): PreparedServer {
  const config = loadConfig(process.env, overrides);
  const logger = createLogger(config.ok ? config.config.logLevel : "info");
  if (!config.ok) logger.error(`Configuration problem: ${config.problems.join("; ")}. Every tool call will report it until it is fixed.`);
  // Every way out (stdin closed, signals, a transport fault) first finishes saving credentials.
  const shutdown = installShutdown({ logger });
  // Generated next to the bundle: this module is in a chunk in dist/.
  const answers = process.env.CRONICORN_NO_FRONT === "1" ? undefined : readStaticAnswers(pkg.version, fileURLToPath(new URL(".", import.meta.url)));
  const tools = answers ? selectTools(answers.tools, config) : undefined;

  // The MCP SDK, zod and the tools load here: at the first message the start-up answers do not cover.
  const startServer = async (handed: HandOff) => {
    const [{ createServerFactory }, { serveStdio }, { ServedStdioTransport }] = await Promise.all([
      import("./server.js"),
      import("@modelcontextprotocol/server/stdio"),
      import("./stdio-transport.js"),
    ]);
    const factory = createServerFactory({
      version: pkg.version,
      config,
      logger,
      loadRuntime: async (ui) => {
        if (!config.ok) throw new Error("unreachable: tools report configuration problems before loading the runtime");
        return (await import("../runtime.js")).loadRuntime(config.config, logger, ui);
      },
      ...(tools ? { toolsList: tools.map((t) => t.tool as never) } : {}),
    });
    let lastError: Error | undefined;
    const transport = new ServedStdioTransport(handed, process.stdout, (fault) =>
      shutdown.transportClosed(fault ? (lastError ?? new Error("the transport failed")) : undefined),
    );
    serveStdio(factory, {
      transport,
      onerror: (error) => {
        lastError = error;
        logger.debug(`MCP: ${error.message}`);
      },
    });
  };
  return {
    front: answers && tools ? { answers, toolsJson: JSON.stringify(tools.map((t) => t.tool)) } : undefined,
    start: (handed) =>
      void startServer(handed).catch((error: unknown) => {
        logger.error(`Could not start the MCP server: ${error instanceof Error ? error.message : String(error)}`);
        process.exit(1);
      }),
    stop: (reason) => void shutdown.stop(reason),
  };
}

/** Serves MCP on stdio, the front included: the path when the process did not start with the front (src/start.ts). */
export async function serve(overrides: ConfigOverrides): Promise<void> {
  const server = prepareServer(overrides);
  // Without generated answers (running from source, or the front turned off), the SDK answers everything.
  if (!server.front) return server.start({ head: Buffer.alloc(0), input: process.stdin, replayIds: new Set() });
  serveFront({ input: process.stdin, output: process.stdout, ...server.front, handOff: server.start });
}
