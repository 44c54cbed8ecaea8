/**
 * The ES module bundle's entry (dist/cli.js). The process starts in src/start.ts (dist/start.cjs), which
 * runs `runCli` for a command, or for the MCP server's fast start only `prepareServer`. argv → command
 * lives in src/terminal/main.ts; this file only hands it this process and the server.
 */
// Static: serving MCP is the hot path (every client start); the terminal commands load on demand.
import { serve } from "./mcp/serve.js";
import { main } from "./terminal/main.js";

export { prepareServer } from "./mcp/serve.js";

/** Runs the command the process was started with. */
export function runCli(): void {
  void main(process, serve);
}
