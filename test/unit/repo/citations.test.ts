/**
 * Comments cite only files that exist: a path in a comment (`src/…`, `test/…`, `docs/…`, `./x.ts`, a
 * `*.md` name) is a promise that the reader can open it. Paths are taken from a checkout of the
 * repository root or from the commenting file's folder; `.js` import names also match their `.ts` source.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "../../..");
const SKIP = new Set(["node_modules", "dist", ".cache", "reports", ".stryker-tmp", ".git", "__toolsnaps__", "coverage", ".bench"]);

/** Source files of the repository: src, test, scripts and the configuration files at its root. */
function sourceFiles(): string[] {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (SKIP.has(entry.name)) continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/\.(ts|mjs|js|sh)$/.test(entry.name)) files.push(full);
    }
  };
  for (const dir of ["src", "test", "scripts", ".ci"]) walk(path.join(ROOT, dir));
  for (const name of fs.readdirSync(ROOT)) if (/\.(ts|mjs|js)$/.test(name)) files.push(path.join(ROOT, name));
  return files;
}

/** Block comments, line comments (not `://` in URLs or inside a string's quote) and shell comments. */
export function commentsOf(text: string): string[] {
  return [...text.matchAll(/\/\*[\s\S]*?\*\/|(?<![:"'`\\/])\/\/[^\n]*|^\s*#(?!!)[^\n]*/gm)].map((m) => m[0]);
}

/** What a comment names as a file: repository paths, relative paths and Markdown documents. */
export function citationsIn(comment: string): string[] {
  return [...comment.matchAll(/(?<![\w@/.-])((?:\.{1,2}\/|src\/|test\/|docs\/|scripts\/|bin\/|\.ci\/)[\w./-]*\w|[\w-]+\.md)\b/g)].map((m) => m[1] as string);
}

function exists(citation: string, from: string): boolean {
  const names = [citation, citation.replace(/\.js$/, ".ts")];
  return names.some((name) => fs.existsSync(path.join(ROOT, name)) || fs.existsSync(path.resolve(path.dirname(from), name)));
}

/** Placeholders that name a kind of file, not a file (a bundle chunk's hash, a licence file's spellings). */
const NOT_FILES = new Set(["dist/chunk-X.js", "LICENSE.md", "LICENCE.md", "../src/tools/jobs.ts"]);

describe("comments", () => {
  it("finds what a comment cites, and not what code or a URL holds", () => {
    expect(commentsOf('const u = "https://x.test/a"; // see docs/real-api-notes.md and ./define.ts\n')).toEqual([
      "// see docs/real-api-notes.md and ./define.ts",
    ]);
    expect(commentsOf('const u = "file:///home/u/src/x.ts";\n')).toEqual([]);
    expect(citationsIn("// see docs/real-api-notes.md and ./define.ts, or auth-design.md §4")).toEqual([
      "docs/real-api-notes.md",
      "./define.ts",
      "auth-design.md",
    ]);
  });

  it("cite only files that exist in the repository", () => {
    const missing: string[] = [];
    // This file is left out: its examples cite files on purpose.
    for (const file of sourceFiles().filter((f) => f !== import.meta.filename)) {
      for (const comment of commentsOf(fs.readFileSync(file, "utf8"))) {
        for (const citation of citationsIn(comment)) {
          if (!NOT_FILES.has(citation) && !exists(citation, file)) missing.push(`${path.relative(ROOT, file)}: ${citation}`);
        }
      }
    }
    expect(missing).toEqual([]);
  });
});

describe("the documents in docs/ and the README", () => {
  it("cite only files that exist in the repository", () => {
    const documents = [...fs.readdirSync(path.join(ROOT, "docs")).map((name) => path.join(ROOT, "docs", name)), path.join(ROOT, "README.md")];
    const missing = documents.flatMap((file) =>
      // The generated list of surviving mutants quotes code (an import's "./server.js"), not files.
      citationsIn(fs.readFileSync(file, "utf8").replace(/<!-- survivors:start -->[\s\S]*<!-- survivors:end -->/, ""))
        .filter((citation) => !NOT_FILES.has(citation) && !exists(citation, file))
        .map((citation) => `${path.relative(ROOT, file)}: ${citation}`),
    );
    expect(missing).toEqual([]);
  });
});
