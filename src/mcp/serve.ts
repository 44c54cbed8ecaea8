/**
 * The stdio server process: configuration, the exits that first finish saving credentials, the
 * start-up answers (src/mcp/front.ts), and the hand-over to the MCP SDK's stdio entry, which serves
 * both protocol eras from one factory (src/mcp/server.ts). Nothing but JSON-RPC may reach stdout.
 * CRONICORN_NO_FRONT=1 leaves every message to the SDK (to compare the two, or should the front misbehave).
 */
import type { Readable } from "node:stream";
import pkg from "../../package.json" with { type: "json" };
import { loadConfig } from "../config/config.js";
import type { ConfigOverrides } from "../config/config.js";
import { installShutdown } from "../core/lifecycle.js";
import { createLogger } from "../core/log.js";
import { selectTools } from "../tools/select.js";
import { serveFront } from "./front.js";
import { readStaticAnswers } from "./static-answers.js";

export async function serve(overrides: ConfigOverrides): Promise<void> {
  const config = loadConfig(process.env, overrides);
  const logger = createLogger(config.ok ? config.config.logLevel : "info");
  if (!config.ok) logger.error(`Configuration problem: ${config.problems.join("; ")}. Every tool call will report it until it is fixed.`);
  // Every way out (stdin closed, signals, a transport fault) first finishes saving credentials.
  const shutdown = installShutdown({ logger });

  const answers = process.env.CRONICORN_NO_FRONT === "1" ? undefined : readStaticAnswers(pkg.version);
  const tools = answers ? selectTools(answers.tools, config) : undefined;
  // The MCP SDK, zod and the tools load here: at the first message the start-up answers do not cover.
  const startServer = async (input: Readable, replayIds: ReadonlySet<string>) => {
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
    const transport = new ServedStdioTransport(input, process.stdout, replayIds, (fault) =>
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
  const start = (input: Readable, replayIds: ReadonlySet<string>) =>
    startServer(input, replayIds).catch((error: unknown) => {
      logger.error(`Could not start the MCP server: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    });
  // Without generated answers (running from source, or the front turned off), the SDK answers everything.
  if (!answers || !tools) return void start(process.stdin, new Set());
  serveFront({ input: process.stdin, output: process.stdout, answers, tools, handOff: start });
}
