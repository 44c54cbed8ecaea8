/**
 * The package as a user gets it: `npm pack` of this repo, then `npm install <tarball>` into an empty
 * folder with production dependencies only. Shared by the package tests and the bench.
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { z } from "zod";

export const ROOT = path.resolve(import.meta.dirname, "../..");
export const BIN_NAME = "cronicorn-mcp";

const execFileAsync = promisify(execFile);
const MAX_OUTPUT = 32 * 1024 * 1024;

export interface PackedTarball {
  path: string;
  /** Size of the .tgz in bytes. */
  bytes: number;
  unpackedBytes: number;
  /** Paths inside the package, e.g. "dist/cli.js". */
  files: string[];
}

export interface InstallOptions {
  /** Added to npm's environment (e.g. to make a native build fail). */
  env?: Record<string, string>;
  /** Extra `npm install` arguments. */
  args?: string[];
  /** Where the temp install folder is created; defaults to the OS temp dir. */
  parent?: string;
}

export interface InstalledPackage {
  /** The folder that holds package.json and node_modules/. */
  dir: string;
  /** node_modules/.bin/cronicorn-mcp */
  bin: string;
  /** Wall time of `npm install <tarball>` alone. */
  installMs: number;
  /** Real packages under node_modules (cronicorn-mcp itself included). */
  packages: number;
  /** What npm printed (stdout then stderr). */
  output: string;
}

const PackJson = z.array(
  z.object({
    filename: z.string(),
    size: z.number(),
    unpackedSize: z.number(),
    files: z.array(z.object({ path: z.string() })),
  }),
);

/**
 * The environment npm runs with here: ours minus every npm_* variable. Under `npm test` those carry
 * this checkout's settings (npm_config_local_prefix=/work/main …) and would install into it.
 */
export function npmEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^npm_/i.test(key)) env[key] = value;
  }
  return { ...env, ...extra };
}

async function npm(args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<{ stdout: string; stderr: string }> {
  try {
    return await execFileAsync("npm", args, { cwd, env, maxBuffer: MAX_OUTPUT });
  } catch (err) {
    const { stdout = "", stderr = "" } = err as { stdout?: string; stderr?: string };
    throw new Error(`\`npm ${args.join(" ")}\` failed in ${cwd}:\n${stdout}\n${stderr}`.trimEnd(), { cause: err });
  }
}

export function assertBuilt(): void {
  if (!fs.existsSync(path.join(ROOT, "dist/cli.js"))) throw new Error("dist/ is missing: run `npm run build` first (npm test does).");
}

/** `npm pack --json` prints after whatever the prepack build wrote to stdout: the JSON is the array that starts a line. */
function parsePackOutput(stdout: string): z.infer<typeof PackJson>[number] {
  const start = stdout.search(/^\[/m);
  if (start < 0) throw new Error(`npm pack printed no JSON: ${stdout.slice(-2000)}`);
  const [packed] = PackJson.parse(JSON.parse(stdout.slice(start)));
  if (!packed) throw new Error(`npm pack reported no package: ${stdout}`);
  return packed;
}

/** `npm pack` the package in `source` into `outDir`; its prepack builds dist/ unless `ignoreScripts`. */
export async function packFrom(source: string, outDir: string, options: { ignoreScripts?: boolean } = {}): Promise<PackedTarball> {
  const { stdout } = await npm(["pack", "--json", ...(options.ignoreScripts ? ["--ignore-scripts"] : []), "--pack-destination", outDir], source, npmEnv());
  const packed = parsePackOutput(stdout);
  const tarball = path.join(outDir, packed.filename);
  return { path: tarball, bytes: fs.statSync(tarball).size, unpackedBytes: packed.unpackedSize, files: packed.files.map((f) => f.path) };
}

/**
 * `npm pack` this checkout's working tree as already built, into `outDir`. Scripts are off: prepack
 * would rebuild (and first clean) dist/ under every test that is running the built server.
 */
export async function packTarball(outDir: string): Promise<PackedTarball> {
  assertBuilt();
  return packFrom(ROOT, outDir, { ignoreScripts: true });
}

/** A shallow clone of this checkout's committed HEAD into `dir`: what a new contributor or CI starts from (nothing git-ignored comes along). */
export async function cloneHead(dir: string): Promise<{ dir: string; commit: string }> {
  await execFileAsync("git", ["init", "-q", dir]);
  await execFileAsync("git", ["-C", dir, "fetch", "-q", "--depth=1", ROOT, "HEAD"]);
  await execFileAsync("git", ["-C", dir, "checkout", "-q", "FETCH_HEAD"]);
  const { stdout: commit } = await execFileAsync("git", ["-C", dir, "rev-parse", "HEAD"]);
  return { dir, commit: commit.trim() };
}

export interface CleanClonePack extends PackedTarball {
  /** The commit that was packed. */
  commit: string;
  /** Whether the clone had a dist/ before `npm pack` ran (it must not). */
  hadDist: boolean;
}

/**
 * `npm pack` in a fresh clone of the committed HEAD, as a publisher would from a clean checkout:
 * no dist/ exists, so only `prepack` can put the bundle into the tarball. The clone borrows this
 * checkout's node_modules (a symlink) instead of installing: `npm ci --offline` costs far longer
 * than the build itself.
 */
export async function packCleanClone(outDir: string): Promise<CleanClonePack> {
  const { dir: clone, commit } = await cloneHead(path.join(outDir, "clone"));
  const hadDist = fs.existsSync(path.join(clone, "dist"));
  fs.symlinkSync(fs.realpathSync(path.join(ROOT, "node_modules")), path.join(clone, "node_modules"), "dir");
  return { ...(await packFrom(clone, outDir)), commit, hadDist };
}

/** Every real package folder (`name/` and `@scope/name/` with a package.json), nested node_modules included. */
export function packageDirs(nodeModules: string): string[] {
  if (!fs.existsSync(nodeModules)) return [];
  const found: string[] = [];
  for (const entry of fs.readdirSync(nodeModules, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith(".")) continue;
    const parent = path.join(nodeModules, entry.name);
    const dirs = entry.name.startsWith("@")
      ? fs
          .readdirSync(parent, { withFileTypes: true })
          .filter((d) => d.isDirectory())
          .map((d) => path.join(parent, d.name))
      : [parent];
    for (const dir of dirs) {
      if (fs.existsSync(path.join(dir, "package.json"))) found.push(dir);
      found.push(...packageDirs(path.join(dir, "node_modules")));
    }
  }
  return found;
}

/** Install `tarball` into a new empty folder with production dependencies only, from the local npm cache when it can. */
export async function installTarball(tarball: string, options: InstallOptions = {}): Promise<InstalledPackage> {
  const dir = fs.mkdtempSync(path.join(options.parent ?? os.tmpdir(), "cronicorn-mcp-install-"));
  const env = npmEnv(options.env);
  await npm(["init", "-y"], dir, env);
  const start = process.hrtime.bigint();
  const { stdout, stderr } = await npm(["install", "--omit=dev", "--no-audit", "--no-fund", "--prefer-offline", ...(options.args ?? []), tarball], dir, env);
  const installMs = Number(process.hrtime.bigint() - start) / 1e6;
  return {
    dir,
    bin: path.join(dir, "node_modules/.bin", BIN_NAME),
    installMs,
    packages: packageDirs(path.join(dir, "node_modules")).length,
    output: `${stdout}\n${stderr}`,
  };
}

/** A fresh temp folder for one test or bench run; remove it with `removeDir`. */
export function makeWorkDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "cronicorn-mcp-package-"));
}

export function removeDir(dir: string | undefined): void {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}
