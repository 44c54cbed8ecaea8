/**
 * Which messages the start-up answers take, shape by shape. Two promises of src/mcp/front.ts, each
 * checked against the SDK itself: a usual opening, with every simple capability and client field a
 * client may send, is answered by the front alone (the SDK is not needed until a later message, which
 * is what keeps start-up fast); and anything unusual is left to the SDK, so the client gets the SDK's
 * own answer. A front that answered what it should not would differ from the SDK; one that handed over
 * what it could answer would hand over too early.
 */
import { PassThrough } from "node:stream";
import { beforeAll, describe, expect, it } from "vitest";
import pkg from "../../../package.json" with { type: "json" };
import { generateStaticAnswers, modernMeta } from "../../../src/build/generate-answers.js";
import { MAX_LINE_BYTES, serveFront } from "../../../src/mcp/front.js";
import { openingAnswersOf, type StaticAnswers } from "../../../src/mcp/static-answers.js";
import { answersById, handedLines, line, runFront, type FrontRun } from "../../helpers/front-harness.js";

let answers: StaticAnswers;
beforeAll(async () => {
  answers = await generateStaticAnswers(pkg.version);
});

/** Runs `input` through the SDK alone and through the front; the answers must be the same. */
async function same(input: string, until: string | number, chunks?: string[]): Promise<FrontRun> {
  const alone = await runFront(input, { front: false, until, answers });
  const fronted = await runFront(input, { front: true, until, answers, ...(chunks ? { chunks } : {}) });
  expect(answersById(fronted)).toEqual(answersById(alone));
  expect(fronted.out.filter((m) => !("id" in m))).toEqual(alone.out.filter((m) => !("id" in m)));
  expect(fronted.handOffs).toBeLessThanOrEqual(1);
  return fronted;
}

const CAPABILITIES = {
  experimental: { "x-trace": {} },
  extensions: { "io.example/ui": {} },
  sampling: { context: {}, tools: {} },
  roots: { listChanged: true },
  elicitation: { form: { applyDefaults: true }, url: {} },
};
const CLIENT_INFO = { name: "c", version: "1", title: "C", description: "a client", websiteUrl: "https://c.example" };
const init = (params: Record<string, unknown> = {}, id: number | string = 1) => ({
  id,
  method: "initialize",
  params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "c", version: "1" }, ...params },
});
const initialized = { method: "notifications/initialized" };
const handshake = line(init()) + line(initialized);
const ping = line({ id: "sentinel", method: "ping" });
const meta = (more: Record<string, unknown> = {}) => ({ ...modernMeta(), ...more });
const modern = (id: number | string | undefined, method: string, params: Record<string, unknown> = { _meta: meta() }) => ({
  ...(id === undefined ? {} : { id }),
  method,
  params,
});
const modernSentinel = line(modern("sentinel", "prompts/list"));

