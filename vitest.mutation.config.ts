/**
 * The in-process tests only (test/unit): they import src/ directly, so Stryker's mutants reach them.
 * Spawned tests (test/e2e) run the built dist/ and never see a mutant. The stand-in's own tests
 * cover test code, and the repository checks (test/unit/repo) read files the sandbox leaves out. (Not mergeConfig with vitest.config.ts: it concatenates `include` lists.)
 */
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/unit/**/*.test.ts"],
    exclude: ["test/unit/stack/**", "test/unit/repo/**"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
  },
});
