/**
 * The start-up answers, in process, against the SDK itself: the same input goes once to the SDK's
 * stdio entry serving the real server factory, and once through the front into that same entry; every
 * answer must be the same JSON value, whether the front answered it or handed it over. Then the
 * mechanics the comparison cannot show: what is handed over, in which order, and when.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { PassThrough } from "node:stream";
import type { Readable } from "node:stream";
import { beforeAll, describe, expect, it, vi } from "vitest";
import pkg from "../../../package.json" with { type: "json" };
import { generateStaticAnswers, modernMeta } from "../../../src/build/generate-answers.js";
import { loadConfig, type ConfigResult } from "../../../src/config/config.js";
import { MAX_LINE_BYTES, serveFront } from "../../../src/mcp/front.js";
import { joinedInput } from "../../../src/mcp/stdio-transport.js";
import {
  openingAnswersOf,
  readOpeningAnswers,
  readStaticAnswers,
  STATIC_ANSWERS_FILE,
  TOOLS_LIST_FILE,
  writeStaticAnswersFiles,
  type StaticAnswers,
} from "../../../src/mcp/static-answers.js";
import { answersById, line, runFront, type FrontRun } from "../../helpers/front-harness.js";

const init = (protocolVersion: string, extra: Record<string, unknown> = {}) => ({
  id: 1,
  method: "initialize",
  params: { protocolVersion, capabilities: {}, clientInfo: { name: "c", version: "1" }, ...extra },
});
const initialized = { method: "notifications/initialized" };
const modern = (id: number | string, method: string, meta: object = modernMeta()) => ({ id, method, params: { _meta: meta } });

let answers: StaticAnswers;
beforeAll(async () => {
  answers = await generateStaticAnswers(pkg.version);
});

/** Feeds `input` to the SDK alone, or through the front, and collects stdout until the answer to `until`. */
const serve = (input: string, options: { front: boolean; until: string | number; config?: ConfigResult }) => runFront(input, { ...options, answers });

const byId = answersById;

async function expectSameAsSdk(input: string, until: string | number, config?: ConfigResult): Promise<FrontRun> {
  const alone = await serve(input, { front: false, until, ...(config ? { config } : {}) });
  const fronted = await serve(input, { front: true, until, ...(config ? { config } : {}) });
  expect(byId(fronted)).toEqual(byId(alone));
  expect(fronted.out.filter((m) => !("id" in m))).toEqual(alone.out.filter((m) => !("id" in m)));
  return fronted;
}

