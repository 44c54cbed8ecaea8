/**
 * The stdio transport the full server runs on after the start-up answers: it drops the SDK's answers to
 * the replayed requests (once per id, so a client request that reused the id is still answered), and
 * says when it closes whether input was still coming (a fault: the process must end) or had ended; and
 * it reads what was handed over as one stream, the head first.
 */
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { joinedInput, ServedStdioTransport } from "../../../src/mcp/stdio-transport.js";

function transport(replayIds: string[] = []) {
  const input = new PassThrough();
  const output = new PassThrough();
  const written: unknown[] = [];
  output.on("data", (chunk: Buffer) => {
    for (const line of chunk.toString("utf8").split("\n").filter(Boolean)) written.push(JSON.parse(line));
  });
  const ended: boolean[] = [];
  const wire = new ServedStdioTransport({ head: Buffer.alloc(0), input, replayIds: new Set(replayIds) }, output, (fault) => ended.push(fault));
  return { input, output, written, ended, wire };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe("ServedStdioTransport", () => {
  it("drops the answer to a replayed request once, and passes everything else", async () => {
    const { written, wire } = transport(["replay-1"]);
    await wire.start();
    await wire.send({ jsonrpc: "2.0", id: "replay-1", result: {} });
    await wire.send({ jsonrpc: "2.0", id: "replay-1", method: "elicitation/create", params: {} } as never);
    await wire.send({ jsonrpc: "2.0", id: "replay-1", result: { again: true } });
    await wire.send({ jsonrpc: "2.0", id: 1, result: {} });
    await wire.send({ jsonrpc: "2.0", method: "notifications/message", params: { level: "info", data: "x" } });
    await settle();
    expect(written).toEqual([
      { jsonrpc: "2.0", id: "replay-1", method: "elicitation/create", params: {} },
      { jsonrpc: "2.0", id: "replay-1", result: { again: true } },
      { jsonrpc: "2.0", id: 1, result: {} },
      { jsonrpc: "2.0", method: "notifications/message", params: { level: "info", data: "x" } },
    ]);
  });

  it("drops an error answer to a replayed request too", async () => {
    const { written, wire } = transport(["replay-2"]);
    await wire.start();
    await wire.send({ jsonrpc: "2.0", id: "replay-2", error: { code: -32601, message: "no" } });
    await settle();
    expect(written).toEqual([]);
  });

  it("reports a clean end once when its input ended", async () => {
    const { input, ended, wire } = transport();
    let closed = 0;
    wire.onclose = () => void (closed += 1);
    await wire.start();
    input.end();
    input.resume();
    await settle();
    await settle();
    await wire.close();
    expect(ended).toEqual([false]);
    expect(closed).toBe(1);
  });

  it("reports a fault when it closes while input is still coming", async () => {
    const { ended, wire } = transport();
    await wire.start();
    await wire.close();
    await wire.close();
    expect(ended).toEqual([true]);
  });

  it("reports a clean end when its input was destroyed", async () => {
    const { input, ended, wire } = transport();
    await wire.start();
    input.destroy();
    await settle();
    await wire.close();
    expect(ended).toEqual([false]);
  });
});

describe("what the server reads after a hand-over", () => {
  const received = async (stream: NodeJS.ReadableStream) => {
    let text = "";
    for await (const chunk of stream) text += (chunk as Buffer).toString("utf8");
    return text;
  };

  it("is the head, then the rest of stdin in order, and ends with it", async () => {
    const input = new PassThrough();
    input.pause();
    const joined = joinedInput({ head: Buffer.from('{"a":1}\n{"b"'), input, replayIds: new Set() });
    input.write(":2}\n");
    input.end('{"c":3}\n');
    expect(await received(joined)).toBe('{"a":1}\n{"b":2}\n{"c":3}\n');
  });

  it("is stdin itself when nothing was read before", () => {
    const input = new PassThrough();
    expect(joinedInput({ head: Buffer.alloc(0), input, replayIds: new Set() })).toBe(input);
  });

  it("delivers the head's messages to the server before stdin's", async () => {
    const input = new PassThrough();
    const wire = new ServedStdioTransport(
      { head: Buffer.from(`${JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" })}\n`), input, replayIds: new Set() },
      new PassThrough(),
      () => undefined,
    );
    const ids: unknown[] = [];
    wire.onmessage = (message) => void ids.push((message as { id?: unknown }).id);
    await wire.start();
    input.write(`${JSON.stringify({ jsonrpc: "2.0", id: 2, method: "ping" })}\n`);
    await settle();
    expect(ids).toEqual([1, 2]);
    await wire.close();
  });
});
