/**
 * `npm run checks`: the type check, the linter and the formatter check, side by side. Each is a single
 * process on one core, so on two cores running them together takes about half the time of one after
 * the other (`npm test` runs them beside the suite: `--with-tests`, below), and each keeps a cache, so a
 * second run rechecks only what changed. Each tool's output is printed whole when it ends, and the run fails when any of
 * them fails, naming which.
 */
import { spawn } from "node:child_process";
import path from "node:path";

const ROOT = path.resolve(import.meta.dirname, "..");
const bin = (file: string) => path.join(ROOT, "node_modules", file);

/** Each tool keeps what it learnt about unchanged files here (git-ignored with node_modules): a second run checks only what changed. */
const CACHE = bin(".cache/cronicorn-checks");

const CHECKS: Array<[name: string, args: string[]]> = [
  ["typecheck (tsc)", [bin("typescript/bin/tsc"), "--noEmit", "-p", ".", "--incremental", "--tsBuildInfoFile", path.join(CACHE, "tsbuildinfo")]],
  ["lint (eslint)", [bin("eslint/bin/eslint.js"), "--cache", "--cache-location", path.join(CACHE, "eslint/"), "."]],
  [
    "format (prettier --check)",
    [bin("prettier/bin/prettier.cjs"), "--check", "--cache", "--cache-location", path.join(CACHE, "prettier"), "--log-level", "warn", "."],
  ],
];

/** Runs one job to its end; its output is printed whole at the end, or `live` (the suite's progress) as it comes. */
function run(name: string, args: string[], live = false): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ["ignore", live ? "inherit" : "pipe", live ? "inherit" : "pipe"] });
    const output: Buffer[] = [];
    child.stdout?.on("data", (chunk: Buffer) => output.push(chunk));
    child.stderr?.on("data", (chunk: Buffer) => output.push(chunk));
    child.on("error", (error) => {
      process.stderr.write(`${name}: could not start: ${error.message}\n`);
      resolve(false);
    });
    child.on("close", (code, signal) => {
      const text = Buffer.concat(output).toString("utf8").trimEnd();
      const ok = code === 0;
      process.stdout.write(`${ok ? "ok  " : "FAIL"} ${name}${ok ? "" : ` (${signal ?? `exit ${code}`})`}\n${text ? `${text}\n` : ""}`);
      resolve(ok);
    });
  });
}

/**
 * `--with-tests` (what `npm test` runs): the suite too, alongside. The spawned tests spend much of their
 * time waiting on peers and timers, so the checks fill CPU the suite leaves idle instead of running first.
 */
const JOBS: Array<[name: string, args: string[], live?: boolean]> = process.argv.includes("--with-tests")
  ? [...CHECKS, ["tests (vitest run)", [bin("vitest/vitest.mjs"), "run"], true]]
  : CHECKS;

const results = await Promise.all(JOBS.map(([name, args, live]) => run(name, args, live)));
const failed = JOBS.filter((_, i) => !results[i]).map(([name]) => name);
if (failed.length > 0) {
  process.stderr.write(`checks failed: ${failed.join(", ")}\n`);
  process.exitCode = 1;
}
