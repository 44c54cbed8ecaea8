/**
 * The stdio server process: configuration, the exits that first finish saving credentials, the
 * start-up answers, and the hand-over to the MCP SDK at the first message they do not cover.
 * Nothing but JSON-RPC may reach stdout from here on.
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

  const answers = readStaticAnswers(pkg.version);
  const tools = answers ? selectTools(answers.tools, config) : undefined;
  // The MCP SDK, zod and the tools load here: at the first message the start-up answers do not cover.
  const startServer = async (input?: Readable) => {
    const { connectServer } = await import("./server.js");
    await connectServer(
      {
        version: pkg.version,
        config,
        logger,
        loadRuntime: async (ui) => {
          if (!config.ok) throw new Error("unreachable: tools report configuration problems before loading the runtime");
          return (await import("../runtime.js")).loadRuntime(config.config, logger, ui);
        },
        ...(tools ? { toolsList: tools.map((t) => t.tool) } : {}),
      },
      input,
      (transport) => shutdown.watch(transport),
    );
  };
  // Without generated answers (running from source), the SDK server answers everything.
  if (!answers || !tools) return startServer();
  serveFront({
    input: process.stdin,
    output: process.stdout,
    answers,
    tools,
    handOff: (input) => {
      startServer(input).catch((error: unknown) => {
        logger.error(`Could not start the MCP server: ${error instanceof Error ? error.message : String(error)}`);
        process.exit(1);
      });
    },
  });
}
