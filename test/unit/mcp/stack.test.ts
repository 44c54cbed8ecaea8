/**
 * A bug's stack as an engineer reads it: frames of a bundle with a source map beside it name the source
 * file, line and column (paths relative to the repository); every other frame is left as it was.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { mapStack } from "../../../src/mcp/stack.js";

/** A bundle whose first line maps columns 0, 10, 20, 30 and 40 to line 42 (col 7) then 43 (col 7) of four sources and one nameless one. */
function bundle(mappings = "AAyCM,UCCA,UCAA,UCAA,UCAA"): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cronicorn-stack-"));
  const file = path.join(dir, "chunk-X.js");
  fs.writeFileSync(file, "function a(){}\n");
  const sources = ["../src/tools/jobs.ts", "file:///home/u/proj/src/mcp/server.ts", "file:///home/u/proj/node_modules/zod/index.js", "../../lib/place.ts", ""];
  fs.writeFileSync(`${file}.map`, JSON.stringify({ version: 3, file: "chunk-X.js", sources, names: [], mappings }));
  return file;
}

describe("mapStack", () => {
  it("maps bundle positions to source positions, for plain paths and file URLs", () => {
    const file = bundle();
    const url = pathToFileURL(file).href;
    const stack = [
      "TypeError: Cannot read properties of undefined (reading 'length')",
      `    at run (${file}:1:1)`,
      `    at ${url}:1:11`,
      `    at parse (${file}:1:21)`,
      `    at other (${url}:1:31)`,
    ].join("\n");
    expect(mapStack(stack)).toBe(
      [
        "TypeError: Cannot read properties of undefined (reading 'length')",
        "    at run (src/tools/jobs.ts:42:7)",
        "    at src/mcp/server.ts:43:7",
        "    at parse (node_modules/zod/index.js:43:7)",
        "    at other (lib/place.ts:43:7)",
      ].join("\n"),
    );
  });

  it("keeps frames it cannot map: no map beside the file, an unmapped position, a nameless source, not a .js file", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cronicorn-stack-"));
    const bare = path.join(dir, "no-map.js");
    fs.writeFileSync(bare, "x\n");
    const broken = path.join(dir, "broken.js");
    fs.writeFileSync(`${broken}.map`, "{not json");
    const empty = bundle("");
    const nameless = bundle("AAAA,UIAA");
    const frames = [
      `    at a (${bare}:1:1)`,
      `    at b (${broken}:3:4)`,
      `    at c (${empty}:1:1)`,
      `    at d (${nameless}:1:11)`,
      "    at node:internal/process/task_queues:95:5",
      "    at e (/srv/app/main.ts:10:2)",
    ].join("\n");
    expect(mapStack(frames)).toBe(frames);
  });

  it("reads a map once, however many bugs are reported", () => {
    const file = bundle();
    expect(mapStack(`at (${file}:1:1)`)).toBe("at (src/tools/jobs.ts:42:7)");
    fs.rmSync(`${file}.map`);
    expect(mapStack(`at (${file}:1:1)`)).toBe("at (src/tools/jobs.ts:42:7)");
  });
});
