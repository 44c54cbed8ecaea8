/**
 * doctor's Node.js lines: this node against package.json's engines, and whether the node an MCP client
 * would start (the first on PATH, or one a desktop app finds in a system place) is this one, or one too
 * old. The "nodes" are shell scripts in temporary folders that answer `--version` like node does.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { freshly } from "../../helpers/fresh-module.js";
import type * as NodeChecks from "../../../src/terminal/doctor/node.js";
import { removeTempDirs, tempDir } from "../../helpers/store/harness.js";

// A fresh copy of the module for each test: its constants (the version-manager patterns, the system
// places) are read when it loads, so a change to them shows only in a copy loaded after the change.
let checkNodeOnPath: typeof NodeChecks.checkNodeOnPath;
let checkNodeVersion: typeof NodeChecks.checkNodeVersion;
let nodesOnPath: typeof NodeChecks.nodesOnPath;
let parseVersion: typeof NodeChecks.parseVersion;
let satisfiesEngines: typeof NodeChecks.satisfiesEngines;
beforeEach(async () => {
  ({ checkNodeOnPath, checkNodeVersion, nodesOnPath, parseVersion, satisfiesEngines } = await freshly(() => import("../../../src/terminal/doctor/node.js")));
});
afterEach(removeTempDirs);

const ENGINES = ">=20.19";

/** An executable `node` in a new folder (under `parts` inside it) that prints `version` for --version only. */
interface FakeNodeOptions {
  /** Folders between the temporary folder and the file. */
  parts?: string[];
  /** The whole script, instead of one that prints `version`. */
  script?: string;
  mode?: number;
  name?: string;
}

async function fakeNode(version: string, { parts = [], script, mode = 0o755, name = "node" }: FakeNodeOptions = {}): Promise<string> {
  const dir = path.join(await tempDir("node-"), ...parts);
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, name);
  fs.writeFileSync(file, script ?? `#!/bin/sh\n[ "$1" = "--version" ] && echo ${version} || exit 3\n`, { mode });
  fs.chmodSync(file, mode);
  return file;
}

const fixFor = (execPath: string) =>
  `In your client's config, set "command" to the full path "${path.join(path.dirname(execPath), "npx")}" (the npx next to the node this ran on), or install Node.js 20.19+ system-wide.`;

describe("parseVersion and satisfiesEngines", () => {
  it("reads major, minor and patch, the missing parts as 0", () => {
    expect(parseVersion("v20.19.10")).toEqual([20, 19, 10]);
    expect(parseVersion("v18")).toEqual([18, 0, 0]);
    expect(parseVersion(">=20.19")).toEqual([20, 19, 0]);
    expect(parseVersion("unknown version")).toBeUndefined();
  });

  it("compares part by part, every digit of each", () => {
    expect(satisfiesEngines("v20.19.1", ">=20.19.2")).toBe(false);
    expect(satisfiesEngines("v20.19.10", ">=20.19.9")).toBe(true);
    expect(satisfiesEngines("v20.19.0", ">=20.19")).toBe(true);
    expect(satisfiesEngines("v18", ">=20.19")).toBe(false);
  });

  it("does not call a version it cannot read too old", () => {
    expect(satisfiesEngines("unknown version", ENGINES)).toBe(true);
    expect(satisfiesEngines("v18.0.0", "*")).toBe(true);
  });
});

describe("checkNodeVersion", () => {
  it("OK with what it needs, or a failure with where to get a newer one", () => {
    expect(checkNodeVersion("v22.1.0", ENGINES)).toEqual({ id: "node", title: "Node.js", status: "ok", detail: "v22.1.0 (needs >=20.19)" });
    expect(checkNodeVersion("v18.19.0", ENGINES)).toEqual({
      id: "node",
      title: "Node.js",
      status: "fail",
      detail: "v18.19.0 is older than >=20.19",
      fix: "Install Node.js 20.19 or newer (https://nodejs.org), then start the server with it.",
    });
  });
});

