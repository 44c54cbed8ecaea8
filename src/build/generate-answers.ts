/**
 * Build step (run by tsup after bundling): serves the real server factory through the SDK's own stdio
 * entry over an in-memory pair and asks it what it answers to a 2025-era `initialize` + `tools/list`
 * and to a 2026-07-28 `server/discover` + `tools/list`; writes the results to dist/ (src/mcp/static-answers.ts)
 * for the start-up path (src/mcp/front.ts). Nothing here ships in the bundle.
 */
import { InMemoryTransport, SUPPORTED_PROTOCOL_VERSIONS } from "@modelcontextprotocol/server";
import type { JSONRPCMessage } from "@modelcontextprotocol/server";
import { serveStdio } from "@modelcontextprotocol/server/stdio";
import { loadConfig } from "../config/config.js";
import type { ConfigResult } from "../config/config.js";
import { createServerFactory } from "../mcp/server.js";
import { writeStaticAnswersFiles } from "../mcp/static-answers.js";
import type { JsonObject, StaticAnswers } from "../mcp/static-answers.js";
import type { ToolDefinition } from "../tools/define.js";
import { TOOLS } from "../tools/registry.js";

const quiet = { debug() {}, info() {}, warn() {}, error() {}, addSink() {} };

/** The 2026-07-28 revision this build serves; the SDK's discover answer must name it. */
export const MODERN_REVISION = "2026-07-28";

/** A `_meta` envelope as a 2026-07-28 client sends it. */
export const modernMeta = (capabilities: JsonObject = {}) => ({
  "io.modelcontextprotocol/protocolVersion": MODERN_REVISION,
  "io.modelcontextprotocol/clientCapabilities": capabilities,
  "io.modelcontextprotocol/clientInfo": { name: "build", version: "1" },
});

/** Sends `messages` to a fresh stdio entry serving `config` (and `tools`), in order, and returns the results by id. */
export async function askServer(
  version: string,
  config: ConfigResult,
  messages: JSONRPCMessage[],
  tools: readonly ToolDefinition[] = TOOLS,
): Promise<Map<unknown, unknown>> {
  const factory = createServerFactory({ version, config, tools, logger: quiet, loadRuntime: () => Promise.reject(new Error("not at build time")) });
  const [client, serverSide] = InMemoryTransport.createLinkedPair();
  const answers = new Map<unknown, unknown>();
  client.onmessage = (message: JSONRPCMessage) => {
    if ("id" in message && ("result" in message || "error" in message)) answers.set(message.id, "result" in message ? message.result : message);
  };
  await client.start();
  const handle = serveStdio(factory, { transport: serverSide });
  const expected = messages.filter((m) => "id" in m).length;
  for (const message of messages) {
    await client.send(message);
    // Each message is handled in turn (the entry queues them), but handlers are async: let them run.
    for (let i = 0; i < 50; i++) await new Promise((resolve) => setImmediate(resolve));
  }
  for (let i = 0; i < 200 && answers.size < expected; i++) await new Promise((resolve) => setImmediate(resolve));
  await handle.close();
  if (answers.size < expected) throw new Error(`the server answered ${answers.size} of ${expected} requests`);
  return answers;
}

export async function generateStaticAnswers(version: string, tools: readonly ToolDefinition[] = TOOLS): Promise<StaticAnswers> {
  // Every tool, as a valid default configuration exposes them; the start-up path filters by mode.
  const config = loadConfig({});
  const legacy = await askServer(
    version,
    config,
    [
      { jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "1999-01-01", capabilities: {}, clientInfo: { name: "build", version } } },
      { jsonrpc: "2.0", method: "notifications/initialized" },
      { jsonrpc: "2.0", id: 2, method: "tools/list" },
    ],
    tools,
  );
  const modern = await askServer(
    version,
    config,
    [
      { jsonrpc: "2.0", id: 1, method: "server/discover", params: { _meta: modernMeta() } },
      { jsonrpc: "2.0", id: 2, method: "tools/list", params: { _meta: modernMeta() } },
    ],
    tools,
  );
  const { protocolVersion: fallback, ...initialize } = legacy.get(1) as JsonObject & { protocolVersion: string };
  const legacyTools = (legacy.get(2) as { tools: JsonObject[] }).tools;
  const discover = modern.get(1) as JsonObject & { supportedVersions: string[] };
  const { tools: modernTools, ...listExtras } = modern.get(2) as JsonObject & { tools: JsonObject[] };
  if (JSON.stringify(modernTools) !== JSON.stringify(legacyTools)) throw new Error("tools/list differs between the eras");
  if (!discover.supportedVersions?.includes(MODERN_REVISION)) throw new Error(`server/discover does not offer ${MODERN_REVISION}`);
  const byName = new Map(tools.map((t) => [t.name, t]));
  return {
    version,
    legacy: { supported: SUPPORTED_PROTOCOL_VERSIONS.filter((v) => v < MODERN_REVISION), fallback, initialize },
    modern: { supported: discover.supportedVersions, discover, listExtras },
    tools: legacyTools.map((tool) => {
      const definition = byName.get(tool.name as string);
      if (!definition) throw new Error(`tools/list names ${String(tool.name)}, which no definition has`);
      return { group: definition.group, readOnly: definition.readOnly, tool };
    }),
  };
}

export async function writeStaticAnswers(outDir: string, version: string): Promise<void> {
  writeStaticAnswersFiles(outDir, await generateStaticAnswers(version));
}
