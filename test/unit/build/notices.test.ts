/**
 * The third-party notices the build writes next to the bundle (src/build/notices.ts), generated here
 * from fake projects: a node_modules tree of made-up packages and the esbuild metafile of a made-up build.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { NOTICES_FILE, NoticesError, writeThirdPartyNotices } from "../../../src/build/notices.js";

const MIT = (holder: string) => `MIT License\n\nCopyright (c) 2024 ${holder}\n\nPermission is hereby granted, free of charge, …\n`;
const APACHE = "Apache License\nVersion 2.0, January 2004\n\nTERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION …\n";

interface FakePackage {
  /** Relative to the project root, e.g. "node_modules/@scope/name". */
  dir: string;
  manifest: Record<string, unknown>;
  /** File name → text, e.g. { LICENSE: "…" }. */
  files?: Record<string, string>;
}

let root: string;

function addPackage({ dir, manifest, files = {} }: FakePackage): void {
  const abs = path.join(root, dir);
  fs.mkdirSync(abs, { recursive: true });
  fs.writeFileSync(path.join(abs, "package.json"), JSON.stringify(manifest));
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(abs, name)), { recursive: true });
    fs.writeFileSync(path.join(abs, name), text);
  }
}

/** A metafile with one output per entry of `outputs`, each made of the given inputs and their bytes in it. */
function writeMetafile(outputs: Record<string, Record<string, number>>, name = "metafile-esm.json"): void {
  const inputs: Record<string, { bytes: number; imports: [] }> = {};
  const out: Record<string, { bytes: number; inputs: Record<string, { bytesInOutput: number }> }> = {};
  for (const [file, parts] of Object.entries(outputs)) {
    out[file] = { bytes: 1, inputs: {} };
    for (const [input, bytesInOutput] of Object.entries(parts)) {
      inputs[input] = { bytes: 100, imports: [] };
      out[file].inputs[input] = { bytesInOutput };
    }
  }
  fs.mkdirSync(path.join(root, "dist"), { recursive: true });
  fs.writeFileSync(path.join(root, "dist", name), JSON.stringify({ inputs, outputs: out }));
}

function generate(): string {
  writeThirdPartyNotices(path.join(root, "dist"), root);
  return fs.readFileSync(path.join(root, "dist", NOTICES_FILE), "utf8");
}

function errorOf(run: () => unknown): Error {
  try {
    run();
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected the notices step to fail");
}

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "cronicorn-notices-"));
});