describe("nodesOnPath", () => {
  it("lists every executable node on PATH in order, skipping empty entries and files that cannot run", async () => {
    const a = await fakeNode("v22.0.0");
    const b = await fakeNode("v20.0.0");
    const notExecutable = await fakeNode("v20.0.0", { mode: 0o644 });
    const envPath = ["", path.dirname(notExecutable), path.dirname(b), path.dirname(a)].join(path.delimiter);
    expect(nodesOnPath(envPath, "linux")).toEqual([b, a]);
  });

  it("on Windows, looks for node.exe and node.cmd", async () => {
    const exe = await fakeNode("v22.0.0", { name: "node.exe" });
    fs.writeFileSync(path.join(path.dirname(exe), "node.cmd"), "", { mode: 0o755 });
    fs.writeFileSync(path.join(path.dirname(exe), "node"), "", { mode: 0o755 });
    expect(nodesOnPath(path.dirname(exe), "win32")).toEqual([exe, path.join(path.dirname(exe), "node.cmd")]);
    expect(nodesOnPath(path.dirname(exe), "linux")).toEqual([path.join(path.dirname(exe), "node")]);
  });
});

describe("checkNodeOnPath", () => {
  it("OK when the first node on PATH is the one running (a link to it counts as the same)", async () => {
    const self = await fakeNode("v22.0.0");
    const link = path.join(await tempDir("link-"), "node");
    fs.symlinkSync(self, link);
    expect(await checkNodeOnPath({ execPath: self, envPath: path.dirname(self), engines: ENGINES, systemNodes: [link] })).toEqual({
      id: "node-path",
      title: "node for MCP clients",
      status: "ok",
      detail: `${self} is the node on PATH`,
    });
  });

  it("warns when another node comes first on PATH, naming both versions", async () => {
    const self = await fakeNode("v22.0.0");
    const other = await fakeNode("v20.19.1");
    const envPath = [path.dirname(other), path.dirname(self)].join(path.delimiter);
    expect(await checkNodeOnPath({ execPath: self, envPath, engines: ENGINES, systemNodes: [] })).toEqual({
      id: "node-path",
      title: "node for MCP clients",
      status: "warn",
      detail: `the first node on PATH is ${other} (v20.19.1), not ${self} (${process.version}) that runs this`,
      fix: `Make sure your client starts a node >=20.19; ${fixFor(self)}`,
    });
  });

  it("fails when the first node on PATH is too old", async () => {
    const self = await fakeNode("v22.0.0");
    const old = await fakeNode("v18.19.0");
    expect(await checkNodeOnPath({ execPath: self, envPath: path.dirname(old), engines: ENGINES, systemNodes: [] })).toEqual({
      id: "node-path",
      title: "node for MCP clients",
      status: "fail",
      detail: `the first node on PATH is ${old} (v18.19.0), not ${self} (${process.version}) that runs this`,
      fix: fixFor(self),
    });
  });

  it("a first node on PATH that does not say its version: warns, with the version unknown", async () => {
    const self = await fakeNode("v22.0.0");
    const broken = await fakeNode("", { script: "#!/bin/sh\nexit 1\n" });
    expect(await checkNodeOnPath({ execPath: self, envPath: path.dirname(broken), engines: ENGINES, systemNodes: [] })).toMatchObject({
      status: "warn",
      detail: `the first node on PATH is ${broken} (unknown version), not ${self} (${process.version}) that runs this`,
    });
  });

  it("a node from a version manager: warns that desktop clients may not see it, and fails when they would find one too old", async () => {
    const self = await fakeNode("v22.0.0", { parts: [".nvm", "versions", "node", "v22.0.0", "bin"] });
    const options = { execPath: self, envPath: path.dirname(self), engines: ENGINES };
    const visible = `this node comes from a version manager (${self}), which desktop clients started outside a terminal usually cannot see`;
    expect(await checkNodeOnPath({ ...options, systemNodes: [] })).toEqual({
      id: "node-path",
      title: "node for MCP clients",
      status: "warn",
      detail: visible,
      fix: fixFor(self),
    });
    const old = await fakeNode("v18.19.0");
    const older = await fakeNode("v16.0.0");
    expect(await checkNodeOnPath({ ...options, systemNodes: [old, older] })).toEqual({
      id: "node-path",
      title: "node for MCP clients",
      status: "fail",
      detail: `${visible}; they would find ${old} v18.19.0, ${older} v16.0.0`,
      fix: fixFor(self),
    });
  });

  it.each([
    ["nvm", "/home/ada/.nvm/versions/node/v22.0.0/bin/node"],
    ["nvm installed system-wide, or nvm-windows", "/usr/local/NVM/v22.0.0/bin/node"],
    ["fnm", "/home/ada/.local/share/fnm/node-versions/v22.0.0/installation/bin/node"],
    ["Volta", "/home/ada/.volta/tools/image/node/22.0.0/bin/node"],
    ["asdf", "/home/ada/.asdf/installs/nodejs/22.0.0/bin/node"],
    ["nodenv", "/home/ada/.nodenv/versions/22.0.0/bin/node"],
    ["mise", "/home/ada/.local/share/mise/installs/node/22.0.0/bin/node"],
    ["nvm, Windows separators", "C:\\Users\\ada\\.nvm\\v22.0.0\\node.exe"],
  ])("recognises a node from %s", async (_manager, execPath) => {
    expect(await checkNodeOnPath({ execPath, envPath: "", engines: ENGINES, systemNodes: [] })).toMatchObject({
      status: "warn",
      detail: `this node comes from a version manager (${execPath}), which desktop clients started outside a terminal usually cannot see`,
    });
  });

  it("does not take a folder that only contains a manager's name for the manager", async () => {
    for (const execPath of [
      "/opt/my.nvm-tools/bin/node",
      "/opt/xnvm/bin/node",
      "/opt/.voltage/bin/node",
      "/home/ada/.local/share/misery/bin/node",
      "/opt/.asdfx/node",
    ])
      expect((await checkNodeOnPath({ execPath, envPath: "", engines: ENGINES, systemNodes: [] })).status, execPath).toBe("ok");
  });

  it.skipIf(!fs.existsSync("/usr/bin/node"))("looks in the system places a desktop app's PATH includes (here: /usr/bin/node)", async () => {
    const self = await fakeNode("v99.0.0");
    const system = fs.realpathSync("/usr/bin/node");
    const version = execFileSync(system, ["--version"], { encoding: "utf8" }).trim();
    const result = await checkNodeOnPath({ execPath: self, envPath: path.dirname(self), engines: ">=99" });
    expect(result).toMatchObject({ status: "warn", detail: expect.stringContaining(`${system} ${version}`) });
  });

  it("warns about a system node that is too old, even when PATH is right", async () => {
    const self = await fakeNode("v22.0.0");
    const old = await fakeNode("v18.19.0");
    const older = await fakeNode("v16.0.0");
    const fine = await fakeNode("v22.3.0");
    expect(await checkNodeOnPath({ execPath: self, envPath: path.dirname(self), engines: ENGINES, systemNodes: [fine, old, older] })).toEqual({
      id: "node-path",
      title: "node for MCP clients",
      status: "warn",
      detail: `another node on this machine is too old: ${old} v18.19.0, ${older} v16.0.0`,
      fix: `If your client fails to start the server, ${fixFor(self)}`,
    });
  });

  it("never counts the node that runs this among the others, however old", async () => {
    const self = await fakeNode("v22.0.0");
    expect(await checkNodeOnPath({ execPath: self, envPath: path.dirname(self), engines: ">=99", systemNodes: [self] })).toMatchObject({ status: "ok" });
  });

  it("does not count a system node it cannot run, or one that does not say its version", async () => {
    const self = await fakeNode("v22.0.0");
    const notExecutable = await fakeNode("v18.19.0", { mode: 0o644 });
    const silent = await fakeNode("", { script: "#!/bin/sh\nexit 1\n" });
    const missing = path.join(path.dirname(self), "no-such-node");
    expect(
      await checkNodeOnPath({ execPath: self, envPath: path.dirname(self), engines: ENGINES, systemNodes: [notExecutable, silent, missing] }),
    ).toMatchObject({ status: "ok" });
  });

  it("gives up on a node that does not answer within its time limit", async () => {
    const self = await fakeNode("v22.0.0");
    const hanging = await fakeNode("", { script: "#!/bin/sh\nexec sleep 10\n" });
    const started = Date.now();
    const result = await checkNodeOnPath({ execPath: self, envPath: path.dirname(self), engines: ENGINES, systemNodes: [hanging], timeoutMs: 200 });
    expect(result.status).toBe("ok");
    expect(Date.now() - started).toBeLessThan(2_500);
  });

  it("on Windows, points at npx.cmd", async () => {
    const self = await fakeNode("v22.0.0");
    const old = await fakeNode("v18.19.0", { name: "node.exe" });
    const result = await checkNodeOnPath({ execPath: self, envPath: path.dirname(old), engines: ENGINES, systemNodes: [], platform: "win32" });
    expect(result).toMatchObject({ status: "fail", fix: expect.stringContaining(`"${path.join(path.dirname(self), "npx.cmd")}"`) });
  });
});
