/**
 * The first answers of a session, before the MCP SDK is loaded. A client starts the server and waits
 * for `initialize` and `tools/list` (2025-era clients) or `server/discover` and `tools/list` (2026-07-28
 * clients, whose every request carries its protocol version and capabilities in `_meta`). Those answers
 * are generated at build time from the real server (src/build/generate-answers.ts), so here they are
 * read, not computed, and the SDK, zod and the tools load only when a message needs them.
 *
 * The front answers only messages it can prove the SDK would accept and answer the same way (shapes
 * checked against the SDK's own wire schemas, conservatively: anything unusual is left to the SDK).
 * At the first other message the session is handed to the SDK: it first sees a replay that puts it in
 * the same state (the client's `initialize`/`initialized`, or one 2026 request; its answers to the
 * replay are dropped by id), then every byte of stdin from that message on, in order. A line longer
 * than the SDK's limit is handed over as it grows, so the SDK refuses it from the first byte.
 *
 * The front reads what it is given (`feed`: blocking reads in the process, src/mcp/fast-start.ts) or
 * listens to stdin as a stream. This module does not load node:stream, which is most of what a stream
 * costs at start-up: the server joins what is handed over (src/mcp/stdio-transport.ts).
 */
import type { Readable, Writable } from "node:stream";
import type { JsonObject, StaticAnswers } from "./static-answers.js";

/** The SDK's stdio line limit (STDIO_DEFAULT_MAX_BUFFER_SIZE): a longer message closes the connection. */
export const MAX_LINE_BYTES = 10 * 1024 * 1024;

/** The session as the front hands it over: the replay and the bytes read but not answered, then the rest of stdin (paused). */
export interface HandOff {
  head: Buffer;
  input: Readable;
  /** The ids of the replayed requests: the SDK's answers to them are dropped. */
  replayIds: ReadonlySet<string>;
}

export interface FrontOptions {
  /** stdin as a stream, listened to or handed over: called only when needed (creating process.stdin has a cost of its own). */
  input(): Readable;
  /** Writes one answer (a line) to stdout. */
  write(text: string): void;
  answers: Pick<StaticAnswers, "legacy" | "modern">;
  /** The `tools/list` entries of the tools this configuration exposes, as a JSON array: sent as it is, never parsed here. */
  toolsJson: string;
  /** Starts the full server on what the front hands over. */
  handOff(handed: HandOff): void;
  /**
   * Called once, right after the first `tools/list` answer: the opening exchange is over in either era, and
   * the next message is most likely a tool call, so this is the moment to start loading the full server.
   */
  opened?(): void;
}

export interface Front {
  /** Takes the next bytes of stdin, read by the caller. */
  feed(chunk: Buffer): void;
  /** Reads the rest of stdin from the stream (nothing once handed over). */
  listen(): void;
  /** Still in the opening exchange: no `tools/list` answered and nothing handed over, so nothing to do but wait for the next message. */
  inOpening(): boolean;
}

type Message = { jsonrpc: "2.0"; id?: string | number; method: string; params?: JsonObject };

/** Where the opening exchange stands, as the SDK's stdio entry would see it. */
type Phase = "opening" | "probed" | "initializing" | "legacy" | "modern";

const PROTOCOL_VERSION = "io.modelcontextprotocol/protocolVersion";
const CLIENT_CAPABILITIES = "io.modelcontextprotocol/clientCapabilities";
const CLIENT_INFO = "io.modelcontextprotocol/clientInfo";
const LOG_LEVEL = "io.modelcontextprotocol/logLevel";
const LOG_LEVELS = new Set(["debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"]);

const isObject = (value: unknown): value is JsonObject => typeof value === "object" && value !== null && !Array.isArray(value);
const isString = (value: unknown): value is string => typeof value === "string";
const keysWithin = (value: JsonObject, allowed: readonly string[]) => Object.keys(value).every((key) => allowed.includes(key));
const optional = (value: unknown, check: (v: unknown) => boolean) => value === undefined || check(value);
/** A JSON object whose values are JSON objects (`experimental`, `extensions`). */
const objectOfObjects = (value: unknown) => isObject(value) && Object.values(value).every(isObject);

