/**
 * The licence notices of the real build (src/build/notices.ts, run by tsup): every package whose code
 * dist/ carries, by the build's own esbuild metafile, is listed with its installed version, declared
 * licence and licence texts, and the file ships in the tarball npm would publish.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { assertBuilt, makeWorkDir, packTarball, removeDir, ROOT } from "../../helpers/pack.js";

const DIST = path.join(ROOT, "dist");
const NOTICES = "dist/THIRD_PARTY_NOTICES.md";
/** The README's promise for the packed tarball, in kB (1000 bytes). */
const MAX_TARBALL_BYTES = 150_000;

const Metafile = z.object({ outputs: z.record(z.string(), z.object({ inputs: z.record(z.string(), z.object({ bytesInOutput: z.number() })) })) });
const Manifest = z.object({ name: z.string(), version: z.string(), license: z.string() });

interface Installed {
  dir: string;
  manifest: z.infer<typeof Manifest>;
}

/**
 * The package that owns a bundled file, found the way Node finds a package's root: the nearest folder
 * above it with a package.json that has a name (inner package.json files only set the module type).
 */
function owner(file: string): Installed {
  for (let dir = path.dirname(path.resolve(ROOT, file)); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const manifestFile = path.join(dir, "package.json");
    if (!fs.existsSync(manifestFile)) continue;
    const json = JSON.parse(fs.readFileSync(manifestFile, "utf8")) as { name?: unknown };
    if (typeof json.name === "string") return { dir, manifest: Manifest.parse(json) };
  }
  throw new Error(`no package owns ${file}`);
}

/** Every installed package with at least one byte in an output of the real build, by folder. */
function bundledPackages(): Map<string, Installed> {
  const metafiles = fs.readdirSync(DIST).filter((f) => /^metafile-.+\.json$/.test(f));
  expect(metafiles, "tsup writes a metafile per format into dist/").not.toHaveLength(0);
  const packages = new Map<string, Installed>();
  for (const name of metafiles) {
    const { outputs } = Metafile.parse(JSON.parse(fs.readFileSync(path.join(DIST, name), "utf8")));
    for (const output of Object.values(outputs)) {
      for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
        if (bytesInOutput === 0 || !input.includes("node_modules/")) continue;
        const found = owner(input);
        packages.set(found.dir, found);
      }
    }
  }
  return packages;
}

/** The texts of the licence and notice files at the root of a package. */
function licenceTexts(dir: string): string[] {
  return fs
    .readdirSync(dir)
    .filter((f) => /^(licen[cs]e|copying|notice)/i.test(f) && !/\.(c|m)?(js|ts)$|\.json$/i.test(f))
    .map((f) => fs.readFileSync(path.join(dir, f), "utf8").replaceAll("\r\n", "\n").trim());
}

describe("the third-party notices of the built package", { timeout: 120_000 }, () => {
  let notices: string;
  let work: string | undefined;

  beforeAll(() => {
    assertBuilt();
    notices = fs.readFileSync(path.join(ROOT, NOTICES), "utf8");
  });

  afterAll(() => removeDir(work));

  it("lists every package whose code the build put into dist/, with its installed version, licence and licence texts", () => {
    const packages = bundledPackages();
    expect(packages.size).toBeGreaterThan(0);
    for (const { dir, manifest } of packages.values()) {
      expect(notices, manifest.name).toContain(`| ${manifest.name} | ${manifest.version} | ${manifest.license} |`);
      const texts = licenceTexts(dir);
      expect(texts, `${manifest.name} has a licence file`).not.toHaveLength(0);
      for (const text of texts) expect(notices.includes(text), `the licence text of ${manifest.name} (${dir})`).toBe(true);
    }
    // No package is listed that the build did not bundle (table rows: a version starts with a digit).
    const listed = [...notices.matchAll(/^\| (\S+) \| (\d\S*) \| .+ \|$/gm)].map(([, name, version]) => `${name}@${version}`);
    expect(listed.sort()).toEqual([...packages.values()].map(({ manifest }) => `${manifest.name}@${manifest.version}`).sort());
  });

  it("ships in the packed tarball, without the metafile it came from, within the 150 kB the README promises", async () => {
    work = makeWorkDir();
    const tarball = await packTarball(work);
    expect(tarball.files).toContain(NOTICES);
    expect(tarball.files.filter((f) => /metafile/.test(f))).toEqual([]);
    expect(tarball.bytes).toBeLessThanOrEqual(MAX_TARBALL_BYTES);
  });
});
