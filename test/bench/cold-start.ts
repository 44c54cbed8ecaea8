/**
 * Cold start as a client of each era sees it, every spawn against the floor of spawning `node -e 0` to
 * its exit, interleaved round by round (in a new order each round) so all see the same machine conditions:
 * - modern, probe: spawn → `server/discover` result (what a dual-era client sends first);
 * - modern, direct: spawn → `tools/list` result, sent as the very first line (a 2026-07-28 client needs
 *   no discover first), then → the first `tools/call` result; and the same `tools/list` with --read-only,
 *   where the tool list depends on the configuration, so it is read (zod and all) before the answer;
 * - legacy: spawn → `initialize` result, then (sent the moment it arrives, as clients do)
 *   `notifications/initialized` + `tools/list` → its result, then → the first `tools/call` result.
 * The first call has arguments the tool rejects, so no credential or API is involved: what it times is
 * loading the SDK and the tools. Beside them, the physical floors of answering: the barest JSON-RPC
 * server a `node -e` script can be, answering the legacy opening (its first answer, and its second),
 * and the same script as an ES module file, as CommonJS files, and as CommonJS files reading and writing
 * stdio with blocking calls (what this server's opening does).
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { MODERN_REVISION } from "../../src/build/generate-answers.js";
import type { Era } from "../helpers/mcp.js";
import { median, shuffled, since } from "./stats.js";

/** A 2026-07-28 request's `_meta` as a client without special capabilities sends it. */
export const BENCH_META = {
  "io.modelcontextprotocol/protocolVersion": MODERN_REVISION,
  "io.modelcontextprotocol/clientCapabilities": {},
  "io.modelcontextprotocol/clientInfo": { name: "bench", version: "1" },
};

const line = (message: object) => `${JSON.stringify({ jsonrpc: "2.0", ...message })}\n`;
const DISCOVER = line({ id: 1, method: "server/discover", params: { _meta: BENCH_META } });
const MODERN_LIST = line({ id: 1, method: "tools/list", params: { _meta: BENCH_META } });
const MODERN_CALL = line({ id: 2, method: "tools/call", params: { name: "get_job", arguments: {}, _meta: BENCH_META } });
const INITIALIZE = line({
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "bench", version: "1" } },
});
const LEGACY_LIST = line({ method: "notifications/initialized" }) + line({ id: 2, method: "tools/list", params: {} });
/** Each era's opening exchange, up to its `tools/list` answer. */
export const OPENING: Record<Era, readonly Step[]> = {
  modern: [{ send: MODERN_LIST, answer: 1 }],
  legacy: [
    { send: INITIALIZE, answer: 1 },
    { send: LEGACY_LIST, answer: 2 },
  ],
};
const LEGACY_CALL = line({ id: 3, method: "tools/call", params: { name: "get_job", arguments: {} } });

/** One exchange of a conversation: what to send, and the id of the answer that ends it. */
export interface Step {
  send: string;
  answer: number;
}

/** The answer that ended a step, and when it came (ms since spawn). */
export interface Answer {
  ms: number;
  line: string;
}

/**
 * Spawns `node args…`, sends each step's lines the moment the previous step's answer arrives (the first
 * at once), and returns each step's answer with the milliseconds from spawn to it.
 */
export function converse(args: string[], env: NodeJS.ProcessEnv, steps: readonly Step[]): Promise<Answer[]> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(process.execPath, args, { stdio: ["pipe", "pipe", "ignore"], env });
    const answers: Answer[] = [];
    let buffered = "";
    child.on("error", reject);
    child.on("exit", (code) => reject(new Error(`${args.join(" ")} exited (${code}) after ${answers.length} of ${steps.length} answers`)));
    child.stdout.on("data", (chunk: Buffer) => {
      // Read the clock as the bytes arrive: parsing a 60 kB answer here is the bench's time, not the server's.
      const ms = since(start);
      buffered += chunk.toString("utf8");
      for (let nl = buffered.indexOf("\n"); nl >= 0; nl = buffered.indexOf("\n")) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        if ((JSON.parse(line) as { id?: unknown }).id !== steps[answers.length]?.answer) continue;
        answers.push({ ms, line });
        const next = steps[answers.length];
        if (next) child.stdin.write(next.send);
        else {
          // Resolved once the process is gone: the next spawn timed must not share the CPU with its exit.
          child.removeAllListeners("exit");
          child.once("exit", () => resolve(answers));
          child.kill();
        }
      }
    });
    child.stdin.write(steps[0]?.send ?? "");
  });
}

/**
 * spawn → exit of `node -e 0`: the least any Node process costs, spawned exactly as the server is (stdin
 * and stdout piped, the same environment: an inherited NODE_EXTRA_CA_CERTS alone, say, adds a CA bundle's
 * parsing to every start).
 */
export function floorOnce(env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(process.execPath, ["-e", "0"], { stdio: ["pipe", "pipe", "ignore"], env });
    child.on("error", reject);
    child.on("exit", () => resolve(since(start)));
  });
}

/** The least a stdio JSON-RPC server can be: each line read is parsed, and a request gets an empty result. */
const ECHO_SCRIPT = `let rest = "";
process.stdin.on("data", (chunk) => {
  const lines = (rest + chunk).split("\\n");
  rest = lines.pop();
  for (const text of lines) {
    const { id } = JSON.parse(text);
    if (id !== undefined) process.stdout.write(JSON.stringify({ jsonrpc: "2.0", id, result: {} }) + "\\n");
  }
});`;