/** ClientCapabilities, restricted to the plain shapes the SDK's schema certainly accepts as given. */
function isSimpleCapabilities(value: unknown): boolean {
  if (!isObject(value) || !keysWithin(value, ["experimental", "sampling", "elicitation", "roots", "extensions"])) return false;
  const { experimental, sampling, elicitation, roots, extensions } = value;
  return (
    optional(experimental, objectOfObjects) &&
    optional(extensions, objectOfObjects) &&
    optional(sampling, (s) => isObject(s) && keysWithin(s, ["context", "tools"]) && Object.values(s).every(isObject)) &&
    optional(roots, (r) => isObject(r) && keysWithin(r, ["listChanged"]) && optional(r.listChanged, (b) => typeof b === "boolean")) &&
    optional(
      elicitation,
      (e) =>
        isObject(e) &&
        keysWithin(e, ["form", "url"]) &&
        optional(e.form, (f) => isObject(f) && optional(f.applyDefaults, (b) => typeof b === "boolean")) &&
        optional(e.url, isObject),
    )
  );
}

/** Implementation (clientInfo), without the optional icons. */
function isSimpleImplementation(value: unknown): boolean {
  return (
    isObject(value) &&
    keysWithin(value, ["name", "version", "title", "description", "websiteUrl"]) &&
    Object.values(value).every(isString) &&
    isString(value.name) &&
    isString(value.version)
  );
}

const isProgressToken = (value: unknown) => isString(value) || Number.isInteger(value);

/** A JSON-RPC request or notification as the SDK's strict schema reads it; undefined for anything else. */
function parse(line: string): Message | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (!isObject(value) || !keysWithin(value, ["jsonrpc", "id", "method", "params"]) || value.jsonrpc !== "2.0" || !isString(value.method)) return undefined;
  if ("id" in value && !isString(value.id) && !Number.isInteger(value.id)) return undefined;
  if ("params" in value && !isObject(value.params)) return undefined;
  return value as Message;
}

/** Params of a 2025-era `tools/list`: nothing, or only a progress token in `_meta`. */
function isLegacyListParams(params: JsonObject | undefined): boolean {
  if (params === undefined) return true;
  if (!keysWithin(params, ["_meta"])) return false;
  return optional(params._meta, (m) => isObject(m) && keysWithin(m, ["progressToken"]) && optional(m.progressToken, isProgressToken));
}

/** Params carrying a valid 2026-07-28 envelope (and nothing else); the revision is checked by the caller. */
function modernRevision(params: JsonObject | undefined): string | undefined {
  if (!params || !keysWithin(params, ["_meta"]) || !isObject(params._meta)) return undefined;
  const meta = params._meta;
  if (!keysWithin(meta, [PROTOCOL_VERSION, CLIENT_CAPABILITIES, CLIENT_INFO, LOG_LEVEL, "progressToken"])) return undefined;
  const valid =
    isString(meta[PROTOCOL_VERSION]) &&
    isSimpleCapabilities(meta[CLIENT_CAPABILITIES]) &&
    optional(meta[CLIENT_INFO], isSimpleImplementation) &&
    optional(meta[LOG_LEVEL], (l) => isString(l) && LOG_LEVELS.has(l)) &&
    optional(meta.progressToken, isProgressToken);
  return valid ? (meta[PROTOCOL_VERSION] as string) : undefined;
}

/** `initialize` params the SDK accepts as a 2025-era opening (no envelope claim). */
function isLegacyInitialize(params: JsonObject | undefined): params is { protocolVersion: string } & JsonObject {
  return (
    params !== undefined &&
    keysWithin(params, ["protocolVersion", "capabilities", "clientInfo"]) &&
    isString(params.protocolVersion) &&
    isSimpleCapabilities(params.capabilities) &&
    isSimpleImplementation(params.clientInfo)
  );
}

/**
 * 128 random bits in hex. Math.random, not node:crypto: these ids guard against a chance collision, not an
 * adversary (a client that reused one would only confuse its own session), and node:crypto (17 internal
 * modules) would add 1–2 ms before the first answer, up to a tenth of a bare Node start.
 */
const randomHex = () =>
  Array.from({ length: 4 }, () =>
    Math.floor(Math.random() * 2 ** 32)
      .toString(16)
      .padStart(8, "0"),
  ).join("");

