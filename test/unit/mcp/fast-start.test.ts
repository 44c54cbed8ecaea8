/**
 * The fast start: the front answers before the configuration is read, which is right only when the
 * configuration cannot change the tool list; and the rest of the server loads once, when the opening
 * exchange is over or a message needs it, never for a lone discovery.
 */
import { PassThrough } from "node:stream";
import { beforeAll, describe, expect, it, vi } from "vitest";
import pkg from "../../../package.json" with { type: "json" };
import { generateStaticAnswers, modernMeta } from "../../../src/build/generate-answers.js";
import { loadConfig } from "../../../src/config/config.js";
import type { ConfigOverrides } from "../../../src/config/config.js";
import type { BlockingStdio } from "../../../src/mcp/blocking-stdio.js";
import { asksForToolSubset, serveBeforeLoading } from "../../../src/mcp/fast-start.js";
import type { PreparedServer } from "../../../src/mcp/serve.js";
import { openingAnswersOf, type StaticAnswers } from "../../../src/mcp/static-answers.js";
import { selectTools } from "../../../src/tools/select.js";
import { line } from "../../helpers/front-harness.js";

let answers: StaticAnswers;
beforeAll(async () => {
  answers = await generateStaticAnswers(pkg.version);
});

describe("whether the tool list depends on the configuration", () => {
  const environments: NodeJS.ProcessEnv[] = [
    {},
    { CRONICORN_API_KEY: "k-123456", CRONICORN_API_URL: "http://127.0.0.1:9/api" },
    { CRONICORN_API_URL: "ftp://nowhere" }, // broken
    { CRONICORN_LOG_LEVEL: "loud", CRONICORN_TIMEOUT_MS: "-1" }, // broken
    { CRONICORN_READ_ONLY: "   ", CRONICORN_TOOLS: "" }, // blank is not set
  ];

  it.each(environments)("lists every tool, valid or broken, when nothing asks for a subset: %o", (env) => {
    expect(asksForToolSubset(env, {})).toBe(false);
    expect(selectTools(answers.tools, loadConfig(env))).toEqual(answers.tools);
  });

  it.each<[NodeJS.ProcessEnv, ConfigOverrides]>([
    [{ CRONICORN_READ_ONLY: "1" }, {}],
    [{ CRONICORN_READ_ONLY: "0" }, {}],
    [{ CRONICORN_TOOLS: "jobs" }, {}],
    [{}, { readOnly: true }],
    [{}, { toolGroups: "jobs,runs" }],
  ])("waits for the configuration when the environment or the command line names a subset: %o %o", (env, overrides) => {
    expect(asksForToolSubset(env, overrides)).toBe(true);
  });
});

const settle = () => new Promise((resolve) => setImmediate(resolve));
const LIST = line({ id: 1, method: "tools/list", params: { _meta: modernMeta() } });
const INITIALIZE = line({ id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "c", version: "1" } } });
const CALL = line({ id: 7, method: "tools/call", params: { name: "list_jobs", arguments: {}, _meta: modernMeta() } });

/** Blocking stdio as a script: each read takes the next entry (bytes, "end" for the end of stdin, "stream" for a stdin that cannot be read so). */
function scriptedBlocking(reads: Array<string | "end" | "stream">, write: (text: string) => Buffer = () => Buffer.alloc(0)) {
  const written: string[] = [];
  let readCount = 0;
  const blocking: BlockingStdio = {
    read: () => {
      const next = reads[readCount++];
      if (next === undefined) throw new Error("the test's script has no more reads: the front should not have waited here");
      if (next === "stream") return undefined;
      return next === "end" ? Buffer.alloc(0) : Buffer.from(next);
    },
    write: (text) => {
      written.push(text);
      return write(text);
    },
  };
  return { blocking, written, reads: () => readCount };
}

