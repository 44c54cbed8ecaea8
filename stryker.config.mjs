// Mutation testing (`npm run mutation`): mutates all of src/ except the build scripts (src/build runs at
// build time; the package test checks what it produces) and runs the in-process tests (test/unit) against
// each mutant. Not in CI: it takes about an hour on two cores. One area: `npm run mutation -- --mutate 'src/net/**/*.ts'`.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: "vitest",
  // related: false — per-test coverage already picks the tests for each mutant; vitest's "related files"
  // filter on top of it dropped tests that reach a file indirectly, reporting killable mutants as survived.
  vitest: { configFile: "vitest.mutation.config.ts", related: false },
  plugins: ["@stryker-mutator/vitest-runner"],
  mutate: ["src/**/*.ts", "!src/build/**"],
  // Only what the in-process tests need is copied into the sandbox; node_modules is symlinked.
  ignorePatterns: ["dist", "coverage", ".bench", ".cache", "reports", "*.tgz", "test/package", "test/demo", "test/bench"],
  coverageAnalysis: "perTest",
  // Static mutants (module-level constants) force a full re-run each; they are few here and cost most.
  ignoreStatic: true,
  concurrency: 2,
  timeoutMS: 5_000,
  incremental: true,
  incrementalFile: "reports/stryker-incremental.json",
  reporters: ["clear-text", "progress", "html", "json"],
  htmlReporter: { fileName: "reports/mutation/mutation.html" },
  jsonReporter: { fileName: "reports/mutation/mutation.json" },
  thresholds: { high: 85, low: 70, break: null },
  tempDirName: ".stryker-tmp",
  cleanTempDir: true,
};
