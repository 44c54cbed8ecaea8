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
import { asksForToolSubset, serveBeforeLoading } from "../../../src/mcp/fast-start.js";
import type { PreparedServer } from "../../../src/mcp/serve.js";
import { openingAnswersOf, type StaticAnswers } from "../../../src/mcp/static-answers.js";
import { selectTools } from "../../../src/tools/select.js";

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

describe("loading the rest of the server", () => {
  const line = (message: object) => `${JSON.stringify({ jsonrpc: "2.0", ...message })}\n`;

  function start() {
    const input = new PassThrough();
    const output = new PassThrough();
    const written: Array<{ id?: unknown }> = [];
    output.on("data", (chunk: Buffer) =>
      chunk
        .toString("utf8")
        .split("\n")
        .filter(Boolean)
        .forEach((l) => written.push(JSON.parse(l) as { id?: unknown })),
    );
    const server: PreparedServer = { front: undefined, start: vi.fn(), stop: vi.fn() };
    const load = vi.fn(() => Promise.resolve(server));
    const fail = vi.fn();
    serveBeforeLoading({ input, output, answers: openingAnswersOf(answers), load, fail });
    return { input, output, written, server, load, fail };
  }
  const settle = () => new Promise((resolve) => setImmediate(resolve));

  it("answers a discovery without loading anything", async () => {
    const s = start();
    s.input.write(line({ id: 1, method: "server/discover", params: { _meta: modernMeta() } }));
    await settle();
    expect(s.written.map((m) => m.id)).toEqual([1]);
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
    expect(legacy.written.map((m) => m.id)).toEqual([1, 2, 3]);
    expect(legacy.load).toHaveBeenCalledTimes(1);
    expect(legacy.server.start).not.toHaveBeenCalled();
  });

  it("hands the first message it does not answer to the loaded server, loading it then if need be", async () => {
    const s = start();
    s.input.write(line({ id: 7, method: "tools/call", params: { name: "list_jobs", arguments: {}, _meta: modernMeta() } }));
    await settle();
    expect(s.load).toHaveBeenCalledTimes(1);
    expect(s.server.start).toHaveBeenCalledTimes(1);
    expect(s.written).toEqual([]);
  });

  it("ends through the server's exits when stdout fails before anything loaded", async () => {
    const s = start();
    s.output.emit("error", new Error("EPIPE"));
    await settle();
    expect(s.server.stop).toHaveBeenCalledWith("stdout closed");
  });

  it("reports a server that cannot load, once", async () => {
    const input = new PassThrough();
    const fail = vi.fn();
    serveBeforeLoading({ input, output: new PassThrough(), answers: openingAnswersOf(answers), load: () => Promise.reject(new Error("gone")), fail });
    input.write(line({ id: 1, method: "tools/list", params: { _meta: modernMeta() } }) + line({ id: 2, method: "ping", params: { _meta: modernMeta() } }));
    await settle();
    expect(fail).toHaveBeenCalledTimes(1);
    expect(fail).toHaveBeenCalledWith(new Error("gone"));
  });
});