afterEach(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

describe("the third-party notices of the bundle", () => {
  it("lists every package with code in an output, plain, scoped and nested, with its version, licence and full licence text", () => {
    addPackage({
      dir: "node_modules/plain",
      manifest: { name: "plain", version: "1.2.3", license: "MIT" },
      // Code that only shares the name is not a licence text.
      files: { LICENSE: MIT("Plain Author"), "license.js": "export const checkLicense = () => true;" },
    });
    addPackage({
      dir: "node_modules/@scope/lib",
      manifest: { name: "@scope/lib", version: "2.0.0", license: "ISC" },
      // A nested package.json that only sets the module type must not pass for the package.
      files: { "LICENCE.md": "ISC License\n\nCopyright (c) Scope Authors\n", "dist/esm/package.json": '{"type":"module"}' },
    });
    addPackage({
      dir: "node_modules/plain/node_modules/inner",
      manifest: { name: "inner", version: "0.1.0", license: "BSD-2-Clause" },
      files: { COPYING: "Copyright (c) Inner Author\nRedistribution and use …\n" },
    });
    writeMetafile({
      "dist/cli.js": { "src/cli.ts": 500, "node_modules/plain/index.js": 40, "node_modules/@scope/lib/dist/esm/index.js": 30 },
      "dist/chunk-A.js": { "node_modules/plain/node_modules/inner/lib/a.js": 12, "package.json": 10 },
    });

    const notices = generate();
    expect(notices).toContain("| plain | 1.2.3 | MIT |");
    expect(notices).toContain("| @scope/lib | 2.0.0 | ISC |");
    expect(notices).toContain("| inner | 0.1.0 | BSD-2-Clause |");
    expect(notices).toContain(MIT("Plain Author").trim());
    expect(notices).toContain("Copyright (c) Scope Authors");
    expect(notices).toContain("Redistribution and use …");
    expect(notices).not.toContain("checkLicense");
    expect(notices).not.toContain("cronicorn-mcp |");
  });

  it("fails the build naming a bundled package that has no licence file", () => {
    addPackage({ dir: "node_modules/licensed", manifest: { name: "licensed", version: "1.0.0", license: "MIT" }, files: { LICENSE: MIT("A") } });
    addPackage({
      dir: "node_modules/@quiet/unlicensed",
      manifest: { name: "@quiet/unlicensed", version: "3.1.4", license: "MIT" },
      files: { "README.md": "# hi\n" },
    });
    writeMetafile({ "dist/cli.js": { "node_modules/licensed/index.js": 10, "node_modules/@quiet/unlicensed/index.js": 10 } });

    const err = errorOf(generate);
    expect(err).toBeInstanceOf(NoticesError);
    expect(err.message).toContain("@quiet/unlicensed@3.1.4");
    expect(err.message).toMatch(/no LICENSE/);
    expect(fs.existsSync(path.join(root, "dist", NOTICES_FILE))).toBe(false);
  });

  it("fails the build naming the folder of a bundled package whose package.json has no name", () => {
    addPackage({ dir: "node_modules/nameless", manifest: { version: "1.0.0", license: "MIT" }, files: { LICENSE: MIT("A") } });
    writeMetafile({ "dist/cli.js": { "node_modules/nameless/index.js": 10 } });

    const err = errorOf(generate);
    expect(err).toBeInstanceOf(NoticesError);
    expect(err.message).toContain("node_modules/nameless");
  });

  it("takes an empty licence file for no licence at all", () => {
    addPackage({ dir: "node_modules/blank", manifest: { name: "blank", version: "1.0.0", license: "MIT" }, files: { LICENSE: "\n  \n" } });
    writeMetafile({ "dist/cli.js": { "node_modules/blank/index.js": 10 } });

    expect(errorOf(generate).message).toContain("blank@1.0.0");
  });

  it("fails the build naming a bundled package whose package.json declares no licence", () => {
    addPackage({ dir: "node_modules/vague", manifest: { name: "vague", version: "1.0.0" }, files: { LICENSE: MIT("A") } });
    writeMetafile({ "dist/cli.js": { "node_modules/vague/index.js": 10 } });

    const err = errorOf(generate);
    expect(err).toBeInstanceOf(NoticesError);
    expect(err.message).toContain("vague@1.0.0");
  });

  it("fences each text so that backticks inside a licence cannot end it early", () => {
    addPackage({ dir: "node_modules/ticks", manifest: { name: "ticks", version: "1.0.0", license: "MIT" }, files: { LICENSE: "Use ```freely```.\n" } });
    writeMetafile({ "dist/cli.js": { "node_modules/ticks/index.js": 10 } });

    expect(generate()).toContain("````text\nUse ```freely```.\n````");
  });

  it("includes an Apache-2.0 package's NOTICE file along with its licence", () => {
    addPackage({
      dir: "node_modules/apache-lib",
      manifest: { name: "apache-lib", version: "5.0.0", license: "Apache-2.0" },
      files: { LICENSE: APACHE, NOTICE: "Apache Lib\nCopyright 2020 The Apache Lib Authors\n" },
    });
    writeMetafile({ "dist/cli.js": { "node_modules/apache-lib/index.js": 10 } });

    const notices = generate();
    expect(notices).toContain("| apache-lib | 5.0.0 | Apache-2.0 |");
    expect(notices).toContain("TERMS AND CONDITIONS FOR USE");
    expect(notices).toContain("Copyright 2020 The Apache Lib Authors");
  });

  it("leaves out a package that the bundler read but tree-shook away entirely", () => {
    addPackage({ dir: "node_modules/kept", manifest: { name: "kept", version: "1.0.0", license: "MIT" }, files: { LICENSE: MIT("Kept") } });
    // No licence at all: reaching for it would fail the build, so it must not be reached.
    addPackage({ dir: "node_modules/shaken", manifest: { name: "shaken", version: "9.9.9", license: "MIT" } });
    writeMetafile({ "dist/cli.js": { "node_modules/kept/index.js": 10, "node_modules/shaken/index.js": 0 } });

    const notices = generate();
    expect(notices).toContain("| kept | 1.0.0 | MIT |");
    expect(notices).not.toContain("shaken");
  });

  it("prints a licence text shared word for word by several packages once, naming each of them", () => {
    for (const name of ["twin-a", "twin-b"]) {
      addPackage({ dir: `node_modules/${name}`, manifest: { name, version: "2.4.0", license: "Apache-2.0" }, files: { LICENSE: APACHE } });
    }
    writeMetafile({ "dist/cli.js": { "node_modules/twin-a/index.js": 10, "node_modules/twin-b/index.js": 10 } });

    const notices = generate();
    expect(notices.split("TERMS AND CONDITIONS FOR USE")).toHaveLength(2);
    expect(notices).toMatch(/^## .*twin-a 2\.4\.0.*twin-b 2\.4\.0/m);
  });

  it("reads every metafile in the output folder, one per format", () => {
    addPackage({ dir: "node_modules/esm-only", manifest: { name: "esm-only", version: "1.0.0", license: "MIT" }, files: { LICENSE: MIT("E") } });
    addPackage({ dir: "node_modules/cjs-only", manifest: { name: "cjs-only", version: "1.0.0", license: "MIT" }, files: { LICENSE: MIT("C") } });
    writeMetafile({ "dist/cli.js": { "node_modules/esm-only/index.js": 10 } }, "metafile-esm.json");
    writeMetafile({ "dist/cli.cjs": { "node_modules/cjs-only/index.js": 10 } }, "metafile-cjs.json");

    const notices = generate();
    expect(notices).toContain("| esm-only | 1.0.0 | MIT |");
    expect(notices).toContain("| cjs-only | 1.0.0 | MIT |");
  });

  it("fails when bundled code comes from outside both the project and node_modules, since no package can be named for it", () => {
    for (const input of ["../elsewhere/linked.js", "/opt/elsewhere/linked.js"]) {
      writeMetafile({ "dist/cli.js": { [input]: 10 } });

      const err = errorOf(generate);
      expect(err).toBeInstanceOf(NoticesError);
      expect(err.message).toContain(input);
    }
  });

  it("fails when the build wrote no metafile, saying which tsup option turns it on", () => {
    fs.mkdirSync(path.join(root, "dist"));

    const err = errorOf(generate);
    expect(err).toBeInstanceOf(NoticesError);
    expect(err.message).toContain("metafile: true");
  });
});