describe("the front answers a usual opening alone", () => {
  it("2025 era: every simple capability and client field, an empty `initialized`, lists with and without a progress token", async () => {
    const run = await same(
      line(init({ capabilities: CAPABILITIES, clientInfo: CLIENT_INFO })) +
        line({ ...initialized, params: {} }) +
        line({ id: 2, method: "tools/list", params: {} }) +
        line({ id: 3, method: "tools/list", params: { _meta: { progressToken: "p" } } }) +
        line({ id: 4, method: "tools/list", params: { _meta: { progressToken: 7 } } }) +
        line({ id: 5, method: "tools/list", params: { _meta: {} } }) +
        ping,
      "sentinel",
    );
    expect(handedLines(run)).toEqual([ping.trimEnd()]);
  });

  it("2026 era: a full envelope (client info, log level, progress token), discovery twice, then lists", async () => {
    const full = meta({
      "io.modelcontextprotocol/clientCapabilities": CAPABILITIES,
      "io.modelcontextprotocol/clientInfo": CLIENT_INFO,
      "io.modelcontextprotocol/logLevel": "debug",
      progressToken: 3,
    });
    const run = await same(
      line(modern(1, "server/discover", { _meta: full })) +
        line(modern(2, "server/discover")) +
        line(modern(3, "tools/list", { _meta: full })) +
        line(modern(4, "tools/list")) +
        modernSentinel,
      "sentinel",
    );
    expect(handedLines(run)).toEqual([modernSentinel.trimEnd()]);
  });

  it("a 2026 probe, then the 2025 handshake the client falls back to", async () => {
    const run = await same(line(modern(1, "server/discover")) + handshake + line({ id: 2, method: "tools/list" }) + ping, "sentinel");
    expect(handedLines(run)).toEqual([ping.trimEnd()]);
  });

  it("a 2026 client that lists first: its one list is replayed to pin the SDK to its era", async () => {
    const run = await same(line(modern(1, "tools/list")) + modernSentinel, "sentinel");
    const lines = (run.handedOver ?? "").split("\n").filter(Boolean);
    expect(lines).toHaveLength(2);
    expect(JSON.parse(lines[0] as string)).toMatchObject({ method: "tools/list", id: expect.stringMatching(/^cronicorn-mcp\/replay-/) });
    expect(lines[1]).toBe(modernSentinel.trimEnd());
  });

  it("lines ending in CRLF", async () => {
    const crlf = (text: string) => text.replaceAll("\n", "\r\n");
    const run = await same(crlf(handshake + line({ id: 2, method: "tools/list" }) + ping), "sentinel");
    expect(handedLines(run)).toEqual([`${ping.trimEnd()}\r`]);
  });

  it("messages split anywhere across chunks: a line end alone, a line's start after another line", async () => {
    const first = line(init());
    const list = line({ id: 2, method: "tools/list" });
    const input = handshake + list + ping;
    const atEnd = await same(input, "sentinel", [first.slice(0, -1), `\n${line(initialized)}${list}${ping}`]);
    expect(handedLines(atEnd)).toEqual([ping.trimEnd()]);
    const inTail = await same(input, "sentinel", [first + line(initialized).slice(0, 9), line(initialized).slice(9) + list.slice(0, 4), list.slice(4) + ping]);
    expect(handedLines(inTail)).toEqual([ping.trimEnd()]);
  });
});

