/**
 * The start-up answers (src/mcp/front.ts) side by side with the SDK, in process: the same input goes once
 * to the SDK's stdio entry serving the real server factory, and once through the front into that same
 * entry. What each run wrote, and what the front handed over (the replay, then the rest of the input),
 * are kept for the test to compare.
 */
import { PassThrough } from "node:stream";
import { serveStdio } from "@modelcontextprotocol/server/stdio";
import pkg from "../../package.json" with { type: "json" };
import { loadConfig, type ConfigResult } from "../../src/config/config.js";
import { serveFront, type HandOff } from "../../src/mcp/front.js";
import { createServerFactory } from "../../src/mcp/server.js";
import type { StaticAnswers } from "../../src/mcp/static-answers.js";
import { joinedInput, ServedStdioTransport } from "../../src/mcp/stdio-transport.js";
import { selectTools } from "../../src/tools/select.js";

const quiet = { debug() {}, info() {}, warn() {}, error() {}, addSink() {} };

/** One JSON-RPC line. */
export const line = (message: object) => `${JSON.stringify({ jsonrpc: "2.0", ...message })}\n`;

export interface FrontRun {
  /** Every message written to stdout, parsed. */
  out: Array<Record<string, unknown>>;
  /** What the front handed to the SDK, or undefined when it never did. */
  handedOver?: string;
  /** How many times the front handed over (once at most). */
  handOffs: number;
}

export interface FrontRunOptions {
  front: boolean;
  /** Collect until the answer with this id has been written. */
  until: string | number;
  answers: StaticAnswers;
  config?: ConfigResult;
  /** Written one after the other, each its own chunk (default: `input` as one chunk). */
  chunks?: string[];
}

export async function runFront(input: string, options: FrontRunOptions): Promise<FrontRun> {
  const config = options.config ?? loadConfig({});
  const factory = createServerFactory({ version: pkg.version, config, logger: quiet, loadRuntime: () => Promise.reject(new Error("no runtime here")) });
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const run: FrontRun = { out: [], handOffs: 0 };
  let buffer = "";
  const answered = new Promise<void>((resolve) =>
    stdout.on("data", (chunk: Buffer) => {
      buffer += chunk.toString("utf8");
      const lines = buffer.split("\n");
      buffer = lines.pop() ?? "";
      for (const text of lines) {
        const message = JSON.parse(text) as Record<string, unknown>;
        run.out.push(message);
        if (message.id === options.until) resolve();
      }
    }),
  );
  const start = (handed: HandOff) => serveStdio(factory, { transport: new ServedStdioTransport(handed, stdout, () => undefined) });
  if (options.front) {
    serveFront({
      input: stdin,
      output: stdout,
      answers: options.answers,
      toolsJson: JSON.stringify(selectTools(options.answers.tools, config).map((t) => t.tool)),
      handOff: (handed) => {
        run.handOffs += 1;
        const rest = joinedInput(handed);
        const copy = new PassThrough();
        let seen = "";
        rest.on("data", (chunk: Buffer) => {
          seen += chunk.toString("utf8");
          run.handedOver = seen;
        });
        rest.pipe(copy);
        start({ head: Buffer.alloc(0), input: copy, replayIds: handed.replayIds });
      },
    });
  } else {
    start({ head: Buffer.alloc(0), input: stdin, replayIds: new Set() });
  }
  for (const chunk of options.chunks ?? [input]) {
    stdin.write(chunk);
    await new Promise((resolve) => setImmediate(resolve));
  }
  await answered;
  // Answers to requests before the last one may still be on their way (handlers are async).
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
  return run;
}

/** The answers by id (the order of concurrent answers is the SDK's business). */
export function answersById(run: FrontRun): Map<unknown, unknown> {
  const answered = new Map<unknown, unknown>();
  for (const message of run.out) if ("id" in message && !("method" in message)) answered.set(message.id, message);
  return answered;
}

/** The lines the front handed over, less its replay (its own request, and the `initialized` it passes on after an `initialize`). */
export function handedLines(run: FrontRun): string[] {
  const lines = (run.handedOver ?? "").split("\n").filter(Boolean);
  const replayed = lines.findIndex((l) => l.includes('"cronicorn-mcp/replay-'));
  if (replayed < 0) return lines;
  const withInitialized = lines[replayed + 1]?.includes('"notifications/initialized"') && lines[replayed]?.includes('"initialize"');
  return lines.slice(replayed + (withInitialized ? 2 : 1));
}
