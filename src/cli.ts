/**
 * The bin's entry: this process, as a terminal, to src/terminal/main.ts (argv → command). With no
 * command (how MCP clients start it) the server speaks MCP on stdio and nothing else may write to stdout.
 */
// Static: serving MCP is the hot path (every client start); the terminal commands load on demand.
import { serve } from "./mcp/serve.js";
import { main } from "./terminal/main.js";

void main(process, serve);
