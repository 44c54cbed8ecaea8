// Runs the built server and copies every byte it writes to stdout/stderr into files, so tests can
// check that stdout carries nothing but JSON-RPC and that no secret was ever printed.
import { spawn } from "node:child_process";
import fs from "node:fs";

const [serverPath, ...args] = process.argv.slice(2);
const stdoutCopy = fs.openSync(process.env.TEE_STDOUT_FILE, "a");
const stderrCopy = fs.openSync(process.env.TEE_STDERR_FILE, "a");
const env = { ...process.env };
delete env.TEE_STDOUT_FILE;
delete env.TEE_STDERR_FILE;

const child = spawn(process.execPath, [serverPath, ...args], { stdio: ["pipe", "pipe", "pipe"], env });
process.stdin.pipe(child.stdin);
child.stdout.on("data", (chunk) => {
  fs.writeSync(stdoutCopy, chunk);
  process.stdout.write(chunk);
});
child.stderr.on("data", (chunk) => {
  fs.writeSync(stderrCopy, chunk);
  process.stderr.write(chunk);
});
for (const signal of ["SIGTERM", "SIGINT"]) process.on(signal, () => child.kill(signal));
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
