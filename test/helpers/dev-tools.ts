/**
 * Tools the tests use that the project's own install does not bring (`npm ci` compiles and downloads
 * nothing for them): `npm run setup:system` puts each into .cache/ (git-ignored), in a folder of its
 * own, and the tests reach them by path.
 */
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { ROOT } from "./pack.js";

export const DEV_CACHE = path.join(ROOT, ".cache");

function required(file: string, what: string): string {
  if (!fs.existsSync(file)) throw new Error(`${what} is missing (${path.relative(ROOT, file)}): run \`npm run setup:system\`, which installs it.`);
  return file;
}

/** keytar's package folder: what a user who installed keytar beside cronicorn-mcp has in node_modules/keytar. */
export function keytarDir(): string {
  return path.dirname(required(path.join(DEV_CACHE, "keytar/node_modules/keytar/package.json"), "keytar"));
}

/** keytar's entry file, for `require()` in a child process. */
export function keytarEntry(): string {
  return createRequire(path.join(keytarDir(), "package.json")).resolve("keytar");
}

/** `import()` of keytar by path, in the shape production's `import("keytar")` gives. */
export function importKeytar(): Promise<unknown> {
  return import(pathToFileURL(keytarEntry()).href);
}

/** The Node.js binary of a tested release line other than the one running the tests. */
export function nodeBinary(major: 22 | 24): string {
  return required(path.join(DEV_CACHE, `node/${major}/bin/node`), `Node.js ${major}`);
}

/** The Claude Code CLI. */
export function claudeBinary(): string {
  return required(path.join(DEV_CACHE, "claude-code/node_modules/.bin/claude"), "The Claude Code CLI");
}
