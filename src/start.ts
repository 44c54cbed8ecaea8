/**
 * The process entry, bundled alone as CommonJS (dist/start.cjs, required by bin/cronicorn-mcp.js). An MCP
 * client waits for the server's first answers, and a CommonJS file starts as fast as `node -e 0`, while
 * the first ES module costs Node its module loader (~4 ms, a sixth of a bare start: `npm run bench` shows
 * both). So this bundle holds only what those answers need — the command line, the generated answers and
 * the front — and everything else comes from the ES module bundle (dist/cli.js), loaded by URL at run time.
 */
import { parseArgs } from "./args.js";
import { blockingStdio } from "./mcp/blocking-stdio.js";
import { asksForToolSubset, serveBeforeLoading } from "./mcp/fast-start.js";
import { readOpeningAnswers } from "./mcp/static-answers.js";

/** The package's version, written in by the build (tsup.config.ts): importing package.json would put all of it in this file. */
declare const CRONICORN_VERSION: string;

const loadCli = () => import("./cli.js");
const fail = (error: unknown) => {
  process.stderr.write(`cronicorn-mcp: could not start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
};

const parsed = parseArgs(process.argv.slice(2));
const fast =
  typeof parsed === "object" && parsed.command === "serve" && process.env.CRONICORN_NO_FRONT !== "1" && !asksForToolSubset(process.env, parsed.overrides);
// Without generated answers for this version (not built), or when the tools depend on the configuration, the CLI serves as it does for any command.
// __dirname: this file is only ever built as CommonJS (dist/start.cjs), next to the generated answers.
const answers = fast ? readOpeningAnswers(CRONICORN_VERSION, __dirname) : undefined;
if (answers && typeof parsed === "object") {
  serveBeforeLoading({
    input: () => process.stdin,
    output: () => process.stdout,
    blocking: blockingStdio(),
    answers,
    load: () => loadCli().then((cli) => cli.prepareServer(parsed.overrides)),
    fail,
  });
} else {
  loadCli().then((cli) => cli.runCli(), fail);
}
