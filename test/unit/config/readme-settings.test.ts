/**
 * The README's Configuration table is every setting the server reads, and only those: a variable the
 * code reads that the table does not list is a setting nobody can find, and a listed one the code never
 * reads is a promise the server does not keep.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "../../..");
/** Read by the code, but not settings: a test seam that must stay undocumented for users. */
const NOT_SETTINGS = new Set(["CRONICORN_TEST_INJECT_BUG"]);

function sourceText(dir: string): string {
  return fs
    .readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(".ts"))
    .map((entry) => fs.readFileSync(path.join(entry.parentPath, entry.name), "utf8"))
    .join("\n");
}

function readmeTable(): string[] {
  const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("## Configuration"), readme.indexOf("\n## ", readme.indexOf("## Configuration") + 1));
  return [...section.matchAll(/^\| `(CRONICORN_[A-Z0-9_]+)` \|/gm)].map((m) => m[1] as string);
}

describe("the README's Configuration table", () => {
  it("lists every CRONICORN_ variable the server reads, and no other", () => {
    // Names in code (a string, a property read, a schema key), not names a comment muses about.
    const names = /(?<=["'`.])CRONICORN_[A-Z0-9_]*[A-Z0-9]\b|^\s+CRONICORN_[A-Z0-9_]*[A-Z0-9](?=:)/gm;
    const read = new Set([...sourceText(path.join(ROOT, "src")).matchAll(names)].map((m) => m[0].trim()));
    const settings = [...read].filter((name) => !NOT_SETTINGS.has(name)).sort();
    expect([...readmeTable()].sort()).toEqual(settings);
  });
});
