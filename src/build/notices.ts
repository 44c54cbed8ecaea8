/**
 * Build step (run by tsup after bundling): the licence notices of every npm package whose code the
 * bundle carries, written to dist/THIRD_PARTY_NOTICES.md. The list is derived from esbuild's metafile
 * (tsup `metafile: true`), so it follows whatever the bundle holds; a bundled package without a licence
 * file fails the build. Nothing here ships in the bundle.
 */
import fs from "node:fs";
import path from "node:path";
import * as z from "zod";

export const NOTICES_FILE = "THIRD_PARTY_NOTICES.md";
/** What tsup names the metafile of each format it builds (metafile-esm.json …). */
const METAFILE = /^metafile-.+\.json$/;
/** LICENSE, LICENCE.md, License, LICENSE-MIT, COPYING, NOTICE.txt …; not code that happens to share the name. */
const LICENCE_FILE = /^(licen[cs]e|copying|notice)([-_.][\w.-]*)?$/i;
const CODE_FILE = /\.(c|m)?(js|ts)$|\.json$/i;
const NODE_MODULES = "node_modules/";

/** The bundle's licence notices cannot be written: the message names the package and what to do. */
export class NoticesError extends Error {
  override readonly name = "NoticesError";
}

const Metafile = z.object({
  outputs: z.record(z.string(), z.object({ inputs: z.record(z.string(), z.object({ bytesInOutput: z.number() })) })),
});

const Manifest = z.object({ name: z.string(), version: z.string(), license: z.string().optional() });

interface LicenceText {
  /** The file's name inside its package, e.g. "LICENSE.md". */
  file: string;
  text: string;
}

interface BundledPackage {
  name: string;
  version: string;
  /** The SPDX expression its package.json declares. */
  license: string;
  texts: LicenceText[];
}

/** The files (relative to `root`, as esbuild records them) that put at least one byte into an output. */
function bundledInputs(outDir: string): Set<string> {
  const names = fs.existsSync(outDir) ? fs.readdirSync(outDir).filter((f) => METAFILE.test(f)) : [];
  if (names.length === 0) {
    throw new NoticesError(`no esbuild metafile in ${outDir}: set \`metafile: true\` in tsup.config.ts, the licence notices are derived from it`);
  }
  const inputs = new Set<string>();
  for (const name of names) {
    const { outputs } = Metafile.parse(JSON.parse(fs.readFileSync(path.join(outDir, name), "utf8")));
    for (const output of Object.values(outputs)) {
      for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) if (bytesInOutput > 0) inputs.add(input);
    }
  }
  return inputs;
}

/**
 * The folder of the package that owns `input`: the name right after its last node_modules/ (nested
 * and scoped alike), so a package's inner package.json files ({"type":"module"}) never pass for it.
 * Undefined for the project's own files.
 */
function owningPackageDir(input: string): string | undefined {
  // esbuild records inputs relative to where it ran, with forward slashes on every platform.
  const at = input.lastIndexOf(NODE_MODULES);
  if (at < 0) {
    if (input.startsWith("../") || path.isAbsolute(input)) {
      throw new NoticesError(`the bundle holds ${input}, which is neither in node_modules nor in this project, so no package's licence can be named for it`);
    }
    return undefined;
  }
  const [first = "", second = ""] = input.slice(at + NODE_MODULES.length).split("/");
  return input.slice(0, at + NODE_MODULES.length) + (first.startsWith("@") ? `${first}/${second}` : first);
}

function readLicenceTexts(dir: string): LicenceText[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isFile() && LICENCE_FILE.test(entry.name) && !CODE_FILE.test(entry.name))
    .map((entry) => entry.name)
    .sort()
    .map((file) => ({ file, text: fs.readFileSync(path.join(dir, file), "utf8").replaceAll("\r\n", "\n").trim() }))
    .filter(({ text }) => text.length > 0);
}

function readBundledPackage(root: string, dir: string): BundledPackage {
  const parsed = Manifest.safeParse(JSON.parse(fs.readFileSync(path.join(root, dir, "package.json"), "utf8")));
  if (!parsed.success) throw new NoticesError(`the bundle holds code of ${dir}, whose package.json has no name and version to list it by`);
  const { name, version, license } = parsed.data;
  const id = `${name}@${version} (${dir})`;
  if (!license) {
    throw new NoticesError(
      `the bundle holds code of ${id}, whose package.json declares no SPDX \`license\`: check its terms, then keep it external or out of the bundle`,
    );
  }
  const texts = readLicenceTexts(path.join(root, dir));
  if (!texts.some(({ file }) => !/^notice/i.test(file))) {
    throw new NoticesError(
      `the bundle holds code of ${id}, which has no LICENSE, LICENCE or COPYING file to copy into ${NOTICES_FILE}: keep it external (a dependency carries its own licence) or out of the bundle`,
    );
  }
  return { name, version, license, texts };
}

/** Every package with code in the bundle described by the metafile(s) in `outDir`, by name then version. */
function bundledPackages(outDir: string, root: string): BundledPackage[] {
  const dirs = new Set<string>();
  for (const input of bundledInputs(outDir)) {
    const dir = owningPackageDir(input);
    if (dir) dirs.add(dir);
  }
  return [...dirs]
    .map((dir) => readBundledPackage(root, dir))
    .sort((a, b) => a.name.localeCompare(b.name) || a.version.localeCompare(b.version, undefined, { numeric: true }));
}

/** A Markdown fence longer than any run of backticks in `text`, so no licence can close it early. */
function fence(text: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map(([run]) => run.length));
  return "`".repeat(longest + 1);
}

/** The notices as Markdown: a table of the packages, then each distinct licence text once, headed by the packages it covers. */
function renderNotices(packages: BundledPackage[]): string {
  const byText = new Map<string, string[]>();
  for (const pkg of packages) {
    for (const { file, text } of pkg.texts) byText.set(text, [...(byText.get(text) ?? []), `${pkg.name} ${pkg.version} (${file})`]);
  }
  const lines = [
    "# Third-party notices",
    "",
    "cronicorn-mcp's `dist/` bundles code from the npm packages below. Their licence texts follow, each",
    "text once, headed by the packages it comes from. Generated at build time from the bundle's esbuild metafile.",
    "",
    "| Package | Version | Licence |",
    "| --- | --- | --- |",
    ...packages.map((pkg) => `| ${pkg.name} | ${pkg.version} | ${pkg.license} |`),
  ];
  for (const [text, owners] of byText) lines.push("", `## ${owners.join(", ")}`, "", `${fence(text)}text`, text, fence(text));
  return `${lines.join("\n")}\n`;
}

/** Write `outDir`/THIRD_PARTY_NOTICES.md for the bundle tsup just built there; `root` is where it ran. */
export function writeThirdPartyNotices(outDir: string, root: string = process.cwd()): string {
  const file = path.join(outDir, NOTICES_FILE);
  fs.writeFileSync(file, renderNotices(bundledPackages(outDir, root)));
  return file;
}