describe("the start-up answers are the SDK's answers", () => {
  const configs: Array<[string, ConfigResult]> = [
    ["default", loadConfig({})],
    ["read-only", loadConfig({ CRONICORN_READ_ONLY: "1" })],
    ["two tool groups", loadConfig({ CRONICORN_TOOLS: "jobs,runs" })],
    ["a broken configuration", loadConfig({ CRONICORN_API_URL: "not a url" })],
  ];

  it.each(configs)("2025 era, %s: initialize, initialized, tools/list, then what the SDK answers", async (_name, config) => {
    const run = await expectSameAsSdk(
      line(init("2025-06-18")) + line(initialized) + line({ id: 2, method: "tools/list" }) + line({ id: 3, method: "prompts/list" }),
      3,
      config,
    );
    expect(run.handedOver).toBeDefined(); // prompts/list went to the SDK
  });

  it.each(configs)("2026 era, %s: server/discover, tools/list, then what the SDK answers", async (_name, config) => {
    await expectSameAsSdk(line(modern(1, "server/discover")) + line(modern(2, "tools/list")) + line(modern(3, "resources/list")), 3, config);
  });

  it.each([
    ["the client's supported version", line(init("2025-03-26"))],
    ["an unknown version (the SDK offers its latest)", line(init("1999-01-01"))],
    ["a modern version without a modern envelope", line(init("2026-07-28"))],
  ])("negotiates like the SDK for %s", async (_name, first) => {
    await expectSameAsSdk(first + line(initialized) + line({ id: 2, method: "tools/list" }), 2);
  });

  it("serves a 2026 client that lists tools without discovering first, and one that probes then falls back to initialize", async () => {
    await expectSameAsSdk(line(modern(1, "tools/list")) + line(modern(2, "prompts/list")), 2);
    await expectSameAsSdk(line(modern(1, "server/discover")) + line(init("2025-06-18", {})) + line(initialized) + line({ id: 2, method: "tools/list" }), 2);
  });

  it.each([
    ["capabilities of the wrong shape", line(init("2025-06-18", { capabilities: { roots: { listChanged: "yes" } } }))],
    ["a clientInfo without a version", line(init("2025-06-18", { clientInfo: { name: "c" } }))],
    ["a protocol version that is a number", line(init("2025-06-18", { protocolVersion: 20250618 }))],
    ["a key JSON-RPC does not have", `${JSON.stringify({ jsonrpc: "2.0", ...init("2025-06-18"), extra: true })}\n`],
    ["a fractional id", line({ ...init("2025-06-18"), id: 1.5 })],
    ["a null id", line({ ...init("2025-06-18"), id: null })],
    ["elicitation capabilities it has no name for", line(init("2025-06-18", { capabilities: { elicitation: { url: {}, other: 1 } } }))],
    ["a clientInfo with icons", line(init("2025-06-18", { clientInfo: { name: "c", version: "1", icons: [{ src: 7 }] } }))],
    ["not JSON", "{not json\n"],
  ])("leaves an initialize with %s to the SDK", async (_name, first) => {
    const run = await expectSameAsSdk(first + line({ id: "sentinel", method: "ping" }), "sentinel");
    expect(run.handedOver?.startsWith(first)).toBe(true);
  });

  it.each([
    [
      "an unsupported revision",
      modernMeta()["io.modelcontextprotocol/protocolVersion"] && { ...modernMeta(), "io.modelcontextprotocol/protocolVersion": "2099-01-01" },
    ],
    ["no client capabilities", { "io.modelcontextprotocol/protocolVersion": "2026-07-28" }],
    ["a log level that does not exist", { ...modernMeta(), "io.modelcontextprotocol/logLevel": "loud" }],
    ["a clientInfo without a name", { ...modernMeta(), "io.modelcontextprotocol/clientInfo": { version: "1" } }],
  ])("leaves a 2026 request with %s to the SDK, which answers the error the spec defines", async (_name, meta) => {
    const run = await expectSameAsSdk(line(modern(1, "tools/list", meta as object)) + line(modern("sentinel", "tools/list")), "sentinel");
    expect(byId(run).get(1)).toMatchObject({ error: { code: expect.any(Number), message: expect.any(String) } });
  });

  it("answers a client request whose id looks like the replay's, and one that reuses an id the front answered", async () => {
    const run = await expectSameAsSdk(
      line(init("2025-06-18")) + line(initialized) + line({ id: "cronicorn-mcp/replayed-initialize", method: "ping" }) + line({ id: 1, method: "tools/list" }),
      1,
    );
    expect(byId(run).get("cronicorn-mcp/replayed-initialize")).toMatchObject({ result: {} });
  });

  it("leaves a 2026 tools/list on a 2025 connection, and a tools/list before `initialized`, to the SDK", async () => {
    await expectSameAsSdk(line(init("2025-06-18")) + line(initialized) + line(modern(2, "tools/list")) + line({ id: "sentinel", method: "ping" }), "sentinel");
    await expectSameAsSdk(
      line(init("2025-06-18")) + line({ id: 2, method: "tools/list" }) + line(initialized) + line({ id: "sentinel", method: "ping" }),
      "sentinel",
    );
  });
});

