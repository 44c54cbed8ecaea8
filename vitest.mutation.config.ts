/**
 * The in-process tests only (test/unit): they import src/ directly, so Stryker's mutants reach them.
 * Spawned tests (test/e2e) run the built dist/ and never see a mutant. The stand-in's own tests
 * cover test code, not src/. (Not mergeConfig with vitest.config.ts: it concatenates `include` lists.)
 */
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/unit/**/*.test.ts"],
    exclude: ["test/unit/stack/**"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
  },
});
