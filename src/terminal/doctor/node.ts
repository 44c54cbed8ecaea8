/**
 * Node.js checks: this process's version against package.json's engines, and whether the `node` an
 * MCP client would start is the one the terminal runs. Desktop apps do not read shell start-up files,
 * so a node installed with nvm (or fnm, volta, asdf) is often invisible to them: they find an older
 * system node, or none, while every terminal test passes.
 */
import { execFile } from "node:child_process";
import { accessSync, constants, realpathSync } from "node:fs";
import path from "node:path";
import { check, type CheckResult } from "./types.js";

type Version = [number, number, number];

export function parseVersion(text: string): Version | undefined {
  const match = /(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(text);
  if (!match) return undefined;
  return [Number(match[1]), Number(match[2] ?? 0), Number(match[3] ?? 0)];
}

/** Only the `>=X.Y[.Z]` form package.json uses. */
export function satisfiesEngines(version: string, engines: string): boolean {
  const have = parseVersion(version);
  const need = parseVersion(engines);
  if (!have || !need) return true;
  for (let i = 0; i < 3; i++) {
    if ((have[i] as number) !== (need[i] as number)) return (have[i] as number) > (need[i] as number);
  }
  return true;
}

export function checkNodeVersion(version: string, engines: string): CheckResult {
  return satisfiesEngines(version, engines)
    ? check("node", "Node.js", "ok", `${version} (needs ${engines})`)
    : check(
        "node",
        "Node.js",
        "fail",
        `${version} is older than ${engines}`,
        `Install Node.js ${engines.replace(">=", "")} or newer (https://nodejs.org), then start the server with it.`,
      );
}

/** Version managers that put node where only a shell's start-up files can find it. */
const MANAGED = [
  /[/\\]\.nvm[/\\]/,
  /[/\\]nvm[/\\]/i,
  /[/\\]fnm/,
  /[/\\]\.volta[/\\]/,
  /[/\\]\.asdf[/\\]/,
  /[/\\]\.nodenv[/\\]/,
  /[/\\]\.local[/\\]share[/\\]mise[/\\]/,
];

/** Every executable named node on PATH, in order. */
export function nodesOnPath(envPath: string, platform: NodeJS.Platform = process.platform): string[] {
  const names = platform === "win32" ? ["node.exe", "node.cmd"] : ["node"];
  const found: string[] = [];
  for (const dir of envPath.split(path.delimiter).filter(Boolean)) {
    for (const name of names) {
      const candidate = path.join(dir, name);
      try {
        accessSync(candidate, constants.X_OK);
        found.push(candidate);
      } catch {
        // not here
      }
    }
  }
  return found;
}

function real(file: string): string {
  try {
    return realpathSync(file);
  } catch {
    return file;
  }
}

function versionOf(node: string, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(node, ["--version"], { timeout: timeoutMs, windowsHide: true }, (error, stdout) => resolve(error ? undefined : stdout.trim()));
  });
}

export interface NodePathOptions {
  execPath: string;
  envPath: string;
  engines: string;
  /** System places a desktop app's PATH includes even when the shell's does not. */
  systemNodes?: string[];
  timeoutMs?: number;
  /** The OS whose file names (node.exe, npx.cmd) are looked for; this one unless a test names another. */
  platform?: NodeJS.Platform;
}

const SYSTEM_NODES = ["/usr/local/bin/node", "/opt/homebrew/bin/node", "/usr/bin/node"];

/** Does the node a client would find match this one? */
export async function checkNodeOnPath(options: NodePathOptions): Promise<CheckResult> {
  const title = "node for MCP clients";
  const self = real(options.execPath);
  const platform = options.platform ?? process.platform;
  const npxHint = path.join(path.dirname(options.execPath), platform === "win32" ? "npx.cmd" : "npx");
  const fix = `In your client's config, set "command" to the full path "${npxHint}" (the npx next to the node this ran on), or install Node.js ${options.engines.replace(">=", "")}+ system-wide.`;
  const onPath = nodesOnPath(options.envPath, platform);
  const first = onPath[0];
  const candidates = [...new Set([...onPath, ...(options.systemNodes ?? SYSTEM_NODES)].map(real))].filter((n) => n !== self);
  const others: Array<{ node: string; version: string | undefined }> = [];
  for (const node of candidates) {
    try {
      accessSync(node, constants.X_OK);
    } catch {
      continue;
    }
    others.push({ node, version: await versionOf(node, options.timeoutMs ?? 3000) });
  }
  const tooOld = others.filter((o) => o.version && !satisfiesEngines(o.version, options.engines));
  if (first && real(first) !== self) {
    const firstVersion = others.find((o) => o.node === real(first))?.version ?? "unknown version";
    const bad = !satisfiesEngines(firstVersion, options.engines);
    return check(
      "node-path",
      title,
      bad ? "fail" : "warn",
      `the first node on PATH is ${first} (${firstVersion}), not ${options.execPath} (${process.version}) that runs this`,
      bad ? fix : `Make sure your client starts a node ${options.engines}; ${fix}`,
    );
  }
  if (MANAGED.some((re) => re.test(self))) {
    const older = tooOld.map((o) => `${o.node} ${o.version}`).join(", ");
    return check(
      "node-path",
      title,
      tooOld.length > 0 ? "fail" : "warn",
      `this node comes from a version manager (${options.execPath}), which desktop clients started outside a terminal usually cannot see${older ? `; they would find ${older}` : ""}`,
      fix,
    );
  }
  if (tooOld.length > 0) {
    return check(
      "node-path",
      title,
      "warn",
      `another node on this machine is too old: ${tooOld.map((o) => `${o.node} ${o.version}`).join(", ")}`,
      `If your client fails to start the server, ${fix}`,
    );
  }
  return check("node-path", title, "ok", `${options.execPath} is the node on PATH`);
}
