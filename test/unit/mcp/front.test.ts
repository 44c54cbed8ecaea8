import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { PassThrough } from "node:stream";
import type { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { REPLAYED_INITIALIZE_ID, serveFront } from "../../../src/mcp/front.js";
import { readStaticAnswers, STATIC_ANSWERS_FILE } from "../../../src/mcp/static-answers.js";
import type { StaticAnswers } from "../../../src/mcp/static-answers.js";

const ANSWERS: StaticAnswers = {
  version: "1.2.3",
  protocol: { latest: "2025-11-25", supported: ["2025-11-25", "2025-06-18"] },
  initialize: { capabilities: { tools: { listChanged: true } }, serverInfo: { name: "t", version: "1.2.3" } },
  tools: [{ group: "jobs", readOnly: true, tool: { name: "list_jobs", inputSchema: { type: "object" } } }],
};
const line = (message: object) => `${JSON.stringify({ jsonrpc: "2.0", ...message })}\n`;
const init = (protocolVersion: string) => ({
  id: 1,
  method: "initialize",
  params: { protocolVersion, capabilities: {}, clientInfo: { name: "c", version: "1" } },
});

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
  const handedOff = new Promise<Readable>((resolve) => serveFront({ input, output, answers: ANSWERS, tools: ANSWERS.tools, handOff: resolve }));
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

describe("start-up answers", () => {
  it("answers initialize (negotiating the version like the SDK) and tools/list, then hands everything else over in order", async () => {
    const { input, written, handedOff } = start();
    input.write(line(init("2025-06-18")) + line({ method: "notifications/initialized" }) + line({ id: 2, method: "tools/list" }));
    input.write(line({ id: 3, method: "ping" }) + line({ id: 4, method: "tools/list" }).slice(0, 10));
    const rest = await handedOff;
    input.write(line({ id: 4, method: "tools/list" }).slice(10));
    expect(written).toEqual([
      { jsonrpc: "2.0", id: 1, result: { protocolVersion: "2025-06-18", ...ANSWERS.initialize } },
      { jsonrpc: "2.0", id: 2, result: { tools: [ANSWERS.tools[0]?.tool] } },
    ]);
    const text = await readAll(rest, '"id":4,"method":"tools/list"}\n');
    expect(
      text
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { id?: unknown; method: string }),
    ).toEqual([
      { ...init("2025-06-18"), jsonrpc: "2.0", id: REPLAYED_INITIALIZE_ID },
      { jsonrpc: "2.0", method: "notifications/initialized" },
      { jsonrpc: "2.0", id: 3, method: "ping" },
      { jsonrpc: "2.0", id: 4, method: "tools/list" },
    ]);
  });

  it("offers its latest protocol version to a client asking for an unknown one", async () => {
    const { input, written } = start();
    input.write(line(init("1999-01-01")));
    await new Promise((resolve) => setImmediate(resolve));
    expect(written).toEqual([{ jsonrpc: "2.0", id: 1, result: { protocolVersion: "2025-11-25", ...ANSWERS.initialize } }]);
  });

  it("leaves malformed input and invalid initialize params to the SDK server, untouched", async () => {
    for (const first of ["{not json\n", line({ id: 1, method: "initialize", params: { protocolVersion: 7 } })]) {
      const { input, written, handedOff } = start();
      input.write(first);
      const text = await readAll(await handedOff, first);
      expect(text).toBe(first);
      expect(written).toEqual([]);
    }
  });
});

describe("readStaticAnswers", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cronicorn-static-"));
  const url = pathToFileURL(`${dir}/`);

  it("is undefined when the file is missing, unreadable or from another version", () => {
    expect(readStaticAnswers("1.2.3", url)).toBeUndefined();
    fs.writeFileSync(path.join(dir, STATIC_ANSWERS_FILE), "{truncated");
    expect(readStaticAnswers("1.2.3", url)).toBeUndefined();
    fs.writeFileSync(path.join(dir, STATIC_ANSWERS_FILE), JSON.stringify(ANSWERS));
    expect(readStaticAnswers("1.2.4", url)).toBeUndefined();
    expect(readStaticAnswers("1.2.3", url)).toEqual(ANSWERS);
  });
});
