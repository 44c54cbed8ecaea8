/** Debian's tinyproxy as a real forward proxy on a free loopback port, with its own config and log. */
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";

export interface ForwardProxy {
  url: string;
  /** The request lines tinyproxy logged, e.g. "GET http://127.0.0.1:1234/api/jobs". */
  requests(): string[];
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function untilListening(port: number, child: ChildProcess): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    if (child.exitCode !== null) throw new Error(`tinyproxy exited (${child.exitCode}); is it installed? (scripts/setup-system.sh)`);
    const up = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, "127.0.0.1", () => resolve(true));
      socket.on("error", () => resolve(false));
      socket.on("connect", () => socket.end());
    });
    if (up) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("tinyproxy did not start listening");
}

export async function startTinyproxy(): Promise<ForwardProxy> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cronicorn-tinyproxy-"));
  const port = await freePort();
  const log = path.join(dir, "tinyproxy.log");
  const conf = path.join(dir, "tinyproxy.conf");
  // No ConnectPort line: CONNECT (used for https targets) is allowed to any port of the test's peers.
  fs.writeFileSync(
    conf,
    [
      `Port ${port}`,
      "Listen 127.0.0.1",
      "Timeout 60",
      `LogFile "${log}"`,
      "LogLevel Connect",
      "MaxClients 50",
      "Allow 127.0.0.1",
      "DisableViaHeader Yes",
      "",
    ].join("\n"),
  );
  const child = spawn("tinyproxy", ["-d", "-c", conf], { stdio: "ignore" });
  await untilListening(port, child);
  return {
    url: `http://127.0.0.1:${port}`,
    requests: () => {
      const text = fs.existsSync(log) ? fs.readFileSync(log, "utf8") : "";
      return [...text.matchAll(/Request \(file descriptor \d+\): (\S+ \S+)/g)].map((m) => m[1] ?? "");
    },
    close: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill();
        await exited;
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