export function openFront(options: FrontOptions): Front {
  const { answers, toolsJson, write } = options;
  // Ids of the replayed requests: random, so no client id can equal one (and a client id that did is still answered).
  const replayId = `cronicorn-mcp/replay-${randomHex()}`;
  const replay: Message[] = [];
  let phase: Phase = "opening";
  let chunks: Buffer[] = [];
  let pendingBytes = 0;
  let opened = false;
  let handedOff = false;

  const listed = () => {
    if (opened) return;
    opened = true;
    options.opened?.();
  };
  const reply = (id: string | number, result: JsonObject) => write(`${JSON.stringify({ jsonrpc: "2.0", id, result })}\n`);
  /** `reply(id, { tools, ...extras })` with the tools' JSON spliced in, the same text JSON.stringify would give. */
  const replyTools = (id: string | number, extras: JsonObject) => {
    const more = JSON.stringify(extras).slice(1, -1);
    write(`{"jsonrpc":"2.0","id":${JSON.stringify(id)},"result":{"tools":${toolsJson}${more && `,${more}`}}}\n`);
  };
  const isModern = (params: JsonObject | undefined) => {
    const revision = modernRevision(params);
    return revision !== undefined && answers.modern.supported.includes(revision);
  };

  /** Answers `message` if it is one of ours in this phase; false hands the session over. */
  const answer = (message: Message): boolean => {
    const { id, method, params } = message;
    const request = id !== undefined && id !== replayId;
    if (method === "server/discover" && request && (phase === "opening" || phase === "probed") && isModern(params)) {
      reply(id, answers.modern.discover);
      phase = "probed";
      return true;
    }
    if (method === "initialize" && request && (phase === "opening" || phase === "probed") && isLegacyInitialize(params)) {
      // The SDK's negotiation: the client's version when supported, else its fallback.
      const protocolVersion = answers.legacy.supported.includes(params.protocolVersion) ? params.protocolVersion : answers.legacy.fallback;
      reply(id, { protocolVersion, ...answers.legacy.initialize });
      replay.push({ ...message, id: replayId });
      phase = "initializing";
      return true;
    }
    if (method === "notifications/initialized" && id === undefined && phase === "initializing" && (params === undefined || Object.keys(params).length === 0)) {
      replay.push(message);
      phase = "legacy";
      return true;
    }
    if (method === "tools/list" && request && phase === "legacy" && isLegacyListParams(params)) {
      replyTools(id, {});
      listed();
      return true;
    }
    if (method === "tools/list" && request && (phase === "opening" || phase === "probed" || phase === "modern") && isModern(params)) {
      replyTools(id, answers.modern.listExtras);
      // Handing over, the SDK must be pinned to this era as it is now: one 2026 request, its answer dropped.
      if (phase !== "modern") replay.push({ ...message, id: replayId });
      phase = "modern";
      listed();
      return true;
    }
    return false;
  };

  const handOff = () => {
    handedOff = true;
    const input = options.input();
    input.off("data", feed);
    input.pause();
    const head = Buffer.concat([...replay.map((message) => Buffer.from(`${JSON.stringify(message)}\n`)), ...chunks]);
    options.handOff({ head, input, replayIds: new Set([replayId]) });
  };

  function feed(chunk: Buffer): void {
    if (handedOff) return;
    // Only the new chunk is searched for a line end: a long line costs its length once, not once per chunk.
    let nl = chunk.indexOf(10);
    if (nl < 0) {
      if (pendingBytes + chunk.length > MAX_LINE_BYTES) {
        chunks.push(chunk);
        return handOff();
      }
      chunks.push(chunk);
      pendingBytes += chunk.length;
      return;
    }
    let rest = chunk;
    while (nl >= 0) {
      const line = Buffer.concat([...chunks, rest.subarray(0, nl)])
        .toString("utf8")
        .replace(/\r$/, "");
      const message = parse(line);
      if (!message || !answer(message)) {
        chunks = [...chunks, rest];
        return handOff();
      }
      chunks = [];
      pendingBytes = 0;
      rest = rest.subarray(nl + 1);
      nl = rest.indexOf(10);
    }
    if (rest.length > 0) {
      chunks = [rest];
      pendingBytes = rest.length;
      if (pendingBytes > MAX_LINE_BYTES) handOff();
    }
  }

  return {
    feed,
    listen: () => void (handedOff || options.input().on("data", feed)),
    inOpening: () => !opened && !handedOff,
  };
}

/** The front on stdin and stdout as streams (the server started without the fast start: src/mcp/serve.ts). */
export function serveFront(options: Omit<FrontOptions, "input" | "write"> & { input: Readable; output: Writable }): void {
  const { input, output, ...rest } = options;
  openFront({ ...rest, input: () => input, write: (text) => void output.write(text) }).listen();
}