function start(blocking?: BlockingStdio) {
  const input = new PassThrough();
  const output = new PassThrough();
  let streamed = "";
  output.on("data", (chunk: Buffer) => void (streamed += chunk.toString("utf8")));
  /** The ids of the answers written through the stream. */
  const streamedIds = () =>
    streamed
      .split("\n")
      .filter(Boolean)
      .map((l) => (JSON.parse(l) as { id?: unknown }).id);
  const server: PreparedServer = { front: undefined, start: vi.fn(), stop: vi.fn() };
  const load = vi.fn(() => Promise.resolve(server));
  const fail = vi.fn();
  const streams = { input: vi.fn(() => input), output: vi.fn(() => output) };
  serveBeforeLoading({ ...streams, blocking, answers: openingAnswersOf(answers), load, fail });
  return { input, output, streamedIds, streamedText: () => streamed, server, load, fail, streams };
}

describe("loading the rest of the server", () => {
  it("answers a discovery without loading anything", async () => {
    const s = start();
    s.input.write(line({ id: 1, method: "server/discover", params: { _meta: modernMeta() } }));
    await settle();
    expect(s.streamedIds()).toEqual([1]);
    expect(s.load).not.toHaveBeenCalled();
  });

  it("starts loading once, right after the first tools/list answer, in either era", async () => {
    const modern = start();
    modern.input.write(line({ id: 1, method: "tools/list", params: { _meta: modernMeta() } }));
    await settle();
    expect(modern.load).toHaveBeenCalledTimes(1);

    const legacy = start();
    legacy.input.write(
      line({ id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "c", version: "1" } } }),
    );
    await settle();
    expect(legacy.load).not.toHaveBeenCalled();
    legacy.input.write(line({ method: "notifications/initialized" }) + line({ id: 2, method: "tools/list" }) + line({ id: 3, method: "tools/list" }));
    await settle();
    expect(legacy.streamedIds()).toEqual([1, 2, 3]);
    expect(legacy.load).toHaveBeenCalledTimes(1);
    expect(legacy.server.start).not.toHaveBeenCalled();
  });

  it("hands the first message it does not answer to the loaded server, loading it then if need be", async () => {
    const s = start();
    s.input.write(line({ id: 7, method: "tools/call", params: { name: "list_jobs", arguments: {}, _meta: modernMeta() } }));
    await settle();
    expect(s.load).toHaveBeenCalledTimes(1);
    expect(s.server.start).toHaveBeenCalledTimes(1);
    expect(s.streamedIds()).toEqual([]);
  });

  it("ends through the server's exits when stdout fails before anything loaded", async () => {
    const s = start();
    s.input.write(line({ id: 1, method: "server/discover", params: { _meta: modernMeta() } }));
    await settle();
    s.output.emit("error", new Error("EPIPE"));
    await settle();
    expect(s.server.stop).toHaveBeenCalledWith("stdout closed");
  });

  it("reports a server that cannot load, once", async () => {
    const input = new PassThrough();
    const fail = vi.fn();
    serveBeforeLoading({
      input: () => input,
      output: () => new PassThrough(),
      blocking: undefined,
      answers: openingAnswersOf(answers),
      load: () => Promise.reject(new Error("gone")),
      fail,
    });
    input.write(line({ id: 1, method: "tools/list", params: { _meta: modernMeta() } }) + line({ id: 2, method: "ping", params: { _meta: modernMeta() } }));
    await settle();
    expect(fail).toHaveBeenCalledTimes(1);
    expect(fail).toHaveBeenCalledWith(new Error("gone"));
  });
});

