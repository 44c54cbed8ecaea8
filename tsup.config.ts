import { build, defineConfig } from "tsup";
import pkg from "./package.json" with { type: "json" };
import { writeStaticAnswers } from "./src/build/generate-answers.js";
import { writeThirdPartyNotices } from "./src/build/notices.js";
import { trimSourceMaps } from "./src/build/source-maps.js";

// One ESM bundle for fast cold start: zod (also needed before the first answer, by the configuration),
// openid-client and proper-lockfile are bundled (resolving hundreds of files in node_modules at every
// start costs more than the server's own work), and everything not needed for the start-up answers is
// reached through dynamic import(), which tsup splits into chunks that load only when first needed.
export default defineConfig({
  entry: { cli: "src/cli.ts", "keychain-helper": "src/auth/store/keychain-helper.ts" },
  format: ["esm"],
  target: "node20",
  platform: "node",
  splitting: true,
  // Maps without the source text: a bug's stack is mapped to src/…:line when it is reported (src/mcp/stack.ts).
  sourcemap: true,
  esbuildOptions(options) {
    options.sourcesContent = false;
  },
  // Minified: a third of the bytes to read and parse at every start, and a smaller package.
  minify: true,
  clean: true,
  dts: false,
  shims: false,
  // The keychain modules are native addons (@napi-rs/keyring picks its per-platform binary package at
  // load time; keytar is an optional peer): never bundle them, load them from node_modules.
  // `open` ships a helper script it finds next to its own files, so it stays a regular dependency.
  // The MCP SDK (v2 serves both protocol eras: 40 kB gzipped) is a dependency too, loaded from
  // node_modules at the first message the start-up answers do not cover: bundled, it alone would
  // take the package past 150 kB.
  external: ["@napi-rs/keyring", "keytar", "open", /^@modelcontextprotocol\/server/],
  // Bundled CommonJS dependencies (proper-lockfile) call require() for Node built-ins; ESM has none.
  banner: { js: 'import { createRequire as __cronicornCreateRequire } from "node:module"; const require = __cronicornCreateRequire(import.meta.url);' },
  // The process entry, dist/start.cjs (src/start.ts): CommonJS, since the first ES module costs a start the
  // module loader; it answers the opening exchange and loads this bundle (dist/cli.js, kept external) after it.
  // Then the start-up answers of both eras, generated from the same definitions as the bundle; then the
  // maps trimmed to this project's own code (src/build/source-maps.ts), and the licence notices of every
  // package the bundles hold (src/build/notices.ts).
  onSuccess: async () => {
    await build({
      config: false,
      entry: { start: "src/start.ts" },
      format: ["cjs"],
      target: "node20",
      platform: "node",
      outDir: "dist",
      shims: false,
      minify: true,
      // No map: src/build/source-maps.ts trims .js maps, and this file holds only the front.
      sourcemap: false,
      clean: false,
      dts: false,
      silent: true,
      metafile: true,
      external: ["./cli.js"],
      define: { CRONICORN_VERSION: JSON.stringify(pkg.version) },
    });
    await writeStaticAnswers("dist", pkg.version);
    trimSourceMaps("dist");
    writeThirdPartyNotices("dist");
  },
  // dist/metafile-esm.json: what the bundle holds, from which the licence notices are derived (not packed).
  metafile: true,
  noExternal: ["zod", "openid-client", "proper-lockfile"],
});
