/**
 * A bug's stack as an engineer can read it: the bundle is minified, so `dist/chunk-X.js:1:53211` is
 * mapped to `src/tools/jobs.ts:42:7` through the source maps shipped next to it (names and lines only,
 * no source text). Read only when a bug is reported, never at start-up: Node's own source-map support
 * would parse every map as the modules load.
 */
import fs from "node:fs";
import { SourceMap } from "node:module";
import { fileURLToPath } from "node:url";

const maps = new Map<string, SourceMap | null>();

function mapOf(file: string): SourceMap | null {
  let map = maps.get(file);
  if (map !== undefined) return map;
  try {
    map = new SourceMap(JSON.parse(fs.readFileSync(`${file}.map`, "utf8")) as ConstructorParameters<typeof SourceMap>[0]);
  } catch {
    map = null; // running from source, or no map beside the file: keep the frame as it is
  }
  maps.set(file, map);
  return map;
}

/** `../src/tools/jobs.ts` (relative to dist/) → `src/tools/jobs.ts`. */
const sourcePath = (source: string): string => source.replace(/^(\.\.\/)+/, "").replace(/^file:\/\/.*?\/(src|node_modules)\//, "$1/");

export function mapStack(stack: string): string {
  return stack.replace(/((?:file:\/\/)?\/[^\s():]+\.js):(\d+):(\d+)/g, (frame, location: string, line: string, column: string) => {
    const file = location.startsWith("file://") ? fileURLToPath(location) : location;
    const entry = mapOf(file)?.findEntry(Number(line) - 1, Number(column) - 1);
    if (!entry || !("originalSource" in entry) || !entry.originalSource) return frame;
    return `${sourcePath(entry.originalSource)}:${entry.originalLine + 1}:${entry.originalColumn + 1}`;
  });
}