describe("the opening, read and written with blocking calls", () => {
  const systemError = (code: string) => Object.assign(new Error(code), { code });

  it("answers a 2026 opening without creating stdin or stdout, and listens to stdin once the server loads", async () => {
    const script = scriptedBlocking([LIST]);
    const s = start(script.blocking);
    expect(script.written.map((text) => (JSON.parse(text) as { id: unknown }).id)).toEqual([1]);
    expect(s.streams.output).not.toHaveBeenCalled();
    expect(s.streams.input).toHaveBeenCalledTimes(1);
    expect(s.load).toHaveBeenCalledTimes(1);
    // Later messages come through the stream, and the front still answers the ones it can.
    s.input.write(line({ id: 2, method: "tools/list", params: { _meta: modernMeta() } }));
    await settle();
    expect(s.streamedIds()).toEqual([2]);
  });

  it("waits for the rest of a 2025 opening, however it is cut, before anything else", () => {
    const rest = line({ method: "notifications/initialized" }) + line({ id: 2, method: "tools/list" });
    const script = scriptedBlocking([INITIALIZE.slice(0, 30), INITIALIZE.slice(30) + rest.slice(0, 5), rest.slice(5)]);
    const s = start(script.blocking);
    expect(script.reads()).toBe(3);
    expect(script.written.map((text) => (JSON.parse(text) as { id: unknown }).id)).toEqual([1, 2]);
    expect(s.streams.output).not.toHaveBeenCalled();
    expect(s.load).toHaveBeenCalledTimes(1);
  });

  it("creates nothing and loads nothing when stdin ends after a discovery", () => {
    const script = scriptedBlocking([line({ id: 1, method: "server/discover", params: { _meta: modernMeta() } }), "end"]);
    const s = start(script.blocking);
    expect(script.written).toHaveLength(1);
    expect(s.streams.input).not.toHaveBeenCalled();
    expect(s.load).not.toHaveBeenCalled();
  });

  it("hands over what it read, then stdin as a stream, at the first message it does not answer", async () => {
    const script = scriptedBlocking([CALL]);
    const s = start(script.blocking);
    await settle();
    expect(script.reads()).toBe(1);
    expect(s.server.start).toHaveBeenCalledWith({ head: Buffer.from(CALL), input: s.input, replayIds: expect.any(Set) as unknown });
    expect(s.input.isPaused()).toBe(true);
  });

  it("reads stdin as a stream, and writes it so, when stdin cannot be read blocking", async () => {
    const script = scriptedBlocking(["stream"]);
    const s = start(script.blocking);
    s.input.write(LIST);
    await settle();
    expect(script.written).toEqual([]);
    expect(s.streamedIds()).toEqual([1]);
  });

  it("writes what a full non-blocking stdout did not take through the stream, in order, and reads the stream from then on", async () => {
    const script = scriptedBlocking([INITIALIZE], (text) => Buffer.from(text).subarray(10));
    const s = start(script.blocking);
    expect(s.streams.output).toHaveBeenCalledTimes(1);
    expect(s.streams.input).toHaveBeenCalledTimes(1);
    s.input.write(line({ method: "notifications/initialized" }) + line({ id: 2, method: "tools/list" }));
    await settle();
    expect(script.written).toHaveLength(1);
    expect(s.streams.output).toHaveBeenCalledTimes(1);
    // The stream carries the first answer from its 11th byte (the first ten went out blocking), then the next.
    const [first = ""] = script.written;
    const text = s.streamedText();
    expect(text.startsWith(first.slice(10))).toBe(true);
    expect(JSON.parse(text.slice(first.length - 10))).toMatchObject({ id: 2 });
  });

  it("ends through the server's exits, once, when stdout is gone", async () => {
    const script = scriptedBlocking([INITIALIZE + line({ method: "notifications/initialized" }) + line({ id: 2, method: "tools/list" })], () => {
      throw systemError("EPIPE");
    });
    const s = start(script.blocking);
    await settle();
    // Nothing more is written, blocking or through a stream, once stdout is gone.
    expect(script.written).toHaveLength(1);
    expect(s.streams.output).not.toHaveBeenCalled();
    expect(s.server.stop).toHaveBeenCalledTimes(1);
    expect(s.server.stop).toHaveBeenCalledWith("stdout closed");
  });

  it("lets a bug in writing through, instead of taking it for a closed stdout", () => {
    const script = scriptedBlocking([LIST], () => {
      throw new TypeError("a bug");
    });
    expect(() => start(script.blocking)).toThrow("a bug");
  });
});
