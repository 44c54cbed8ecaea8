/**
 * The in-process tests only: they import src/ directly, so Stryker's mutants reach them. Tests that
 * spawn the built server (dist/) never see a mutant and would only add minutes to every run.
 * (Not mergeConfig with vitest.config.ts: it concatenates `include` lists, bringing them all back.)
 */
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/unit/**/*.test.ts", "test/store/**/*.test.ts", "test/auth/**/*.unit.test.ts"],
    // Crash safety is proven by child processes, which never load a mutant: 30 spawns per mutant for nothing.
    // keychain.test.ts likewise drives a real Secret Service through child processes, and hangs in
    // Stryker's sandbox (Stryker overrides testNamePattern, so the file goes, stubs and all).
    exclude: ["test/store/crash.test.ts", "test/store/keychain.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
  },
});