describe("the front leaves the unusual to the SDK", () => {
  it.each([
    ["capabilities that are a list", init({ capabilities: [] })],
    ["an experimental capability that is not an object", init({ capabilities: { experimental: { a: 1 } } })],
    ["an extension that is not an object", init({ capabilities: { extensions: { b: "x" } } })],
    ["a sampling capability it has no name for", init({ capabilities: { sampling: { other: {} } } })],
    ["a sampling context that is not an object", init({ capabilities: { sampling: { context: 1 } } })],
    ["roots that are not an object", init({ capabilities: { roots: true } })],
    ["a roots field it has no name for", init({ capabilities: { roots: { other: true } } })],
    ["elicitation that is not an object", init({ capabilities: { elicitation: true } })],
    ["a form elicitation that is not an object", init({ capabilities: { elicitation: { form: 1 } } })],
    ["applyDefaults that is not a boolean", init({ capabilities: { elicitation: { form: { applyDefaults: "yes" } } } })],
    ["a URL elicitation that is not an object", init({ capabilities: { elicitation: { url: true } } })],
    ["a capability it has no name for", init({ capabilities: { tasks: {} } })],
    ["a client title that is not text", init({ clientInfo: { name: "c", version: "1", title: 5 } })],
    ["a client name that is not text", init({ clientInfo: { name: 5, version: "1" } })],
    ["a clientInfo that is not an object", init({ clientInfo: "c" })],
    ["a parameter initialize does not have", init({ extra: 1 })],
    ["no parameters", { id: 1, method: "initialize" }],
    ["parameters that are a list", { id: 1, method: "initialize", params: [] }],
    ["another JSON-RPC version", { ...init(), jsonrpc: "1.0" }],
    ["a method that is not text", { ...init(), method: 5 }],
    ["no id (a notification)", { method: "initialize", params: init().params }],
  ])("an initialize with %s", async (_name, message) => {
    const first = `${JSON.stringify({ jsonrpc: "2.0", ...message })}\n`;
    const run = await same(first + ping, "sentinel");
    expect(run.handedOver?.startsWith(first)).toBe(true);
  });

  it("a batch (a JSON array)", async () => {
    const first = `${JSON.stringify([{ jsonrpc: "2.0", ...init() }])}\n`;
    const run = await same(first + ping, "sentinel");
    expect(run.handedOver?.startsWith(first)).toBe(true);
  });

  it.each([
    ["a second initialize", init({}, 2)],
    ["a discovery", modern(2, "server/discover")],
    ["an `initialized` with parameters", { ...initialized, params: { x: 1 } }],
    ["an `initialized` sent as a request", { ...initialized, id: 2 }],
    ["a tools/list without an id", { method: "tools/list" }],
    ["a tools/list with a cursor", { id: 2, method: "tools/list", params: { cursor: "next" } }],
    ["a tools/list with a fractional progress token", { id: 2, method: "tools/list", params: { _meta: { progressToken: 1.5 } } }],
    ["a tools/list with another _meta key", { id: 2, method: "tools/list", params: { _meta: { other: 1 } } }],
    ["a tools/list whose _meta is not an object", { id: 2, method: "tools/list", params: { _meta: "x" } }],
    ["a tools/list whose parameters are a list", { id: 2, method: "tools/list", params: [] }],
  ])("after the 2025 handshake, %s", async (_name, message) => {
    const next = line(message);
    const run = await same(handshake + next + ping, "sentinel");
    expect(handedLines(run)[0]).toBe(next.trimEnd());
  });

  it.each([
    ["an `initialized` before any initialize", initialized],
    ["a tools/list before any opening", { id: 2, method: "tools/list" }],
  ])("%s", async (_name, message) => {
    const first = line(message);
    const run = await same(first + ping, "sentinel");
    expect(run.handedOver?.startsWith(first)).toBe(true);
  });

  it("a discovery while the 2025 handshake is under way", async () => {
    const run = await same(line(init()) + line(modern(2, "server/discover")) + line(initialized) + ping, "sentinel");
    expect(handedLines(run)[0]).toBe(line(modern(2, "server/discover")).trimEnd());
  });

  it.each([
    ["a discovery without an id", modern(undefined, "server/discover")],
    ["a list with a cursor beside the envelope", modern(1, "tools/list", { _meta: meta(), cursor: "next" })],
    ["a list whose envelope has a key of its own", modern(1, "tools/list", { _meta: meta({ "x-custom": 1 }) })],
    ["a list with a fractional progress token", modern(1, "tools/list", { _meta: meta({ progressToken: 1.5 }) })],
    ["a list whose _meta is not an object", modern(1, "tools/list", { _meta: "x" })],
    ["a list without parameters", { id: 1, method: "tools/list" }],
  ])("2026 era: %s", async (_name, message) => {
    const first = line(message);
    const run = await same(first + modernSentinel, "sentinel");
    expect(run.handedOver?.startsWith(first)).toBe(true);
  });

  it("an empty line", async () => {
    const run = await same(`${line(init())}\n${line(initialized)}${ping}`, "sentinel");
    // The replayed initialize, then the empty line and all that follows it.
    expect(run.handedOver?.split("\n").slice(1)).toEqual(["", line(initialized).trimEnd(), ping.trimEnd(), ""]);
  });
});

describe("after the hand-over", () => {
  it("answers nothing more itself and hands over once, whatever comes next", async () => {
    const list = line({ id: 9, method: "tools/list" });
    const run = await same(handshake + line({ id: "p1", method: "ping" }) + list, 9, [handshake + line({ id: "p1", method: "ping" }), list]);
    expect(run.handOffs).toBe(1);
    expect(run.out.filter((m) => m.id === 9)).toHaveLength(1);
  });

  it("hands a line over as soon as it passes the SDK's limit, even when it starts after a complete line in the same chunk", async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    let handed = 0;
    serveFront({ input, output, answers, toolsJson: openingAnswersOf(answers).toolsJson, handOff: () => void (handed += 1) });
    input.write(line(init()) + "a".repeat(MAX_LINE_BYTES + 1));
    await new Promise((resolve) => setImmediate(resolve));
    expect(handed).toBe(1);
  });

  it("keeps a line that stays within the limit, after a complete line in the same chunk, until its end", async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    let handed = 0;
    serveFront({ input, output, answers, toolsJson: openingAnswersOf(answers).toolsJson, handOff: () => void (handed += 1) });
    input.write(line(init()) + " ".repeat(MAX_LINE_BYTES - 1));
    await new Promise((resolve) => setImmediate(resolve));
    expect(handed).toBe(0);
    input.write(" ");
    await new Promise((resolve) => setImmediate(resolve));
    expect(handed).toBe(0);
    input.write(" ");
    await new Promise((resolve) => setImmediate(resolve));
    expect(handed).toBe(1);
  });
});
