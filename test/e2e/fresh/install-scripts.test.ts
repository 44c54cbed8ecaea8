/**
 * `npm ci` compiles nothing: no package in the lockfile may run an install script except the few
 * below, each of which only checks or places a prebuilt binary. A native build (keytar's node-gyp
 * against libsecret, say) would make `npm ci` fail on a machine without the build's headers.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { ROOT } from "../../helpers/pack.js";

/** Package name → why its install script is acceptable. */
const ALLOWED_INSTALL_SCRIPTS: Record<string, string> = {
  // postinstall `node install.js` runs the prebuilt binary of the @esbuild/<platform> optional
  // dependency to check its version (and, on npm, hard-links it into place); it builds nothing. It
  // would download that same package only if the optional dependency had been skipped.
  esbuild: "validates its prebuilt platform binary",
};

const Lockfile = z.object({
  packages: z.record(z.string(), z.object({ hasInstallScript: z.boolean().optional() })),
});
const PackageJson = z.object({ allowScripts: z.record(z.string(), z.boolean()).optional() });

/** "node_modules/a/node_modules/@s/b" → "@s/b". */
const nameOf = (lockPath: string): string => lockPath.slice(lockPath.lastIndexOf("node_modules/") + "node_modules/".length);

describe("install scripts", () => {
  it("no package in package-lock.json has an install script, except the justified ones", () => {
    const lock = Lockfile.parse(JSON.parse(fs.readFileSync(path.join(ROOT, "package-lock.json"), "utf8")));
    const withScripts = Object.entries(lock.packages)
      .filter(([lockPath, entry]) => lockPath !== "" && entry.hasInstallScript)
      .map(([lockPath]) => nameOf(lockPath));
    expect(withScripts.filter((name) => !(name in ALLOWED_INSTALL_SCRIPTS))).toEqual([]);
  });

  it("package.json allows install scripts only for the justified packages", () => {
    const pkg = PackageJson.parse(JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")));
    const allowed = Object.entries(pkg.allowScripts ?? {})
      .filter(([, on]) => on)
      .map(([name]) => name.replace(/(.)@.*$/, "$1"));
    expect(allowed.filter((name) => !(name in ALLOWED_INSTALL_SCRIPTS))).toEqual([]);
  });
});
