/**
 * esbuild plugin that leaves library code this server can never run out of the bundle, keeping the
 * package small: the MCP SDK's zod v3 support (zod/v3, zod-to-json-schema; every schema here is
 * zod v4) and its ajv validator (used by a server only to check form-elicitation answers; this one
 * asks for none). Each is replaced by src/build/left-out.ts, which throws if ever reached.
 */
import path from "node:path";
import type { Plugin } from "esbuild";

// Relative to the project root, where tsup runs (this file is bundled into tsup's config).
const LEFT_OUT = path.resolve("src/build/left-out.ts");
const PATHS = /^(zod\/v3|zod-to-json-schema|\.\.\/validation\/ajv-provider\.js)$/;

export const leaveOut: Plugin = {
  name: "leave-out",
  setup(build) {
    build.onResolve({ filter: PATHS }, (args) => (args.importer.includes("@modelcontextprotocol/sdk") ? { path: LEFT_OUT } : undefined));
  },
};
