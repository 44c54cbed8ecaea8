/**
 * The README's demo command on a fresh machine: a clean clone of HEAD, `npm ci`, then `npm run demo`,
 * with none of what `npm run setup:system` installs for the tests within reach. libsecret's pkg-config
 * entry is hidden (PKG_CONFIG_LIBDIR points at an empty folder), as on a machine without
 * libsecret-1-dev: a native build against it would fail `npm ci`, so this also proves `npm ci`
 * compiles nothing. The npm cache is the machine's, so packages come from it when they can.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cloneHead, makeWorkDir, npmEnv, removeDir, ROOT } from "../../helpers/pack.js";

/** The command under "see the main job working" in the README's Development section. */
function readmeDemoCommand(): string {
  const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
  const command = /# see the main job working[^\n]*\n([^\n]+)\n/.exec(readme)?.[1];
  if (!command) throw new Error("the README's Development section has no demo command under '# see the main job working'");
  return command.trim();
}

function run(command: string, cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("sh", ["-c", command], { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, output }));
  });
}

/** Native addons compiled during the install: node-gyp leaves build/Release/*.node behind. */
function compiledAddons(nodeModules: string): string[] {
  const found: string[] = [];
  const walk = (dir: string, depth: number): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (!entry.isDirectory() || entry.isSymbolicLink()) continue;
      const full = path.join(dir, entry.name);
      if (entry.name === "build" && fs.existsSync(path.join(full, "Release"))) found.push(path.relative(nodeModules, full));
      else if (depth < 6) walk(full, depth + 1);
    }
  };
  walk(nodeModules, 0);
  return found;
}

describe("a fresh clone", { timeout: 600_000 }, () => {
  let work: string;
  let clone: string;
  let result: { code: number | null; output: string };

  beforeAll(async () => {
    work = makeWorkDir();
    ({ dir: clone } = await cloneHead(path.join(work, "clone")));
    const noPkgConfig = path.join(work, "empty-pkgconfig");
    fs.mkdirSync(noPkgConfig);
    const env = npmEnv({
      PKG_CONFIG_LIBDIR: noPkgConfig,
      PKG_CONFIG_PATH: "",
      npm_config_prefer_offline: "true",
      npm_config_audit: "false",
      npm_config_fund: "false",
    });
    result = await run(readmeDemoCommand(), clone, env);
  }, 600_000);

  afterAll(() => removeDir(work));

  it("runs the README's `npm ci && npm run demo` to a passing demo without libsecret's headers", () => {
    expect(readmeDemoCommand()).toBe("npm ci && npm run demo");
    expect(result.code, result.output.slice(-4000)).toBe(0);
    expect(result.output).toMatch(/Every step did what it says/);
  });

  it("`npm ci` built no native addon", () => {
    expect(result.output).not.toMatch(/node-gyp|gyp info/);
    expect(compiledAddons(path.join(clone, "node_modules"))).toEqual([]);
  });
});