describe("what the front hands over", () => {
  function start() {
    const input = new PassThrough();
    const output = new PassThrough();
    const written: unknown[] = [];
    output.on("data", (chunk: Buffer) =>
      chunk
        .toString("utf8")
        .split("\n")
        .filter(Boolean)
        .forEach((l) => written.push(JSON.parse(l))),
    );
    const handedOff = new Promise<{ rest: Readable; ids: ReadonlySet<string> }>((resolve) =>
      serveFront({
        input,
        output,
        answers,
        toolsJson: openingAnswersOf(answers).toolsJson,
        handOff: (handed) => resolve({ rest: joinedInput(handed), ids: handed.replayIds }),
      }),
    );
    return { input, written, handedOff };
  }

  async function readAll(stream: Readable, until: string): Promise<string> {
    let text = "";
    for await (const chunk of stream) {
      text += (chunk as Buffer).toString("utf8");
      if (text.includes(until)) return text;
    }
    return text;
  }

  it("replays the handshake with an id of its own, then every byte from the first unanswered message on, in order", async () => {
    const { input, written, handedOff } = start();
    input.write(line(init("2025-06-18")) + line(initialized) + line({ id: 2, method: "tools/list" }));
    input.write(line({ id: 3, method: "ping" }) + line({ id: 4, method: "tools/list" }).slice(0, 10));
    const { rest, ids } = await handedOff;
    input.write(line({ id: 4, method: "tools/list" }).slice(10));
    expect(written).toHaveLength(2);
    const [replayId] = [...ids];
    expect(replayId).toMatch(/^cronicorn-mcp\/replay-[0-9a-f]{32}$/);
    const text = await readAll(rest, '"id":4,"method":"tools/list"}\n');
    expect(
      text
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l) as object),
    ).toEqual([
      { ...init("2025-06-18"), jsonrpc: "2.0", id: replayId },
      { jsonrpc: "2.0", method: "notifications/initialized" },
      { jsonrpc: "2.0", id: 3, method: "ping" },
      { jsonrpc: "2.0", id: 4, method: "tools/list" },
    ]);
  });

  it("pins a 2026 session by replaying its first request once; a discovery alone needs no replay", async () => {
    const pinned = start();
    pinned.input.write(line(modern(1, "tools/list")) + line(modern(2, "tools/list")) + line(modern(3, "prompts/list")));
    const { rest, ids } = await pinned.handedOff;
    const text = await readAll(rest, '"id":3');
    expect(
      text
        .split("\n")
        .filter(Boolean)
        .map((l) => (JSON.parse(l) as { id: unknown }).id),
    ).toEqual([[...ids][0], 3]);

    const probed = start();
    probed.input.write(line(modern(1, "server/discover")) + line(modern(2, "prompts/list")));
    const handed = await probed.handedOff;
    expect(await readAll(handed.rest, '"id":2')).toBe(line(modern(2, "prompts/list")));
  });

  it("hands a line over as soon as it passes the SDK's limit, without waiting for its end", async () => {
    const { input, written, handedOff } = start();
    const chunk = Buffer.alloc(1024 * 1024, 0x61);
    let fed = 0;
    let handed = false;
    void handedOff.then(() => (handed = true));
    while (!handed && fed <= MAX_LINE_BYTES + chunk.length) {
      input.write(chunk);
      fed += chunk.length;
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(handed).toBe(true);
    expect(fed).toBeGreaterThan(MAX_LINE_BYTES);
    expect(fed).toBeLessThanOrEqual(MAX_LINE_BYTES + chunk.length);
    expect(written).toEqual([]);
  });

  it("searches only new bytes for a line end: a long line costs its length once, not once per chunk", async () => {
    const { input, written, handedOff } = start();
    let scanned = 0;
    const indexOf = Buffer.prototype.indexOf;
    const spy = vi.spyOn(Buffer.prototype, "indexOf").mockImplementation(function (this: Buffer, ...args: unknown[]) {
      if (args[0] === 10) scanned += this.length;
      return indexOf.apply(this, args as Parameters<Buffer["indexOf"]>);
    });
    try {
      // 8 MiB in 4 KiB chunks, then the end of an initialize.
      const message = line(init("2025-06-18"));
      let total = 0;
      const feed = async (text: string) => {
        total += Buffer.byteLength(text);
        input.write(text);
        await new Promise((resolve) => setImmediate(resolve));
      };
      await feed(message.slice(0, 1));
      for (let i = 0; i < 2048; i++) await feed(" ".repeat(4096));
      await feed(message.slice(1) + line({ id: 9, method: "ping" }));
      await handedOff;
      await new Promise((resolve) => setImmediate(resolve));
      expect(written).toHaveLength(1);
      expect(scanned).toBeLessThan(2 * total);
    } finally {
      spy.mockRestore();
    }
  });
});

describe("reading the generated answers", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cronicorn-static-"));
  const read = () => ({ all: readStaticAnswers(pkg.version, dir), opening: readOpeningAnswers(pkg.version, dir) });

  it("gives back what was written: whole, or the opening answers with the tools' entries as JSON text", () => {
    writeStaticAnswersFiles(dir, answers);
    expect(read()).toEqual({ all: answers, opening: openingAnswersOf(answers) });
    expect(JSON.parse(read().opening?.toolsJson ?? "")).toEqual(answers.tools.map((t) => t.tool));
  });

  it("is undefined when a file is missing, unreadable, cut off or from another version", () => {
    const none = { all: undefined, opening: undefined };
    writeStaticAnswersFiles(dir, answers);
    fs.rmSync(path.join(dir, TOOLS_LIST_FILE));
    expect(read()).toEqual(none);
    writeStaticAnswersFiles(dir, answers);
    fs.writeFileSync(path.join(dir, TOOLS_LIST_FILE), fs.readFileSync(path.join(dir, TOOLS_LIST_FILE), "utf8").slice(0, -10));
    expect(read()).toEqual(none);
    writeStaticAnswersFiles(dir, answers);
    fs.writeFileSync(path.join(dir, STATIC_ANSWERS_FILE), "{truncated");
    expect(read()).toEqual(none);
    writeStaticAnswersFiles(dir, { ...answers, version: "0.0.0-other" });
    expect(read()).toEqual(none);
  });
});
