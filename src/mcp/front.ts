/**
 * The first answers of a session, before the MCP SDK is loaded: a client starts the server, sends
 * `initialize` and then `tools/list`, and waits. Both answers are generated at build time from the
 * real server (src/build/generate-answers.ts), so they are read, not computed, and loading the SDK, zod and
 * the tool modules waits until a message needs them. At the first other message the session is
 * handed to the SDK server: it sees the client's `initialize` and `initialized` again (its own
 * answer to that replay is dropped), then every byte of stdin from that message on, in order.
 */
import { PassThrough } from "node:stream";
import type { Readable, Writable } from "node:stream";
import type { StaticAnswers, StaticTool } from "./static-answers.js";

/** The id of the replayed `initialize`; a client's own ids never look like this. */
export const REPLAYED_INITIALIZE_ID = "cronicorn-mcp/replayed-initialize";

export interface FrontOptions {
  input: Readable;
  output: Writable;
  answers: StaticAnswers;
  /** The tools this configuration exposes. */
  tools: readonly StaticTool[];
  /** Starts the full server on `input`: the replay, then the rest of stdin. */
  handOff(input: Readable): void;
}

type Message = { jsonrpc?: unknown; id?: unknown; method?: unknown; params?: unknown };

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/** `initialize` params the SDK would accept; anything else goes to the SDK, which answers with the precise error. */
function isInitializeParams(params: unknown): params is { protocolVersion: string } {
  if (!isObject(params) || typeof params.protocolVersion !== "string" || !isObject(params.capabilities)) return false;
  const info = params.clientInfo;
  return isObject(info) && typeof info.name === "string" && typeof info.version === "string";
}

function parse(line: string): Message | undefined {
  try {
    const message: unknown = JSON.parse(line);
    return isObject(message) && message.jsonrpc === "2.0" ? message : undefined;
  } catch {
    return undefined;
  }
}

export function serveFront(options: FrontOptions): void {
  const { input, output, answers } = options;
  const tools = options.tools.map((t) => t.tool);
  const replay: Message[] = [];
  let pending: Buffer = Buffer.alloc(0);

  const reply = (id: unknown, result: unknown) => output.write(`${JSON.stringify({ jsonrpc: "2.0", id, result })}\n`);

  /** Answers `message` if it is one of ours; false hands the session over. */
  const answer = (message: Message): boolean => {
    const hasId = typeof message.id === "string" || typeof message.id === "number";
    if (message.method === "initialize" && hasId && replay.length === 0 && isInitializeParams(message.params)) {
      const requested = message.params.protocolVersion;
      // The SDK's negotiation: the client's version when supported, else the latest.
      const protocolVersion = answers.protocol.supported.includes(requested) ? requested : answers.protocol.latest;
      reply(message.id, { protocolVersion, ...answers.initialize });
      replay.push({ ...message, id: REPLAYED_INITIALIZE_ID });
      return true;
    }
    if (message.method === "notifications/initialized" && message.id === undefined && replay.length === 1) {
      replay.push(message);
      return true;
    }
    if (message.method === "tools/list" && hasId) {
      reply(message.id, { tools });
      return true;
    }
    return false;
  };

  const handOff = () => {
    input.off("data", onData);
    input.pause();
    const rest = new PassThrough();
    for (const message of replay) rest.write(`${JSON.stringify(message)}\n`);
    if (pending.length > 0) rest.write(pending);
    input.pipe(rest);
    options.handOff(rest);
  };

  function onData(chunk: Buffer): void {
    pending = pending.length > 0 ? Buffer.concat([pending, chunk]) : chunk;
    for (let nl = pending.indexOf(10); nl >= 0; nl = pending.indexOf(10)) {
      const message = parse(pending.toString("utf8", 0, nl).replace(/\r$/, ""));
      if (!message || !answer(message)) return handOff();
      pending = pending.subarray(nl + 1);
    }
  }

  input.on("data", onData);
}
