/**
 * Build step (run by tsup after bundling): asks the real server, built from the same zod definitions,
 * for its `initialize` and `tools/list` answers over an in-memory transport, and writes them to
 * dist/static-answers.json for the start-up path (src/mcp/front.ts). Nothing here ships in the bundle.
 */
import fs from "node:fs";
import path from "node:path";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { LATEST_PROTOCOL_VERSION, SUPPORTED_PROTOCOL_VERSIONS } from "@modelcontextprotocol/sdk/types.js";
import type { InitializeResult, JSONRPCMessage, Tool } from "@modelcontextprotocol/sdk/types.js";
import { loadConfig } from "../config/config.js";
import type { ConfigResult } from "../config/config.js";
import { ALL_TOOLS, buildServer } from "../mcp/server.js";
import { STATIC_ANSWERS_FILE } from "../mcp/static-answers.js";
import type { StaticAnswers } from "../mcp/static-answers.js";

const quiet = { debug() {}, info() {}, warn() {}, error() {}, addSink() {} };

/** What the SDK server answers to `initialize` and `tools/list`, as raw JSON-RPC results. */
export async function askServer(version: string, config: ConfigResult): Promise<{ initialize: InitializeResult; tools: Tool[] }> {
  const server = buildServer({ version, config, logger: quiet, loadRuntime: () => Promise.reject(new Error("not at build time")) });
  const [client, serverSide] = InMemoryTransport.createLinkedPair();
  const results = new Map<unknown, unknown>();
  client.onmessage = (message: JSONRPCMessage) => {
    if ("id" in message && "result" in message) results.set(message.id, message.result);
  };
  await server.connect(serverSide);
  await client.start();
  await client.send({
    jsonrpc: "2.0",
    id: 1,
    method: "initialize",
    params: { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: "build", version } },
  });
  await client.send({ jsonrpc: "2.0", method: "notifications/initialized" });
  await client.send({ jsonrpc: "2.0", id: 2, method: "tools/list", params: {} });
  // The in-memory transport delivers synchronously, but handlers are async: wait for both answers.
  for (let i = 0; i < 100 && results.size < 2; i++) await new Promise((resolve) => setImmediate(resolve));
  await server.close();
  const initialize = results.get(1) as InitializeResult | undefined;
  const list = results.get(2) as { tools: Tool[] } | undefined;
  if (!initialize || !list) throw new Error("the server did not answer initialize and tools/list");
  return { initialize, tools: list.tools };
}

export async function generateStaticAnswers(version: string): Promise<StaticAnswers> {
  // Every tool, as a valid default configuration exposes them; the start-up path filters by mode.
  const { initialize, tools } = await askServer(version, loadConfig({}));
  const { protocolVersion: _negotiated, ...rest } = initialize;
  const byName = new Map(ALL_TOOLS.map((t) => [t.name, t]));
  return {
    version,
    protocol: { latest: LATEST_PROTOCOL_VERSION, supported: [...SUPPORTED_PROTOCOL_VERSIONS] },
    initialize: rest,
    tools: tools.map((tool) => {
      const definition = byName.get(tool.name);
      if (!definition) throw new Error(`tools/list names ${tool.name}, which no definition has`);
      return { group: definition.group, readOnly: definition.readOnly, tool };
    }),
  };
}

export async function writeStaticAnswers(outDir: string, version: string): Promise<string> {
  const file = path.join(outDir, STATIC_ANSWERS_FILE);
  fs.writeFileSync(file, JSON.stringify(await generateStaticAnswers(version)));
  return file;
}
