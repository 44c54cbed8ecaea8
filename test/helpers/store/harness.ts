/** Shared by the store tests: temp folders, records, a capturing logger, and child processes run through tsx. */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Logger } from "../../../src/core/log.js";
import type { CredentialRecord } from "../../../src/auth/store/types.js";

export const REPO_ROOT = fileURLToPath(new URL("../../..", import.meta.url));
export const FIXTURES = fileURLToPath(new URL("./", import.meta.url));

const made: string[] = [];

export async function tempDir(prefix = "store-"): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `cronicorn-${prefix}`));
  made.push(dir);
  return dir;
}

export async function removeTempDirs(): Promise<void> {
  await Promise.all(made.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
}

export function makeRecord(overrides: Partial<CredentialRecord> = {}): CredentialRecord {
  return {
    access_token: "access-token-0123456789",
    refresh_token: "refresh-token-0123456789",
    expires_at: 1_900_000_000_000,
    token_type: "Bearer",
    scope: "openid profile",
    issuer: "https://cronicorn.com/api/auth",
    client_id: "cronicorn-mcp",
    obtained_at: 1_800_000_000_000,
    flow: "device",
    ...overrides,
  };
}

export interface CapturedLogger extends Logger {
  lines: { level: string; message: string }[];
  warnings(): string[];
}

export function captureLogger(): CapturedLogger {
  const lines: { level: string; message: string }[] = [];
  const at = (level: string) => (message: string) => void lines.push({ level, message });
  return {
    lines,
    debug: at("debug"),
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
    warnings: () => lines.filter((l) => l.level === "warn").map((l) => l.message),
  };
}

/** `node --import tsx <fixture> …args` from the repository root. */
export function spawnFixture(script: string, args: string[], env: NodeJS.ProcessEnv = process.env): ChildProcess {
  return spawn(process.execPath, ["--import", "tsx", path.join(FIXTURES, script), ...args], {
    cwd: REPO_ROOT,
    env,
    stdio: ["pipe", "pipe", "pipe"],
  });
}

/** The shell command that runs a fixture, for scripts run by `sh -c`. */
export function fixtureCommand(script: string): string {
  return `"${process.execPath}" --import tsx "${path.join(FIXTURES, script)}"`;
}

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function finished(child: ChildProcess): Promise<Finished> {
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** Resolve when the child prints `line` on stdout; reject if it exits first. */
export function waitForLine(child: ChildProcess, line: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = "";
    let stderr = "";
    const onData = (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.split("\n").includes(line)) {
        child.stdout?.off("data", onData);
        child.off("exit", onExit);
        resolve();
      }
    };
    const onExit = (code: number | null) => reject(new Error(`fixture exited (${code}) before printing "${line}": ${stderr}`));
    child.stdout?.on("data", onData);
    child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("exit", onExit);
  });
}

export function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The origin the crash test writes, and the record for (round, seq): every field derives from both, so a torn write shows. */
export const CRASH_ORIGIN = "https://cronicorn.com";

export function crashRecord(round: number, seq: number): CredentialRecord {
  const stamp = 2_000_000_000_000 + round * 1_000_000 + seq;
  return makeRecord({
    access_token: `access-${round}-${seq}`,
    refresh_token: `refresh-${round}-${seq}`,
    // Large enough that a write takes several syscalls.
    scope: `scope-${round}-${seq}-${"x".repeat(8_000)}`,
    expires_at: stamp,
    obtained_at: stamp,
  });
}