/** The same server reading and writing stdio with blocking calls (the fast start's opening: src/mcp/blocking-stdio.ts). */
const BLOCKING_ECHO_SCRIPT = `const fs = require("node:fs");
const buffer = Buffer.alloc(65536);
let rest = "";
for (let n = fs.readSync(0, buffer); n > 0; n = fs.readSync(0, buffer)) {
  const lines = (rest + buffer.toString("utf8", 0, n)).split("\\n");
  rest = lines.pop();
  for (const text of lines) {
    const { id } = JSON.parse(text);
    if (id !== undefined) fs.writeSync(1, JSON.stringify({ jsonrpc: "2.0", id, result: {} }) + "\\n");
  }
}`;

/**
 * The same script from files: as an ES module (what Node's module loader adds to a start: why the entry
 * is CommonJS), and as CommonJS laid out as this package starts (a bin file in a folder whose
 * package.json says commonjs, requiring the bundle from the dist folder beside it): what starting from files costs at all.
 */
function echoFiles(): { module: string; commonjs: string; blocking: string; remove(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cronicorn-bench-"));
  const module = path.join(dir, "echo.mjs");
  fs.writeFileSync(module, `${ECHO_SCRIPT};\n`);
  fs.mkdirSync(path.join(dir, "bin"));
  fs.mkdirSync(path.join(dir, "dist"));
  fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ type: "module" }));
  fs.writeFileSync(path.join(dir, "bin/package.json"), JSON.stringify({ type: "commonjs" }));
  /** bin/<name>.js requiring dist/<name>.cjs, which holds `script`: the bin file's path. */
  const binFor = (name: string, script: string) => {
    const bin = path.join(dir, `bin/${name}.js`);
    fs.writeFileSync(bin, `#!/usr/bin/env node\nrequire("../dist/${name}.cjs");\n`);
    fs.writeFileSync(path.join(dir, `dist/${name}.cjs`), `${script};\n`);
    return bin;
  };
  const commonjs = binFor("echo", ECHO_SCRIPT);
  const blocking = binFor("blocking-echo", BLOCKING_ECHO_SCRIPT);
  return { module, commonjs, blocking, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

export interface ColdStart {
  runs: number;
  /** spawn → exit of `node -e 0`. */
  floorMs: number;
  /** The bare JSON-RPC script (`node -e`): spawn → its first answer, and → its answer to a second request sent after that (the legacy shape). */
  echo: { firstMs: number; secondMs: number };
  /** The same script as an ES module file: spawn → its first answer. */
  echoModuleMs: number;
  /** The same script as CommonJS files laid out as this package's entry (bin → dist): spawn → its first answer, and its second. */
  echoFile: { firstMs: number; secondMs: number };
  /** The same files reading and writing stdio with blocking calls, as the fast start does: its first answer, and its second. */
  echoBlocking: { firstMs: number; secondMs: number };
  discoverMs: number;
  modern: { toolsListMs: number; firstCallMs: number };
  /** spawn → modern `tools/list` result with --read-only: the configuration is read before the answer. */
  readOnlyToolsListMs: number;
  legacy: { initializeMs: number; toolsListMs: number; firstCallMs: number };
}

export async function measureColdStart(entry: string, env: NodeJS.ProcessEnv, runs: number): Promise<ColdStart> {
  const echoFile = echoFiles();
  const times = async (args: string[], steps: readonly Step[]) => (await converse(args, env, steps)).map((a) => a.ms);
  const server = (steps: readonly Step[]) => () => times([entry], steps);
  const kinds = {
    floor: async () => [await floorOnce(env)],
    echo: () => times(["-e", ECHO_SCRIPT], OPENING.legacy),
    echoModule: () => times([echoFile.module], OPENING.legacy.slice(0, 1)),
    echoFile: () => times([echoFile.commonjs], OPENING.legacy),
    echoBlocking: () => times([echoFile.blocking], OPENING.legacy),
    discover: server([{ send: DISCOVER, answer: 1 }]),
    modern: server([...OPENING.modern, { send: MODERN_CALL, answer: 2 }]),
    readOnly: () => times([entry, "--read-only"], OPENING.modern),
    legacy: server([...OPENING.legacy, { send: LEGACY_CALL, answer: 3 }]),
  };
  type Kind = keyof typeof kinds;
  const order = Object.keys(kinds) as Kind[];
  const samples = Object.fromEntries(order.map((kind) => [kind, [] as number[][]])) as Record<Kind, number[][]>;
  try {
    // Warm the file system cache once for all, then interleave, in a new order each round (no kind
    // always follows the same one).
    for (const kind of order) await kinds[kind]();
    for (let round = 0; round < runs; round++) {
      for (const kind of shuffled(order)) samples[kind].push(await kinds[kind]());
    }
  } finally {
    echoFile.remove();
  }
  const at = (kind: Kind, step: number) => median(samples[kind].map((times) => times[step] ?? Number.NaN));
  return {
    runs,
    floorMs: at("floor", 0),
    echo: { firstMs: at("echo", 0), secondMs: at("echo", 1) },
    echoModuleMs: at("echoModule", 0),
    echoFile: { firstMs: at("echoFile", 0), secondMs: at("echoFile", 1) },
    echoBlocking: { firstMs: at("echoBlocking", 0), secondMs: at("echoBlocking", 1) },
    discoverMs: at("discover", 0),
    modern: { toolsListMs: at("modern", 0), firstCallMs: at("modern", 1) },
    readOnlyToolsListMs: at("readOnly", 0),
    legacy: { initializeMs: at("legacy", 0), toolsListMs: at("legacy", 1), firstCallMs: at("legacy", 2) },
  };
}
