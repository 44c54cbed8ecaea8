import { defineConfig } from "tsup";
import pkg from "./package.json" with { type: "json" };
import { leaveOut } from "./src/build/leave-out.js";
import { writeStaticAnswers } from "./src/build/generate-answers.js";

// One ESM bundle for fast cold start: the MCP SDK, zod and openid-client are bundled (resolving
// hundreds of files in node_modules at every start costs more than the server's own work), and
// everything not needed to answer `initialize` is reached through dynamic import(), which tsup
// splits into chunks that load only when a tool first needs them.
export default defineConfig({
  entry: { cli: "src/cli.ts", "keychain-helper": "src/auth/store/keychain-helper.ts" },
  format: ["esm"],
  target: "node20",
  platform: "node",
  splitting: true,
  sourcemap: false,
  // Minified: a third of the bytes to read and parse at every start, and a smaller package.
  minify: true,
  clean: true,
  dts: false,
  shims: false,
  // The keychain modules are native addons (@napi-rs/keyring picks its per-platform binary package at
  // load time; keytar is an optional peer): never bundle them, load them from node_modules.
  // `open` ships a helper script it finds next to its own files, so it stays a regular dependency.
  external: ["@napi-rs/keyring", "keytar", "open"],
  // Bundled CommonJS dependencies (proper-lockfile) call require() for Node built-ins; ESM has none.
  banner: { js: 'import { createRequire as __cronicornCreateRequire } from "node:module"; const require = __cronicornCreateRequire(import.meta.url);' },
  // Library code the server never runs (the SDK's zod v3 support and ajv validator) stays out.
  esbuildPlugins: [leaveOut],
  // The start-up answers (initialize, tools/list), generated from the same definitions as the bundle.
  onSuccess: async () => void (await writeStaticAnswers("dist", pkg.version)),
  noExternal: [/^@modelcontextprotocol\/sdk/, "zod", "openid-client", "proper-lockfile"],
});
